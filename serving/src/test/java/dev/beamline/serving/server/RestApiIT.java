package dev.beamline.serving.server;

import static dev.beamline.serving.server.ServerFixture.get;
import static dev.beamline.serving.server.ServerFixture.instance;
import static dev.beamline.serving.server.ServerFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.serving.log.RequestLog;
import dev.beamline.training.ServingModel;
import dev.beamline.training.TrainedModelFixture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TF Serving's REST API on a real model: status, metadata, predict in both formats, classify, errors,
 * limits and operations endpoints. The answers are the model's own: equal to {@link ServingModel#score}
 * on the same rows.
 */
class RestApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static TrainedModelFixture fixture;
  private static ModelServer server;
  private static int port;

  @BeforeAll
  static void start() {
    fixture = ServerFixture.model();
    ServerFixture.push(fixture.modelDir(), dir.resolve("serving"), "penguins", 1);
    server = ModelServer.start(ModelSource.base(dir.resolve("serving").toString()),
        ServerOptions.defaults().withPorts(0, -1).withMaxBodyBytes(64 * 1024), new ServerMetrics(), RequestLog.NONE);
    port = server.restPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void statusOfTheModelItsVersionAndUnknownOnes() throws Exception {
    HttpResponse<String> r = get(port, "/v1/models/penguins");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"model_version_status\":[{\"version\":\"1\",\"state\":\"AVAILABLE\","
        + "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
    assertThat(get(port, "/v1/models/penguins/versions/1").statusCode()).isEqualTo(200);
    HttpResponse<String> unknownVersion = get(port, "/v1/models/penguins/versions/9");
    assertThat(unknownVersion.statusCode()).isEqualTo(404);
    assertThat(json(unknownVersion).get("error").asText()).isEqualTo("Could not find version 9 of model penguins");
    HttpResponse<String> unknownModel = get(port, "/v1/models/pinguins");
    assertThat(unknownModel.statusCode()).isEqualTo(404);
    assertThat(json(unknownModel).get("error").asText()).isEqualTo("Could not find any versions of model pinguins");
    assertThat(get(port, "/v1/models/penguins/labels/stable").statusCode()).isEqualTo(404);
  }

  @Test
  void metadataListsTheSignaturesWithTheirInputs() throws Exception {
    HttpResponse<String> r = get(port, "/v1/models/penguins/metadata");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode m = json(r);
    assertThat(m.at("/model_spec/name").asText()).isEqualTo("penguins");
    assertThat(m.at("/model_spec/version").asText()).isEqualTo("1");
    JsonNode sig = m.at("/metadata/signature_def/signature_def/serving_default");
    assertThat(sig.at("/inputs/bill/dtype").asText()).isEqualTo("DT_DOUBLE");
    assertThat(sig.at("/inputs/island/dtype").asText()).isEqualTo("DT_STRING");
    assertThat(sig.at("/inputs/seen/dtype").asText()).isEqualTo("DT_INT64");
    assertThat(sig.at("/inputs/bill/tensor_shape/dim/0/size").asText()).isEqualTo("-1");
    assertThat(sig.at("/outputs/probabilities/dtype").asText()).isEqualTo("DT_FLOAT");
    assertThat(sig.at("/method_name").asText()).isEqualTo("tensorflow/serving/predict");
    assertThat(m.at("/metadata/signature_def/signature_def").has("transformed")).isTrue();
  }

  @Test
  void predictAnswersWhatTheModelComputes() throws Exception {
    List<GenericRecord> rows = fixture.evalRows().subList(0, 5);
    List<String> instances = new ArrayList<>();
    rows.forEach(r -> instances.add(instance(r)));
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/penguins:predict"))
        .header("X-Request-Id", "req-42").POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + String.join(", ", instances) + "]}")).build();
    HttpResponse<String> r = ServerFixture.send(req);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Request-Id")).hasValue("req-42");
    assertThat(r.headers().firstValue("X-Model-Version")).hasValue("1");
    JsonNode predictions = json(r).get("predictions");
    assertThat(predictions).hasSize(5);
    try (ServingModel m = ServingModel.load(fixture.modelDir().toString())) {
      ServingModel.Scores s = m.score(rows);
      for (int i = 0; i < 5; i++) {
        JsonNode p = predictions.get(i);
        int best = 0;
        for (int k = 0; k < 3; k++) {
          assertThat((float) p.get("probabilities").get(k).asDouble()).isEqualTo(s.probability(i, k));
          best = s.probability(i, k) > s.probability(i, best) ? k : best;
        }
        assertThat(p.get("class_ids").asLong()).isEqualTo(best);
        assertThat(p.get("classes").asText()).isEqualTo(TrainedModelFixture.CLASSES.get(best));
      }
    }
    // The columnar form of the same rows gives the same numbers.
    StringBuilder columns = new StringBuilder("{\"inputs\": {");
    JsonNode first = JSON.readTree("[" + String.join(",", instances) + "]");
    boolean firstField = true;
    for (java.util.Iterator<String> it = first.get(0).fieldNames(); it.hasNext(); ) {
      String f = it.next();
      List<String> col = new ArrayList<>();
      first.forEach(n -> col.add(n.get(f).toString()));
      columns.append(firstField ? "" : ", ").append('"').append(f).append("\": [").append(String.join(", ", col)).append(']');
      firstField = false;
    }
    HttpResponse<String> c = post(port, "/v1/models/penguins/versions/1:predict", columns.append("}}").toString());
    assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
    JsonNode outputs = json(c).get("outputs");
    for (int i = 0; i < 5; i++) {
      assertThat(outputs.get("probabilities").get(i)).isEqualTo(predictions.get(i).get("probabilities"));
    }
  }

  @Test
  void classifyAnswersEveryClassWithItsProbability() throws Exception {
    GenericRecord row = fixture.evalRows().get(3);
    HttpResponse<String> r = post(port, "/v1/models/penguins:classify", "{\"examples\": [" + instance(row) + "]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode result = json(r).get("result").get(0);
    try (ServingModel m = ServingModel.load(fixture.modelDir().toString())) {
      ServingModel.Scores s = m.score(List.of(row));
      for (int k = 0; k < 3; k++) {
        assertThat(result.get(k).get(0).asText()).isEqualTo(TrainedModelFixture.CLASSES.get(k));
        assertThat((float) result.get(k).get(1).asDouble()).isEqualTo(s.probability(0, k));
      }
    }
    HttpResponse<String> regress = post(port, "/v1/models/penguins:regress", "{\"examples\": [" + instance(row) + "]}");
    assertThat(regress.statusCode()).isEqualTo(400);
    assertThat(json(regress).get("error").asText()).isEqualTo("model penguins version 1 is a classification model: use :classify or :predict");
  }

  @Test
  void missingValuesAndAbsentFeaturesOfExamplesAreTheModelsMissingMarkers() throws Exception {
    HttpResponse<String> r = post(port, "/v1/models/penguins:classify", "{\"examples\": [{\"bill\": 40.1, \"island\": \"Biscoe\"}, {}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    double sum = 0;
    for (JsonNode c : json(r).get("result").get(1)) {
      sum += c.get(1).asDouble();
    }
    assertThat(sum).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void badRequestsGetTheirReasonAndStatus() throws Exception {
    String row = instance(fixture.evalRows().get(0));
    record Case(String path, String body, int status, String error) {}
    List<Case> cases = List.of(
        new Case("/v1/models/penguins:predict", "{\"instances\": [" + row + "", 400, "JSON Parse error"),
        new Case("/v1/models/penguins:predict", "{\"instances\": [{\"bill\": 1}]}", 400, "missing input 'colour' of signature 'serving_default' of model penguins version 1"),
        new Case("/v1/models/penguins:predict", "{\"instances\": [" + row.replaceFirst("\"island\": (null|\"[^\"]*\")", "\"island\": 7") + "]}", 400, "input 'island' takes strings, not numbers (first value 7)"),
        new Case("/v1/models/penguins:predict", "{\"instances\": [" + row.replaceFirst("\\{", "{\"extra\": 1, ") + "]}", 400, "input 'extra' is not an input of signature 'serving_default'"),
        new Case("/v1/models/penguins:predict", "{\"instances\": [" + row.replaceFirst("\"seen\": [^,}]+", "\"seen\": \"yesterday\"") + "]}", 400, "input 'seen' takes a timestamp"),
        new Case("/v1/models/penguins:predict", "{\"signature_name\": \"nope\", \"instances\": [" + row + "]}", 400, "serving signature name: \"nope\" not found"),
        new Case("/v1/models/pinguins:predict", "{\"instances\": [" + row + "]}", 404, "Servable not found for request: Latest(pinguins)"),
        new Case("/v1/models/penguins/versions/2:predict", "{\"instances\": [" + row + "]}", 404, "Servable not found for request: Specific(penguins, 2)"),
        new Case("/v1/models/penguins/labels/canary:predict", "{\"instances\": [" + row + "]}", 404, "Unrecognized servable version label: canary"),
        new Case("/v1/models/penguins/versions/x1:predict", "{}", 400, "invalid version 'x1'"),
        new Case("/v1/models/..%2F..%2Fetc:predict", "{}", 400, "invalid model name '../../etc'"),
        new Case("/v1/models/penguins:explain", "{}", 404, "Malformed request"),
        new Case("/v2/models/penguins:predict", "{}", 404, "Malformed request"));
    for (Case c : cases) {
      HttpResponse<String> r = post(port, c.path, c.body);
      assertThat(r.statusCode()).as(c.path + " " + r.body()).isEqualTo(c.status);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonNode e = json(r);
      assertThat(e.size()).isEqualTo(1);
      assertThat(e.get("error").asText()).as(c.path).contains(c.error).doesNotContain("\tat ").doesNotContain("Exception");
    }
    assertThat(get(port, "/v1/models/penguins:predict").statusCode()).isEqualTo(405);
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String big = "{\"instances\": [" + "1,".repeat(40_000) + "1]}";
    HttpResponse<String> r = post(port, "/v1/models/penguins:predict", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(json(r).get("error").asText()).isEqualTo("the request body is over the limit of 65536 bytes");
    assertThat(get(port, "/v1/models/penguins").statusCode()).isEqualTo(200); // the server goes on
  }

  @Test
  void healthReadinessAndMetrics() throws Exception {
    assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(port, "/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("{\"ready\":true,\"models\":{\"penguins\":true}}");
    post(port, "/v1/models/penguins:predict", "{\"instances\": [" + instance(fixture.evalRows().get(0)) + "]}");
    String metrics = get(port, "/metrics").body();
    assertThat(metrics).containsPattern("beamline_serving_requests_total\\{api=\"rest\",code=\"OK\",method=\"predict\",model=\"penguins\",version=\"1\"\\} [1-9]");
    assertThat(metrics).contains("beamline_serving_request_latency_seconds_bucket{method=\"predict\",model=\"penguins\",version=\"1\",le=");
    assertThat(metrics).contains("beamline_serving_batch_size_bucket{model=\"penguins\",version=\"1\",le=");
    assertThat(metrics).contains("beamline_serving_queue_depth{model=\"penguins\",signature=\"serving_default\",version=\"1\"} 0");
    assertThat(metrics).contains("beamline_serving_model_versions{model=\"penguins\",state=\"AVAILABLE\"} 1");
  }
}
