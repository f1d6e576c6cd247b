package dev.beamline.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;

/**
 * A row that ingestion rejected, as written to the dead-letter file: the file, the line (for text
 * formats; the 1-based record number for Avro and Parquet), the field at fault if one is, the reason,
 * and the row's content.
 *
 * <pre>{@code
 * new RejectedRow("data.csv", 12, "body_mass_g", "'abc' is not a number", "Adelie,...,abc,MALE").toJson();
 * }</pre>
 */
public record RejectedRow(String file, long line, String field, String reason, String content)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One line of JSON with the keys {@code file, line, field, reason, content}. */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("file", file);
    n.put("line", line);
    if (field == null) {
      n.putNull("field");
    } else {
      n.put("field", field);
    }
    n.put("reason", reason);
    n.put("content", content);
    return n.toString();
  }

  /** The row written as {@code json} by {@link #toJson()}. */
  public static RejectedRow fromJson(String json) throws java.io.IOException {
    com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
    return new RejectedRow(
        n.get("file").asText(),
        n.get("line").asLong(),
        n.get("field").isNull() ? null : n.get("field").asText(),
        n.get("reason").asText(),
        n.get("content").asText());
  }

  /** A one-line description for people: {@code data.csv line 12, field body_mass_g: 'abc' is not a number}. */
  public String describe() {
    return file + " line " + line + (field == null ? "" : ", field " + field) + ": " + reason;
  }
}
