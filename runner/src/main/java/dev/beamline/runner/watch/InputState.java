package dev.beamline.runner.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a watch sees of a pipeline's inputs at one moment: every file its input patterns match, with its
 * role ({@code input} for ingestion, {@code request_log} and {@code labels} for the feedback loop), size,
 * modification time, and the span and version its path holds. Two states with the same files, sizes
 * and times are the same state: a watch runs the pipeline again only when they differ.
 *
 * <pre>{@code
 * InputState s = new InputState(List.of(new InputState.File("input", "/d/span-1/a.csv", 120, 1700000000000L, 1L, null)));
 * s.fingerprint();   // SHA-256 of the sorted entries
 * }</pre>
 */
public record InputState(List<File> files) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One matched file; {@code span} and {@code version} are null where the pattern has no such placeholder. */
  public record File(String role, String path, long bytes, long modified, Long span, Long version) {
    String key() {
      return role + "\t" + path;
    }
  }

  public InputState {
    List<File> sorted = new ArrayList<>(files);
    sorted.sort(Comparator.comparing(File::role).thenComparing(File::path));
    files = List.copyOf(sorted);
  }

  /** No file at all. */
  public static InputState empty() {
    return new InputState(List.of());
  }

  /** The files of {@code role}. */
  public List<File> files(String role) {
    return files.stream().filter(f -> f.role().equals(role)).toList();
  }

  /** SHA-256 of every entry (role, path, size, modification time), sorted: equal for equal states. */
  public String fingerprint() {
    Hasher h = Hashing.sha256().newHasher();
    for (File f : files) {
      h.putString(f.role() + "\t" + f.path() + "\t" + f.bytes() + "\t" + f.modified() + "\n", StandardCharsets.UTF_8);
    }
    return h.hash().toString();
  }

  /** The state as JSON, as a watch records it: {@code [{"role":..,"path":..,"bytes":..,"modified":..,"span":..,"version":..}]}. */
  public ArrayNode toJson() {
    ArrayNode a = JSON.createArrayNode();
    for (File f : files) {
      ObjectNode o = a.addObject();
      o.put("role", f.role());
      o.put("path", f.path());
      o.put("bytes", f.bytes());
      o.put("modified", f.modified());
      if (f.span() != null) {
        o.put("span", f.span());
      }
      if (f.version() != null) {
        o.put("version", f.version());
      }
    }
    return a;
  }

  /** The state {@link #toJson} wrote. */
  public static InputState fromJson(JsonNode node) {
    List<File> files = new ArrayList<>();
    if (node != null && node.isArray()) {
      for (JsonNode o : node) {
        files.add(
            new File(
                o.path("role").asText(),
                o.path("path").asText(),
                o.path("bytes").asLong(),
                o.path("modified").asLong(),
                o.hasNonNull("span") ? o.get("span").asLong() : null,
                o.hasNonNull("version") ? o.get("version").asLong() : null));
      }
    }
    return new InputState(files);
  }
}
