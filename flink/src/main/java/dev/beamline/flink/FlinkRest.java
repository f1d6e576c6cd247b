package dev.beamline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The few calls of a Flink JobManager's REST API that Beamline needs: the cluster's slots and
 * TaskManagers, its configuration, its jobs and where each job's tasks ran.
 *
 * <pre>{@code
 * FlinkRest rest = new FlinkRest("localhost:8081");
 * int free = rest.overview().slotsAvailable();
 * }</pre>
 */
public final class FlinkRest {
  /** {@code /overview}: TaskManagers and task slots registered, and the free ones. */
  public record Overview(int taskManagers, int slotsTotal, int slotsAvailable, String flinkVersion) {}

  /** One registered TaskManager: its resource id, its address and its slots. */
  public record TaskManager(String id, String path, int slots, int freeSlots) {}

  /** One job of the cluster, from {@code /jobs/overview}, with how many of its tasks are running. */
  public record Job(String id, String name, String state, long startTime, int runningTasks) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final URI base;
  private final HttpClient http;

  /** A client of the JobManager at {@code master}: {@code host:port} or an {@code http(s)://} URL. */
  public FlinkRest(String master) {
    String m = master.strip();
    this.base = URI.create((m.startsWith("http://") || m.startsWith("https://") ? m : "http://" + m).replaceAll("/+$", ""));
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The JobManager's base URL, e.g. {@code http://localhost:8081}. */
  public URI base() {
    return base;
  }

  public Overview overview() throws IOException {
    JsonNode o = get("/overview");
    return new Overview(
        o.path("taskmanagers").asInt(), o.path("slots-total").asInt(), o.path("slots-available").asInt(), o.path("flink-version").asText());
  }

  public List<TaskManager> taskManagers() throws IOException {
    List<TaskManager> out = new ArrayList<>();
    for (JsonNode t : get("/taskmanagers").path("taskmanagers")) {
      out.add(new TaskManager(t.path("id").asText(), t.path("path").asText(), t.path("slotsNumber").asInt(), t.path("freeSlots").asInt()));
    }
    return out;
  }

  /** The value of {@code key} in the JobManager's configuration, if set. */
  public Optional<String> config(String key) throws IOException {
    for (JsonNode e : get("/jobmanager/config")) {
      if (key.equals(e.path("key").asText())) {
        return Optional.of(e.path("value").asText());
      }
    }
    return Optional.empty();
  }

  public List<Job> jobs() throws IOException {
    List<Job> out = new ArrayList<>();
    for (JsonNode j : get("/jobs/overview").path("jobs")) {
      out.add(new Job(j.path("jid").asText(), j.path("name").asText(), j.path("state").asText(), j.path("start-time").asLong(), j.path("tasks").path("running").asInt()));
    }
    return out;
  }

  /** The most recent job named {@code name}, if the cluster still lists it. */
  public Optional<Job> lastJobNamed(String name) throws IOException {
    return jobs().stream().filter(j -> j.name().equals(name)).max((a, b) -> Long.compare(a.startTime(), b.startTime()));
  }

  /** The ids of the TaskManagers that ran at least one task of job {@code jobId}. */
  public Set<String> taskManagersOf(String jobId) throws IOException {
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
      for (JsonNode t : get("/jobs/" + jobId + "/vertices/" + v.path("id").asText() + "/taskmanagers").path("taskmanagers")) {
        out.add(t.path("taskmanager-id").asText());
      }
    }
    return out;
  }

  private JsonNode get(String path) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + base + path, e);
    }
    if (response.statusCode() != 200) {
      throw new IOException(base + path + " answered HTTP " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body());
  }
}
