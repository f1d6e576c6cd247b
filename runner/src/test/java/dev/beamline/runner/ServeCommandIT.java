package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beamline serve} as a user runs it, in its own process, on the model the bundled example
 * pushed: the README's curl commands, a SIGTERM under load that drains every request in flight, and
 * the request log read back by ingestion as a dataset.
 */
class ServeCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PORTS = Pattern.compile("serving REST on http://127\\.0\\.0\\.1:(\\d+), gRPC on 127\\.0\\.0\\.1:(\\d+)");
  private static final String ROW = "{\"island\": \"Torgersen\", \"culmen_length_mm\": 39.1, \"culmen_depth_mm\": 18.7, "
      + "\"flipper_length_mm\": 181, \"body_mass_g\": 3750, \"sex\": \"MALE\"}";
  @TempDir static Path dir;
  private static TrainedPenguins penguins;

  @BeforeAll
  static void train() throws IOException {
    penguins = TrainedPenguins.train(dir);
  }

  private static ChildProcess serve(List<String> extra, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-jar", Paths.get("target/beamline.jar").toAbsolutePath().toString(), "serve"));
    cmd.addAll(extra);
    return ChildProcess.start(new ProcessBuilder(cmd).redirectError(log.toFile()));
  }

  /** The REST and gRPC ports the server printed, once it is ready. */
  private static int[] ports(ChildProcess p) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.process().getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine();
    assertThat(first).as("the server's first line").isNotNull();
    Matcher m = PORTS.matcher(first);
    assertThat(m.find()).as(first).isTrue();
    assertThat(out.readLine()).isEqualTo("  model penguins: ready");
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  private static String curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "--max-time", "30"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void readmeCurlCommandsThenSigtermDrainsAndTheRequestLogIsADataset() throws Exception {
    Path requests = dir.resolve("requests");
    Path err = dir.resolve("serve.err");
    List<Integer> answered200 = new ArrayList<>();
    ConcurrentLinkedQueue<String> outcomes = new ConcurrentLinkedQueue<>();
    try (ChildProcess server = serve(List.of("--model-base", penguins.root().resolve("serving").toString(), "--rest-port", "0",
        "--grpc-port", "0", "--request-log", requests.toString(), "--request-log-segment-seconds", "3600"), err)) {
      int[] ports = ports(server);
      int port = ports[0];
      // The README's commands, word for word but for the port.
      String status = curl("localhost:" + port + "/v1/models/penguins");
      assertThat(status).isEqualTo("{\"model_version_status\":[{\"version\":\"1\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
      JsonNode predict = JSON.readTree(curl("-d", "{\"instances\": [" + ROW + "]}", "localhost:" + port + "/v1/models/penguins:predict"));
      assertThat(predict.at("/predictions/0/classes").asText()).isEqualTo("Adelie");
      assertThat(predict.at("/predictions/0/class_ids").asLong()).isZero();
      assertThat(predict.at("/predictions/0/probabilities/0").asDouble()).isGreaterThan(0.99);
      JsonNode classify = JSON.readTree(curl("-d", "{\"examples\": [{\"island\": \"Biscoe\", \"culmen_length_mm\": 48.6, \"culmen_depth_mm\": 16.0, "
          + "\"flipper_length_mm\": 230, \"body_mass_g\": 5800, \"sex\": \"MALE\"}]}", "localhost:" + port + "/v1/models/penguins:classify"));
      JsonNode classes = classify.at("/result/0");
      assertThat(classes).hasSize(3);
      String best = "";
      double bestScore = -1;
      for (JsonNode c : classes) {
        if (c.get(1).asDouble() > bestScore) {
          bestScore = c.get(1).asDouble();
          best = c.get(0).asText();
        }
      }
      assertThat(best).isEqualTo("Gentoo");
      assertThat(curl("localhost:" + port + "/v1/models/penguins/versions/1/metadata")).contains("\"serving_default\"");
      assertThat(curl("localhost:" + port + "/readyz")).isEqualTo("{\"ready\":true,\"models\":{\"penguins\":true}}");
      // The same model over gRPC, through a client generated from the protos: the same answer.
      io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forAddress("127.0.0.1", ports[1]).usePlaintext().build();
      try {
        dev.beamline.serving.grpc.proto.PredictRequest.Builder req = dev.beamline.serving.grpc.proto.PredictRequest.newBuilder()
            .setModelSpec(dev.beamline.serving.grpc.proto.ModelSpec.newBuilder().setName("penguins"));
        org.tensorflow.proto.TensorShapeProto one = org.tensorflow.proto.TensorShapeProto.newBuilder()
            .addDim(org.tensorflow.proto.TensorShapeProto.Dim.newBuilder().setSize(1)).build();
        java.util.Map.of("island", "Torgersen", "sex", "MALE").forEach((k, v) -> req.putInputs(k, org.tensorflow.proto.TensorProto.newBuilder()
            .setDtype(org.tensorflow.proto.DataType.DT_STRING).setTensorShape(one).addStringVal(com.google.protobuf.ByteString.copyFromUtf8(v)).build()));
        java.util.Map<String, Double> numbers = java.util.Map.of("culmen_length_mm", 39.1, "culmen_depth_mm", 18.7, "flipper_length_mm", 181.0, "body_mass_g", 3750.0);
        numbers.forEach((k, v) -> req.putInputs(k, org.tensorflow.proto.TensorProto.newBuilder().setDtype(org.tensorflow.proto.DataType.DT_DOUBLE)
            .setTensorShape(one).addDoubleVal(v).build()));
        dev.beamline.serving.grpc.proto.PredictResponse r = dev.beamline.serving.grpc.proto.PredictionServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS).predict(req.build());
        assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(1);
        assertThat(r.getOutputsOrThrow("classes").getStringVal(0).toStringUtf8()).isEqualTo("Adelie");
        assertThat((double) r.getOutputsOrThrow("probabilities").getFloatVal(0)).isEqualTo(predict.at("/predictions/0/probabilities/0").asDouble(),
            org.assertj.core.api.Assertions.within(1e-6));
      } finally {
        channel.shutdownNow();
      }

      // Load from 6 clients, then SIGTERM: every request the server took is answered (200), later ones
      // are refused (503) or find the port closed; none fails otherwise.
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        Thread th = new Thread(() -> {
          while (!stop.get()) {
            try {
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models/penguins:predict"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + ROW + ", " + ROW + "]}")).build(), HttpResponse.BodyHandlers.ofString());
              outcomes.add(r.statusCode() == 200 && r.body().contains("\"Adelie\"") ? "200" : r.statusCode() + " " + r.body());
            } catch (java.net.ConnectException e) {
              outcomes.add("refused");
              return;
            } catch (IOException e) {
              outcomes.add("io " + e);
              return;
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        clients.add(th);
        th.start();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (outcomes.size() < 300 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      server.process().destroy(); // SIGTERM
      assertThat(server.waitFor(Duration.ofSeconds(60))).isEqualTo(143);
      stop.set(true);
      for (Thread th : clients) {
        th.join(10_000);
      }
    }
    String log = Files.readString(err);
    assertThat(log).contains("beamline: stopping: draining requests in flight").contains("beamline: stopped");
    List<String> bad = outcomes.stream().filter(o -> !o.equals("200") && !o.equals("refused") && !o.startsWith("503 ")).toList();
    // A connection the server closed while a client was about to reuse it is the client's to retry,
    // not a failed request: the server had not read it. Anything else is a failure.
    assertThat(bad.stream().filter(o -> !o.startsWith("io ")).toList()).as("failed requests").isEmpty();
    long ok = outcomes.stream().filter("200"::equals).count();
    System.out.printf("SIGTERM under load: %d answered, %d refused with 503, %d found the port closed, %d connections closed under a client%n",
        ok, outcomes.stream().filter(o -> o.startsWith("503 ")).count(), outcomes.stream().filter("refused"::equals).count(),
        outcomes.stream().filter(o -> o.startsWith("io ")).count());
    assertThat(ok).isGreaterThanOrEqualTo(300);

    // Every answered predict request is in the log (sample 1.0; the open segment published on SIGTERM);
    // classify is in a file of its own.
    Path version = requests.resolve("penguins/1");
    List<Path> segments;
    try (Stream<Path> files = Files.list(version)) {
      segments = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
    assertThat(segments).anyMatch(f -> f.getFileName().toString().endsWith("-predict-serving_default.parquet"))
        .anyMatch(f -> f.getFileName().toString().endsWith("-classify-serving_default.parquet"));
    try (Stream<Path> files = Files.list(version)) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith(".")).toList()).as("open segments left").isEmpty();
    }

    // Read back by ingestion, as a pipeline's dataset.
    Path pipeline = dir.resolve("requests.yaml");
    Files.writeString(pipeline, """
        pipeline:
          name: penguin-requests
          root: %s
        ingest:
          input: %s/*-predict-serving_default.parquet
          format: parquet
        """.formatted(dir.resolve("request-runs"), version));
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", pipeline.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    // 1 from curl, 1 from the gRPC client, 2 rows per answered load request: a request the server
    // processed without its answer reaching the client would be one row too many.
    long expected = 2 + 2 * ok;
    assertThat(r.out()).contains(expected + " rows (0 rejected)");
    List<GenericRecord> rows = new ArrayList<>();
    try (Stream<Path> splits = Files.list(dir.resolve("request-runs/penguin-requests/ingest/1/examples"))) {
      for (Path split : splits.filter(Files::isDirectory).toList()) {
        rows.addAll(TrainedPenguins.parquetRows(split));
      }
    }
    assertThat(rows).hasSize((int) expected);
    GenericRecord any = rows.get(0);
    assertThat(any.get("island").toString()).isEqualTo("Torgersen");
    assertThat(((Number) any.get("culmen_length_mm")).doubleValue()).isEqualTo(39.1);
    assertThat(any.get("output_classes").toString()).isEqualTo("Adelie");
    assertThat(any.get("model").toString()).isEqualTo("penguins");
    assertThat(any.get("request_id").toString()).hasSize(36);
  }

  @Test
  void badUsageIsExitCode2AndABusyPortExitCode1() throws Exception {
    BeamlineCliIT.Result neither = BeamlineCliIT.cli("serve");
    assertThat(neither.code()).isEqualTo(2);
    assertThat(neither.err()).contains("--model-base").contains("--model-config");
    BeamlineCliIT.Result missing = BeamlineCliIT.cli("serve", "--model-base", dir.resolve("nowhere").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("is not a folder");
    Path config = dir.resolve("typo.yaml");
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: runs/serving/penguins\n    version_policy: {latset: 2}\n");
    BeamlineCliIT.Result typo = BeamlineCliIT.cli("serve", "--model-config", config.toString());
    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).contains("typo.yaml line 4").contains("did you mean 'latest'?");
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      BeamlineCliIT.Result taken = BeamlineCliIT.cli("serve", "--model-base", penguins.root().resolve("serving").toString(),
          "--rest-port", Integer.toString(busy.getLocalPort()), "--grpc-port", "-1");
      assertThat(taken.code()).as(taken.out() + taken.err()).isEqualTo(1);
      assertThat(taken.err()).contains("the server could not start: cannot open the REST port 127.0.0.1:" + busy.getLocalPort());
    }
  }
}
