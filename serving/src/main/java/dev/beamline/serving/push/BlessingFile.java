package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The evaluate stage's {@code blessing.json} as the push stage reads it: whether the model is blessed,
 * the remark on the whole, how many checks passed or were skipped, and the message of every failed
 * value, change and bias check, in the file's order.
 *
 * <pre>{@code
 * BlessingFile b = BlessingFile.read("/runs/penguins/evaluate/14/blessing.json");
 * if (!b.blessed()) throw new DataCheckException(b.refusal());
 * }</pre>
 *
 * @param uri where it was read from
 * @param blessed whether the evaluation blessed the model
 * @param note the remark on the whole (e.g. change thresholds skipped without a baseline), or null
 * @param passed how many checks passed
 * @param skipped how many checks were skipped
 * @param failures the message of each failed check
 */
public record BlessingFile(String uri, boolean blessed, String note, int passed, int skipped, List<String> failures) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public BlessingFile {
    checkNotNull(uri, "uri");
    failures = List.copyOf(failures);
  }

  /**
   * Reads the blessing at {@code uri}.
   *
   * @throws UncheckedIOException when it cannot be read or is not a JSON object with {@code blessed}
   */
  public static BlessingFile read(String uri) {
    return parse(Storage.readString(uri), uri);
  }

  /** Parses {@code json}, the content of {@code uri}. */
  static BlessingFile parse(String json, String uri) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(uri + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.path("blessed").isBoolean()) {
      throw new UncheckedIOException(new IOException(uri + " is not a blessing: it has no boolean 'blessed'"));
    }
    int passed = 0;
    int skipped = 0;
    List<String> failures = new ArrayList<>();
    for (String section : List.of("checks", "bias")) {
      for (JsonNode c : root.path(section)) {
        switch (c.path("status").asText()) {
          case "passed" -> passed++;
          case "skipped" -> skipped++;
          case "failed" -> failures.add(message(c));
          default -> { }
        }
      }
    }
    String note = root.path("note").isTextual() ? root.path("note").asText() : null;
    return new BlessingFile(uri, root.path("blessed").asBoolean(), note, passed, skipped, failures);
  }

  /** A failed check's own message, else one made of its metric, slice or feature and status. */
  private static String message(JsonNode c) {
    if (c.path("message").isTextual() && !c.path("message").asText().isBlank()) {
      return c.path("message").asText();
    }
    String where = c.hasNonNull("slice") ? " on " + c.path("slice").asText() : c.hasNonNull("feature") ? " across " + c.path("feature").asText() : "";
    return c.path("metric").asText("a check") + where + " failed";
  }

  /**
   * Why nothing is pushed, for an unblessed model: {@code model not blessed, nothing pushed: <each failed
   * check's message, joined by "; ">}, or the note when no check failed.
   */
  public String refusal() {
    String why = !failures.isEmpty() ? String.join("; ", failures) : note != null ? note : "the evaluation lists no failed check";
    return "model not blessed, nothing pushed: " + why;
  }

  /** The summary recorded with a pushed model. */
  public ObjectNode summary() {
    ObjectNode o = JSON.createObjectNode();
    o.put("uri", uri);
    o.put("blessed", blessed);
    o.put("note", note);
    o.put("checks_passed", passed);
    o.put("checks_skipped", skipped);
    o.put("checks_failed", failures.size());
    return o;
  }
}
