package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Base64;

/**
 * A row that ingestion rejected, as written to the dead-letter file: the file, the line (for text
 * formats; the 1-based record number for Avro and Parquet), the field at fault if one is, the reason,
 * and the row's content.
 *
 * <p>Two more facts are written when they apply. {@code rows}: how many input rows the rejection
 * stands for, when that is not one, and as many count against {@code max_rejected_fraction}: the
 * physical lines lost to a CSV record that was never closed or was longer than the limit, the rows of
 * a Parquet row group that could not be read. {@code content_base64}: the row's bytes as they were in
 * the file, when they are not valid UTF-8 (the decoded {@code content} then shows U+FFFD in their
 * place).
 *
 * <pre>{@code
 * new RejectedRow("data.csv", 12, "body_mass_g", "'abc' is not a number", "Adelie,...,abc,MALE").toJson();
 * }</pre>
 *
 * @param content the row as text; null when there is none to show (an unreadable row group)
 * @param rows the input rows this rejection counts as (at least 1)
 * @param bytes the row's original bytes when they are not valid UTF-8, else null
 */
public record RejectedRow(String file, long line, String field, String reason, String content, long rows, byte[] bytes)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public RejectedRow {
    checkArgument(rows >= 1, "a rejected row stands for at least one row, got %s", rows);
  }

  /** A rejection of one row whose content is valid text. */
  public RejectedRow(String file, long line, String field, String reason, String content) {
    this(file, line, field, reason, content, 1, null);
  }

  /** One line of JSON with the keys {@code file, line, field, reason, content}, and {@code rows, content_base64} where they apply. */
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
    if (content == null) {
      n.putNull("content");
    } else {
      n.put("content", content);
    }
    if (bytes != null) {
      n.put("content_base64", Base64.getEncoder().encodeToString(bytes));
    }
    if (rows != 1) {
      n.put("rows", rows);
    }
    return n.toString();
  }

  /** The row written as {@code json} by {@link #toJson()}. */
  public static RejectedRow fromJson(String json) throws java.io.IOException {
    JsonNode n = JSON.readTree(json);
    JsonNode base64 = n.get("content_base64");
    return new RejectedRow(
        n.get("file").asText(),
        n.get("line").asLong(),
        n.get("field").isNull() ? null : n.get("field").asText(),
        n.get("reason").asText(),
        n.get("content").isNull() ? null : n.get("content").asText(),
        n.has("rows") ? n.get("rows").asLong() : 1,
        base64 == null ? null : Base64.getDecoder().decode(base64.asText()));
  }

  /** A one-line description for people: {@code data.csv line 12, field body_mass_g: 'abc' is not a number}. */
  public String describe() {
    return file + " line " + line + (field == null ? "" : ", field " + field) + ": " + reason;
  }

  // A record compares arrays by identity: compare the bytes by value.
  @Override
  public boolean equals(Object o) {
    return o instanceof RejectedRow r
        && line == r.line
        && rows == r.rows
        && java.util.Objects.equals(file, r.file)
        && java.util.Objects.equals(field, r.field)
        && java.util.Objects.equals(reason, r.reason)
        && java.util.Objects.equals(content, r.content)
        && java.util.Arrays.equals(bytes, r.bytes);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(file, line, field, reason, content, rows, java.util.Arrays.hashCode(bytes));
  }

  @Override
  public String toString() {
    return "RejectedRow" + toJson();
  }
}
