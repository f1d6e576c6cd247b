package dev.beamline.serving.server;

import static dev.beamline.serving.server.ServerFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.serving.log.RequestLog;
import dev.beamline.serving.server.Inference.State;
import dev.beamline.serving.server.Inference.VersionStatus;
import dev.beamline.training.TrainedModelFixture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-downtime changes under load: while a load generator sends requests to the latest version and
 * to labels, a new version is pushed, labels move in the model config file (re-read without a
 * restart), an old version is unloaded and a broken version appears. Not one request may fail, and
 * every answer names the version that computed it.
 */
class HotSwapIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  /** One answered request: which route, which status, which version answered, when. */
  record Answer(String route, int status, String version, String body, long sent, long nanos) {}

  @Test
  void pushesAndLabelChangesUnderLoadFailNoRequest() throws Exception {
    TrainedModelFixture fixture = ServerFixture.model();
    Path base = dir.resolve("serving");
    ServerFixture.push(fixture.modelDir(), base, "penguins", 1);
    Path config = dir.resolve("models.yaml");
    writeConfig(config, "labels: {stable: 1}");
    String body = "{\"instances\": [" + instance(fixture.evalRows().get(0)) + ", " + instance(fixture.evalRows().get(1)) + "]}";

    ServerOptions options = ServerOptions.defaults().withPorts(0, -1).withPollInterval(Duration.ofMillis(100));
    try (ModelServer server = ModelServer.start(ModelSource.file(config), options, new ServerMetrics(), RequestLog.NONE)) {
      int port = server.restPort();
      List<String> routes = new CopyOnWriteArrayList<>(List.of("/v1/models/penguins:predict", "/v1/models/penguins/labels/stable:predict"));
      ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread th = new Thread(() -> {
          for (long i = id; !stop.get(); i++) {
            String route = routes.get((int) (i % routes.size()));
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + route))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> r;
            long sentAt = System.nanoTime();
            try {
              r = ServerFixture.send(req);
            } catch (RuntimeException e) {
              answers.add(new Answer(route, -1, null, e.toString(), sentAt, System.nanoTime()));
              continue;
            }
            sent.incrementAndGet();
            answers.add(new Answer(route, r.statusCode(), r.headers().firstValue("X-Model-Version").orElse(null), r.body(), sentAt, System.nanoTime()));
          }
        }, "load-" + t);
        load.add(th);
        th.start();
      }
      try {
        awaitAnswers(answers, 50);
        // 1. A new version is pushed: the latest route moves to it; the stable label stays on 1.
        ServerFixture.push(fixture.modelDir(), base, "penguins", 2);
        await(() -> lastVersion(answers, routes.get(0)).equals("2"), "version 2 to take the latest route");
        // 2. Both versions serve at once behind labels.
        writeConfig(config, "labels: {stable: 1, canary: 2}");
        await(() -> labelled(server, "canary"), "the canary label");
        routes.add("/v1/models/penguins/labels/canary:predict");
        awaitAnswers(answers, answers.size() + 50);
        assertThat(lastVersion(answers, routes.get(1))).isEqualTo("1");
        assertThat(lastVersion(answers, routes.get(2))).isEqualTo("2");
        // 3. The canary is promoted (beamline promote's edit of the file): stable moves to 2, and version 1
        // is unloaded once its requests in flight are answered.
        assertThat(LabelMove.of("penguins", "canary", "stable").apply(config).previousVersion()).isEqualTo(1L);
        assertThat(ModelConfigFile.read(config).get(0).labels()).isEqualTo(java.util.Map.of("stable", 2L, "canary", 2L));
        await(() -> state(server, 1) == State.END, "version 1 to be unloaded");
        awaitAnswers(answers, answers.size() + 50);
        assertThat(lastVersion(answers, routes.get(1))).isEqualTo("2");
        // 4. A broken version is reported and never takes traffic; 2 goes on serving.
        Path broken = base.resolve("penguins").resolve(".staging-3");
        Files.createDirectories(broken.resolve("assets.extra"));
        Files.copy(fixture.modelDir().resolve("assets.extra/model.json"), broken.resolve("assets.extra/model.json"));
        Files.writeString(broken.resolve("saved_model.pb"), "not a SavedModel");
        Files.move(broken, base.resolve("penguins/3"), StandardCopyOption.ATOMIC_MOVE);
        await(() -> state(server, 3) == State.END, "version 3 to fail");
        // 5. A config file with a typo keeps the previous configuration.
        writeConfig(config, "lables: {stable: 1}");
        await(() -> server.configError() != null, "the config error");
        awaitAnswers(answers, answers.size() + 50);
      } finally {
        stop.set(true);
        for (Thread th : load) {
          th.join(10_000);
        }
      }

      List<Answer> failed = answers.stream().filter(a -> a.status != 200).toList();
      assertThat(failed).as("failed requests").isEmpty();
      assertThat(answers).allSatisfy(a -> assertThat(a.version).isIn("1", "2"));
      // Each answer's version is the one named in its predictions' header: responses are whole and routed.
      for (Answer a : answers) {
        JsonNode p = JSON.readTree(a.body).get("predictions");
        assertThat(p).hasSize(2);
      }
      // A label's route never flaps back: once stable has answered from 2, every request sent later is answered by 2.
      List<Answer> stable = answers.stream().filter(a -> a.route.contains("stable")).toList();
      long firstTwo = stable.stream().filter(a -> a.version.equals("2")).mapToLong(Answer::nanos).min().orElseThrow();
      assertThat(stable.stream().filter(a -> a.version.equals("1"))).isNotEmpty();
      assertThat(stable.stream().filter(a -> a.sent > firstTwo).map(Answer::version)).isNotEmpty().containsOnly("2");
      assertThat(answers.stream().filter(a -> a.route.contains("canary")).map(Answer::version).distinct().toList()).containsExactly("2");
      VersionStatus v3 = server.status(ServableRef.version("penguins", 3)).get(0);
      assertThat(v3.errorCode()).isEqualTo(ServingException.Code.FAILED_PRECONDITION);
      assertThat(v3.errorMessage()).contains("could not load").contains("penguins/3");
      assertThat(server.status(ServableRef.latest("penguins")).stream().filter(v -> v.state() == State.AVAILABLE).map(VersionStatus::version))
          .containsExactly(2L);
      assertThat(server.configError()).contains("did you mean 'labels'?").contains("keeping the previous configuration");
      assertThat(sent.get()).isGreaterThan(200);
      System.out.printf("hot swap: %d requests, 0 failed%n", sent.get());
    }
  }

  private static State state(ModelServer server, long version) {
    try {
      return server.status(ServableRef.version("penguins", version)).get(0).state();
    } catch (ServingException e) {
      return State.UNKNOWN;
    }
  }

  private static boolean labelled(ModelServer server, String label) {
    try {
      return server.status(ServableRef.label("penguins", label)).size() == 1;
    } catch (ServingException e) {
      return false;
    }
  }

  private static void writeConfig(Path config, String labels) throws Exception {
    Path tmp = config.resolveSibling(".models.yaml.tmp");
    Files.writeString(tmp, "models:\n  - name: penguins\n    base_path: serving/penguins\n    " + labels + "\n");
    Files.move(tmp, config, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String lastVersion(ConcurrentLinkedQueue<Answer> answers, String route) {
    String v = "";
    for (Answer a : answers) {
      if (a.route.equals(route) && a.version != null) {
        v = a.version;
      }
    }
    return v;
  }

  private static void awaitAnswers(ConcurrentLinkedQueue<Answer> answers, int n) throws InterruptedException {
    await(() -> answers.size() >= n, n + " answers");
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
