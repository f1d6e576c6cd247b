package dev.beamline.serving.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.beamline.serving.grpc.proto.ExampleList;
import dev.beamline.serving.grpc.proto.ExampleListWithContext;
import dev.beamline.serving.grpc.proto.Input;
import dev.beamline.serving.server.ServingException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

class ExampleCodecTest {
  static Feature int64s(long... v) {
    Int64List.Builder b = Int64List.newBuilder();
    for (long x : v) {
      b.addValue(x);
    }
    return Feature.newBuilder().setInt64List(b).build();
  }

  static Feature floats(float... v) {
    FloatList.Builder b = FloatList.newBuilder();
    for (float x : v) {
      b.addValue(x);
    }
    return Feature.newBuilder().setFloatList(b).build();
  }

  static Feature bytes(String... v) {
    BytesList.Builder b = BytesList.newBuilder();
    for (String x : v) {
      b.addValue(ByteString.copyFromUtf8(x));
    }
    return Feature.newBuilder().setBytesList(b).build();
  }

  static Example example(Object... nameThenFeature) {
    Features.Builder f = Features.newBuilder();
    for (int i = 0; i < nameThenFeature.length; i += 2) {
      f.putFeature((String) nameThenFeature[i], (Feature) nameThenFeature[i + 1]);
    }
    return Example.newBuilder().setFeatures(f).build();
  }

  /** byte[] values as text, the rest as they are, to compare with equals. */
  static Map<String, List<Object>> readable(Map<String, List<Object>> features) {
    Map<String, List<Object>> out = new java.util.LinkedHashMap<>();
    features.forEach((k, v) -> out.put(k, v.stream().map(x -> x instanceof byte[] b ? (Object) ("bytes:" + new String(b, java.nio.charset.StandardCharsets.UTF_8)) : x).toList()));
    return out;
  }

  @Test
  void eachListBecomesItsJavaType() {
    Input input = Input.newBuilder().setExampleList(ExampleList.newBuilder()
            .addExamples(example("year", int64s(2007, 2009), "bill_length_mm", floats(39.1f), "island", bytes("Torgersen")))
            .addExamples(example("year", int64s(), "empty", Feature.getDefaultInstance())))
        .build();

    List<Map<String, List<Object>>> examples = ExampleCodec.decode(input);

    assertThat(examples).hasSize(2);
    assertThat(readable(examples.get(0))).isEqualTo(Map.of(
        "year", List.of(2007L, 2009L),
        "bill_length_mm", List.of(39.1f),
        "island", List.of("bytes:Torgersen")));
    assertThat(examples.get(0).get("island").get(0)).isInstanceOf(byte[].class);
    assertThat(examples.get(1)).isEqualTo(Map.of("year", List.of(), "empty", List.of()));
  }

  @Test
  void contextFeaturesGoIntoEveryExample() {
    Input input = Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder()
            .setContext(example("query", bytes("pizza")))
            .addExamples(example("cuisine", bytes("Pizzeria")))
            .addExamples(example("cuisine", bytes("Taqueria"), "rating", floats(4.5f))))
        .build();

    List<Map<String, List<Object>>> examples = ExampleCodec.decode(input);

    assertThat(examples).extracting(ExampleCodecTest::readable).containsExactly(
        Map.of("query", List.of("bytes:pizza"), "cuisine", List.of("bytes:Pizzeria")),
        Map.of("query", List.of("bytes:pizza"), "cuisine", List.of("bytes:Taqueria"), "rating", List.of(4.5f)));
  }

  @Test
  void aFeatureInBothContextAndExampleIsRefused() {
    Input input = Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder()
            .setContext(example("query", bytes("pizza")))
            .addExamples(example("cuisine", bytes("Pizzeria")))
            .addExamples(example("query", bytes("tacos"))))
        .build();

    assertThatThrownBy(() -> ExampleCodec.decode(input))
        .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code()).isEqualTo(ServingException.Code.INVALID_ARGUMENT))
        .hasMessage("feature 'query' is in both the context and example 1; a context feature must not appear in the examples");
  }

  @Test
  void anInputWithoutExamplesIsEmpty() {
    for (Input input : List.of(Input.getDefaultInstance(), Input.newBuilder().setExampleList(ExampleList.getDefaultInstance()).build(),
        Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder().setContext(example("q", bytes("x")))).build())) {
      assertThatThrownBy(() -> ExampleCodec.decode(input))
          .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code()).isEqualTo(ServingException.Code.INVALID_ARGUMENT))
          .hasMessage("Input is empty.");
    }
  }
}
