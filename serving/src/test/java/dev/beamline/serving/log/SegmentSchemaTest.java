package dev.beamline.serving.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.serving.server.TensorData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** The columns of a segment and a request's rows in them. */
class SegmentSchemaTest {
  private static LoggedRequest request(Map<String, TensorData> inputs, Map<String, TensorData> outputs) {
    return new LoggedRequest("r", LogFixtures.TIME, "m", 1, null, "predict", "serving_default", inputs, outputs);
  }

  @Test
  void wideTensorsAreJsonNestedByTheirDimensions() {
    TensorData cube = TensorData.of(TensorData.DType.INT32, new long[] {2, 2, 2}, new int[] {1, 2, 3, 4, 5, 6, 7, 8});
    assertThat(SegmentSchema.json(cube, 0)).isEqualTo("[[1,2],[3,4]]");
    assertThat(SegmentSchema.json(cube, 1)).isEqualTo("[[5,6],[7,8]]");
    TensorData odd = TensorData.floats(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0.0f, 1e-7f}, 1, 4);
    assertThat(SegmentSchema.json(odd, 0)).isEqualTo("[\"NaN\",\"Infinity\",-0.0,1.0E-7]");
    TensorData text = TensorData.strings(new String[] {"say \"hi\"", "a\\b\n"}, 1, 2);
    assertThat(SegmentSchema.json(text, 0)).isEqualTo("[\"say \\\"hi\\\"\",\"a\\\\b\\n\"]");
    TensorData flags = TensorData.of(TensorData.DType.BOOL, new long[] {1, 2}, new boolean[] {true, false});
    assertThat(SegmentSchema.json(flags, 0)).isEqualTo("[true,false]");
    TensorData empty = TensorData.doubles(new double[0], 2, 0);
    assertThat(SegmentSchema.json(empty, 1)).isEqualTo("[]");
  }

  @Test
  void oneElementPerRowIsAScalarColumnOfItsType() {
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("a", TensorData.floats(new float[] {1.5f, 2.5f}, 2));
    inputs.put("b", TensorData.of(TensorData.DType.INT32, new long[] {2, 1, 1}, new int[] {7, 8}));
    inputs.put("c", TensorData.of(TensorData.DType.BOOL, new long[] {}, new boolean[] {true}));
    Map<String, TensorData> outputs = Map.of("d", TensorData.doubles(new double[] {0.5, 0.5, 1, 0}, 2, 2));
    SegmentSchema schema = SegmentSchema.of(request(inputs, outputs));
    assertThat(schema.columns()).containsExactly(
        new SegmentSchema.Column("a", "a", false, TensorData.DType.FLOAT, false),
        new SegmentSchema.Column("b", "b", false, TensorData.DType.INT32, false),
        new SegmentSchema.Column("c", "c", false, TensorData.DType.BOOL, false),
        new SegmentSchema.Column("output_d", "d", true, TensorData.DType.DOUBLE, true));
    List<GenericRecord> rows = schema.rows(request(inputs, outputs));
    assertThat(rows).extracting(Object::toString).containsExactly(
        "{\"request_id\": \"r\", \"time\": 1796033702123456, \"model\": \"m\", \"version\": 1, \"label\": null,"
            + " \"method\": \"predict\", \"signature\": \"serving_default\", \"instance\": 0, \"a\": 1.5, \"b\": 7, \"c\": true,"
            + " \"output_d\": \"[0.5,0.5]\"}",
        "{\"request_id\": \"r\", \"time\": 1796033702123456, \"model\": \"m\", \"version\": 1, \"label\": null,"
            + " \"method\": \"predict\", \"signature\": \"serving_default\", \"instance\": 1, \"a\": 2.5, \"b\": 8, \"c\": true,"
            + " \"output_d\": \"[1.0,0.0]\"}");
  }

  @Test
  void namesTakenTwiceGetANumber() {
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("x y", TensorData.doubles(new double[] {1}, 1));
    inputs.put("x_y", TensorData.doubles(new double[] {2}, 1));
    inputs.put("instance", TensorData.doubles(new double[] {3}, 1));
    inputs.put("input_instance", TensorData.doubles(new double[] {4}, 1));
    Map<String, TensorData> outputs = new LinkedHashMap<>();
    outputs.put("x", TensorData.doubles(new double[] {5}, 1));
    outputs.put("x!", TensorData.doubles(new double[] {6}, 1));
    SegmentSchema schema = SegmentSchema.of(request(inputs, outputs));
    assertThat(schema.columns()).extracting(SegmentSchema.Column::name)
        .containsExactly("input_instance", "input_instance_2", "x_y", "x_y_2", "output_x", "output_x_2");
    assertThat(schema.columns()).extracting(SegmentSchema.Column::tensor)
        .containsExactly("input_instance", "instance", "x y", "x_y", "x", "x!");
  }

  @Test
  void schemasOfTheSameShapesAreEqualWhateverTheMapOrder() {
    Map<String, TensorData> ab = new LinkedHashMap<>();
    ab.put("a", TensorData.doubles(new double[] {1}, 1));
    ab.put("b", TensorData.longs(new long[] {1}, 1));
    Map<String, TensorData> ba = new LinkedHashMap<>();
    ba.put("b", TensorData.longs(new long[] {2, 3}, 2));
    ba.put("a", TensorData.doubles(new double[] {4, 5}, 2));
    assertThat(SegmentSchema.of(request(ab, Map.of()))).isEqualTo(SegmentSchema.of(request(ba, Map.of())));
    Map<String, TensorData> wide = Map.of("a", TensorData.doubles(new double[] {1, 2}, 1, 2), "b", ab.get("b"));
    assertThat(SegmentSchema.of(request(wide, Map.of()))).isNotEqualTo(SegmentSchema.of(request(ab, Map.of())));
  }

  @Test
  void rowsMustAgree() {
    Map<String, TensorData> inputs = Map.of("a", TensorData.doubles(new double[] {1, 2}, 2));
    Map<String, TensorData> outputs = Map.of("p", TensorData.doubles(new double[] {1, 2, 3}, 3));
    assertThatThrownBy(() -> SegmentSchema.instances(request(inputs, outputs)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tensor 'p' has 3 rows, tensor 'a' 2: one row per instance");
    assertThat(SegmentSchema.instances(request(Map.of(), Map.of()))).isEqualTo(1);
  }

  @Test
  void encodesNamesForPaths() {
    assertThat(Segment.encode("serving_default")).isEqualTo("serving_default");
    assertThat(Segment.encode("penguins-v2.1")).isEqualTo("penguins-v2.1");
    assertThat(Segment.encode(".hidden")).isEqualTo("%2Ehidden");
    assertThat(Segment.encode("a b/ü")).isEqualTo("a%20b%2F%C3%BC");
    assertThat(Segment.isInProgress(".requests-x.parquet.inprogress")).isTrue();
    assertThat(Segment.isInProgress("requests-x.parquet")).isFalse();
  }
}
