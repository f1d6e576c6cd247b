package dev.beamline.serving.server;

import dev.beamline.training.TrainedModelFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/** A real trained model, copied into a serving base as versions, and an HTTP client for the REST API. */
final class ServerFixture {
  private static TrainedModelFixture trained;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ServerFixture() {}

  /**
   * The fixture model, trained once per JVM into a folder of its own (not a test's {@code @TempDir},
   * which goes with its test class), deleted when the JVM exits.
   */
  static synchronized TrainedModelFixture model() {
    if (trained == null) {
      try {
        Path dir = Files.createTempDirectory("beamline-serving-fixture-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> dev.beamline.core.Storage.deleteRecursively(dir.toString())));
        trained = TrainedModelFixture.train(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return trained;
  }

  /** Publishes the model as {@code base/name/version} the way the push stage does: copied aside, then renamed. */
  static Path push(Path model, Path base, String name, long version) {
    try {
      Path target = base.resolve(name).resolve(Long.toString(version));
      Path staging = base.resolve(name).resolve(".staging-" + version);
      Files.createDirectories(staging);
      try (Stream<Path> files = Files.walk(model)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Path to = staging.resolve(model.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(to);
          } else {
            Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One eval row as a REST instance: every raw column, nulls as JSON null. */
  static String instance(GenericRecord r) {
    StringBuilder sb = new StringBuilder("{");
    boolean first = true;
    for (org.apache.avro.Schema.Field f : r.getSchema().getFields()) {
      if (f.name().equals("species")) {
        continue;
      }
      Object v = r.get(f.name());
      sb.append(first ? "" : ", ").append('"').append(f.name()).append("\": ");
      first = false;
      if (v == null) {
        sb.append("null");
      } else if (v instanceof CharSequence) {
        sb.append('"').append(v.toString().replace("\"", "\\\"")).append('"');
      } else {
        sb.append(v);
      }
    }
    return sb.append('}').toString();
  }

  static HttpResponse<String> get(int port, String path) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build());
  }

  static HttpResponse<String> post(int port, String path, String body) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
