package dev.beamline.runner.subject;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.feedback.TrafficSchema;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * The data subject of a request: a key column and the value that identifies the subject's rows. A cell
 * matches by its text, as the feedback join matches keys ({@link TrafficSchema#keyText}): a number cell
 * matches a value that reads as the same number ({@code 7} matches {@code 7.0}); any other cell matches
 * the value's text exactly ({@code "007"} does not match {@code 7}).
 *
 * <pre>{@code
 * SubjectKey key = SubjectKey.parse("penguin_id=7");
 * boolean mine = key.matches(record.get("penguin_id"));
 * }</pre>
 */
public record SubjectKey(String column, String value) implements Serializable {
  public SubjectKey {
    checkNotNull(column, "column");
    checkNotNull(value, "value");
  }

  /**
   * Parses {@code <column>=<value>}: the column is everything before the first {@code =}, the value
   * everything after it (it may hold {@code =}).
   *
   * @throws ConfigException when there is no {@code =}, or the column or the value is empty
   */
  public static SubjectKey parse(String text) {
    int eq = text == null ? -1 : text.indexOf('=');
    if (eq < 0) {
      throw new ConfigException("the subject must be given as <column>=<value> (e.g. user_id=42), got '" + text + "'");
    }
    String column = text.substring(0, eq).trim();
    String value = text.substring(eq + 1);
    if (column.isEmpty()) {
      throw new ConfigException("the subject's column is empty in '" + text + "': give <column>=<value>");
    }
    if (value.isEmpty()) {
      throw new ConfigException("the subject's value is empty in '" + column + "=': give <column>=<value>");
    }
    return new SubjectKey(column, value);
  }

  /** Whether the cell {@code cell} (as a reader returns it: a number, text, a boolean; null when missing) is the subject's. */
  public boolean matches(Object cell) {
    if (cell == null) {
      return false;
    }
    String text = TrafficSchema.keyText(cell);
    if (text.equals(value)) {
      return true;
    }
    if (cell instanceof Number) {
      Double number = number(value);
      return number != null && text.equals(TrafficSchema.keyText(number));
    }
    return false;
  }

  private static Double number(String s) {
    try {
      double d = Double.parseDouble(s.trim());
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The SHA-256 of the value (hex): what a kept report says of the subject instead of the value itself. */
  public String valueSha256() {
    return Hashing.sha256().hashString(value, StandardCharsets.UTF_8).toString();
  }

  /** Never the value: this record is printed in logs and errors. */
  @Override
  public String toString() {
    return column + "=<sha256:" + valueSha256().substring(0, 12) + "…>";
  }
}
