package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.serving.server.Inference.Classification;
import dev.beamline.serving.server.Inference.ScoredClass;
import dev.beamline.serving.server.Inference.State;
import dev.beamline.serving.server.Inference.VersionStatus;
import dev.beamline.serving.server.TensorData.DType;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON mapping, on the request bodies of TF Serving's REST documentation ({@code api_rest.md}). */
class RestJsonTest {
  private static RestJson.PredictBody predict(String json) {
    return RestJson.predict(RestJson.parse(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void rowFormatOfScalarStringsIsTheOnlyInput() {
    // api_rest.md: { "instances": [ "foo", "bar", "baz" ] }
    RestJson.PredictBody p = predict("{ \"instances\": [ \"foo\", \"bar\", \"baz\" ] }");
    assertThat(p.rowFormat()).isTrue();
    TensorData t = p.inputs().get(RestJson.ONLY_INPUT);
    assertThat(t.type()).isEqualTo(DType.STRING);
    assertThat(t.shape()).containsExactly(3);
    assertThat(t.stringAt(2)).isEqualTo("baz");
  }

  @Test
  void rowFormatOfNestedListsStacksThem() {
    // api_rest.md: List of 2 tensors each of [1, 2] shape
    TensorData t = predict("{ \"instances\": [ [[1, 2]], [[3, 4]] ] }").inputs().get("");
    assertThat(t.type()).isEqualTo(DType.INT64);
    assertThat(t.shape()).containsExactly(2, 1, 2);
    assertThat((long[]) t.values()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void rowFormatWithNamedInputs() {
    // api_rest.md's example of three named inputs, with its stray bracket fixed
    RestJson.PredictBody p = predict("""
        {
         "instances": [
           { "tag": "foo", "signal": [1, 2, 3, 4, 5], "sensor": [[1, 2], [3, 4]] },
           { "tag": "bar", "signal": [3, 4, 1, 2, 5], "sensor": [[4, 5], [6, 8]] }
         ]
        }""");
    assertThat(p.inputs().keySet()).containsExactly("tag", "signal", "sensor");
    assertThat(p.inputs().get("tag").shape()).containsExactly(2);
    assertThat(p.inputs().get("signal").shape()).containsExactly(2, 5);
    assertThat(p.inputs().get("sensor").shape()).containsExactly(2, 2, 2);
    assertThat((long[]) p.inputs().get("sensor").values()).containsExactly(1, 2, 3, 4, 4, 5, 6, 8);
  }

  @Test
  void columnarFormatGivesTheSameTensors() {
    RestJson.PredictBody p = predict("""
        {
         "inputs": {
           "tag": ["foo", "bar"],
           "signal": [[1, 2, 3, 4, 5], [3, 4, 1, 2, 5]],
           "sensor": [[[1, 2], [3, 4]], [[4, 5], [6, 8]]]
         }
        }""");
    assertThat(p.rowFormat()).isFalse();
    assertThat(p.inputs().get("signal").shape()).containsExactly(2, 5);
    assertThat((long[]) p.inputs().get("signal").values()).containsExactly(1, 2, 3, 4, 5, 3, 4, 1, 2, 5);
    assertThat(p.inputs().get("sensor").shape()).containsExactly(2, 2, 2);
  }

  @Test
  void nonFiniteNumbersDecimalsAndNulls() {
    // api_rest.md's JSON conformance: NaN and Infinity are accepted
    TensorData t = predict("{\"instances\": [{\"x\": 1.0}, {\"x\": -3.14}, {\"x\": NaN}, {\"x\": Infinity}, {\"x\": null}]}").inputs().get("x");
    assertThat(t.type()).isEqualTo(DType.DOUBLE);
    assertThat((double[]) t.values()).containsExactly(1.0, -3.14, Double.NaN, Double.POSITIVE_INFINITY, Double.NaN);
    TensorData s = predict("{\"instances\": [{\"x\": \"a\"}, {\"x\": null}, {\"x\": {\"b64\": \"aW1hZ2UgYnl0ZXM=\"}}]}").inputs().get("x");
    assertThat(s.stringAt(0)).isEqualTo("a");
    assertThat(s.stringAt(1)).isEmpty();
    assertThat(s.stringAt(2)).isEqualTo("image bytes");
  }

  @Test
  void malformedBodiesAreRefusedWithTheirReason() {
    assertThatThrownBy(() -> predict("{\"instances\": [1], \"inputs\": [1]}")).hasMessageContaining("only one of 'inputs' or 'instances'");
    assertThatThrownBy(() -> predict("{\"signature_name\": \"x\"}")).hasMessage("Missing 'inputs' or 'instances' key");
    assertThatThrownBy(() -> predict("{\"instances\": [[1, 2], [3]]}")).hasMessageContaining("same shape");
    assertThatThrownBy(() -> predict("{\"inputs\": {\"x\": [[1, 2], [3]]}}")).hasMessageContaining("ragged");
    assertThatThrownBy(() -> predict("{\"instances\": [{\"x\": 1}, {\"y\": 2}]}")).hasMessage("instance 1 has no value for input 'x', which instance 0 has");
    assertThatThrownBy(() -> predict("{\"instances\": [{\"x\": 1}, {\"x\": \"a\"}]}")).hasMessageContaining("mixes strings and numbers");
    assertThatThrownBy(() -> predict("{\"instances\": [{\"x\": 1}")).hasMessageStartingWith("JSON Parse error");
    assertThatThrownBy(() -> predict("[1, 2]")).hasMessage("the request body must be a JSON object");
    assertThatThrownBy(() -> predict("{\"instances\": [{\"x\": {\"a\": 1}}]}")).hasMessageContaining("input 'x' holds object");
  }

  @Test
  void classifyBodyOfTheDocumentationWithContext() {
    // api_rest.md's classify request with binary values, plus a context feature
    RestJson.ExamplesBody e = RestJson.examples(RestJson.parse("""
        {
          "signature_name": "classify_objects",
          "context": {"location": "coast"},
          "examples": [
            { "image": { "b64": "aW1hZ2UgYnl0ZXM=" }, "caption": "seaside" },
            { "image": { "b64": "YXdlc29tZSBpbWFnZSBieXRlcw==" }, "caption": "mountains", "size": [1, 2.5] }
          ]
        }""".getBytes(StandardCharsets.UTF_8)));
    assertThat(e.signature()).isEqualTo("classify_objects");
    assertThat(e.examples()).hasSize(2);
    assertThat(new String((byte[]) e.examples().get(1).get("image").get(0), StandardCharsets.UTF_8)).isEqualTo("awesome image bytes");
    assertThat(e.examples().get(0).get("location")).containsExactly("coast");
    assertThat(e.examples().get(1).get("size")).containsExactly(1L, 2.5);
    assertThatThrownBy(() -> RestJson.examples(RestJson.parse("{\"context\": {\"a\": 1}, \"examples\": [{\"a\": 2}]}".getBytes(StandardCharsets.UTF_8))))
        .hasMessageContaining("feature 'a' of example 0 is also in the context");
  }

  @Test
  void predictionsInRowAndColumnarForm() {
    Map<String, TensorData> out = new LinkedHashMap<>();
    out.put("probabilities", TensorData.floats(new float[] {0.25f, 0.75f, 1f, 0f}, 2, 2));
    out.put("classes", TensorData.strings(new String[] {"b", "a"}, 2));
    assertThat(text(RestJson.prediction(out, true)))
        .isEqualTo("{\"predictions\":[{\"probabilities\":[0.25,0.75],\"classes\":\"b\"},{\"probabilities\":[1.0,0.0],\"classes\":\"a\"}]}");
    assertThat(text(RestJson.prediction(out, false)))
        .isEqualTo("{\"outputs\":{\"probabilities\":[[0.25,0.75],[1.0,0.0]],\"classes\":[\"b\",\"a\"]}}");
    Map<String, TensorData> one = Map.of("y", TensorData.doubles(new double[] {Double.NaN, 2.5}, 2));
    assertThat(text(RestJson.prediction(one, true))).isEqualTo("{\"predictions\":[NaN,2.5]}");
    assertThat(text(RestJson.prediction(one, false))).isEqualTo("{\"outputs\":[NaN,2.5]}");
    Map<String, TensorData> bytes = Map.of("image_bytes", TensorData.strings(new String[] {"image bytes"}, 1));
    assertThat(text(RestJson.prediction(bytes, true))).isEqualTo("{\"predictions\":[{\"b64\":\"aW1hZ2UgYnl0ZXM=\"}]}");
  }

  @Test
  void classifyRegressStatusAndErrorAnswers() {
    Classification c = new Classification("m", 1, "serving_default",
        List.of(List.of(new ScoredClass("adelie", 0.5f), new ScoredClass("gentoo", 0.5f))));
    assertThat(text(RestJson.classification(c))).isEqualTo("{\"result\":[[[\"adelie\",0.5],[\"gentoo\",0.5]]]}");
    assertThat(text(RestJson.regression(new float[] {3.5f, 4f}))).isEqualTo("{\"result\":[3.5,4.0]}");
    assertThat(text(RestJson.status(List.of(new VersionStatus(2, State.AVAILABLE, null, ""),
        new VersionStatus(1, State.END, ServingException.Code.FAILED_PRECONDITION, "bad")))))
        .isEqualTo("{\"model_version_status\":[{\"version\":\"2\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}},"
            + "{\"version\":\"1\",\"state\":\"END\",\"status\":{\"error_code\":\"FAILED_PRECONDITION\",\"error_message\":\"bad\"}}]}");
    assertThat(text(RestJson.error("a \"quoted\" word"))).isEqualTo("{\"error\":\"a \\\"quoted\\\" word\"}");
  }
}
