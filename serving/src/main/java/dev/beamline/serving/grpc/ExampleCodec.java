package dev.beamline.serving.grpc;

import dev.beamline.serving.grpc.proto.ExampleListWithContext;
import dev.beamline.serving.grpc.proto.Input;
import dev.beamline.serving.server.ServingException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;

/**
 * Converts the {@code tf.Example}s of a Classify or Regress request ({@code tensorflow.serving.Input})
 * to what {@link dev.beamline.serving.server.Inference#classify} takes: per example, each feature's
 * name and values, {@code int64_list} as Long, {@code float_list} as Float, {@code bytes_list} as
 * byte[] (a feature with no list set has no values). An {@code ExampleListWithContext}'s context
 * features are added to every example; a feature both in the context and in an example is refused,
 * as TF Serving's REST API documents (its gRPC API leaves that case undefined).
 *
 * <pre>{@code
 * List<Map<String, List<Object>>> examples = ExampleCodec.decode(request.getInput());
 * }</pre>
 */
public final class ExampleCodec {
  private ExampleCodec() {}

  /**
   * The examples of {@code input}, in order.
   *
   * @throws ServingException INVALID_ARGUMENT for an input without examples (TF Serving's "Input is
   *     empty.") or a feature in both the context and an example
   */
  public static List<Map<String, List<Object>>> decode(Input input) {
    List<Example> examples;
    Map<String, List<Object>> context;
    switch (input.getKindCase()) {
      case EXAMPLE_LIST -> {
        examples = input.getExampleList().getExamplesList();
        context = Map.of();
      }
      case EXAMPLE_LIST_WITH_CONTEXT -> {
        ExampleListWithContext list = input.getExampleListWithContext();
        examples = list.getExamplesList();
        context = features(list.getContext());
      }
      default -> {
        examples = List.of();
        context = Map.of();
      }
    }
    if (examples.isEmpty()) {
      throw ServingException.invalid("Input is empty.");
    }
    List<Map<String, List<Object>>> out = new ArrayList<>(examples.size());
    for (int i = 0; i < examples.size(); i++) {
      Map<String, List<Object>> own = features(examples.get(i));
      Map<String, List<Object>> merged = new LinkedHashMap<>(context);
      for (Map.Entry<String, List<Object>> f : own.entrySet()) {
        if (context.containsKey(f.getKey())) {
          throw ServingException.invalid(String.format("feature '%s' is in both the context and example %d; a context feature must not appear in the examples", f.getKey(), i));
        }
        merged.put(f.getKey(), f.getValue());
      }
      out.add(merged);
    }
    return out;
  }

  /** The features of one example, by name, with their values. */
  public static Map<String, List<Object>> features(Example example) {
    Map<String, List<Object>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Feature> f : example.getFeatures().getFeatureMap().entrySet()) {
      out.put(f.getKey(), values(f.getValue()));
    }
    return out;
  }

  private static List<Object> values(Feature feature) {
    return switch (feature.getKindCase()) {
      case INT64_LIST -> List.copyOf(feature.getInt64List().getValueList());
      case FLOAT_LIST -> List.copyOf(feature.getFloatList().getValueList());
      case BYTES_LIST -> feature.getBytesList().getValueList().stream().map(b -> (Object) b.toByteArray()).toList();
      case KIND_NOT_SET -> List.of();
    };
  }
}
