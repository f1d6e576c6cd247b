package dev.beamline.evaluation.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the report reads {@code metrics.json} and {@code blessing.json}: every accessor takes any node, null
 * included, and answers "absent" (null, NaN, an empty list) for a part that is missing, null or of another type
 * than expected, so that a section can be left out instead of the page failing. {@link #value} writes a node
 * for a table cell.
 *
 * <pre>{@code
 * JsonNode slice = ...;
 * String name = Json.orDash(Json.text(slice.get("slice")));   // "—" when absent
 * double accuracy = Json.number(slice.path("metrics").get("accuracy"));  // NaN when absent or null
 * for (JsonNode s : Json.elements(metrics.get("slices"))) { ... }      // objects only
 * }</pre>
 */
final class Json {
  /** What a cell shows for a value that is absent. */
  static final String DASH = "—";

  private Json() {}

  /** {@code node} for a table cell, escaped: numbers formatted, text as is, a dash when missing. */
  static String value(JsonNode node) {
    if (isMissing(node)) {
      return DASH;
    }
    if (node.isNumber()) {
      return Format.number(node.asDouble());
    }
    if (node.isValueNode()) {
      return Format.html(node.asText());
    }
    return Format.html(node.toString());
  }

  /** {@code node} as a number: JSON numbers and the strings "NaN", "Infinity", "-Infinity"; NaN for anything else. */
  static double number(JsonNode node) {
    if (node == null) {
      return Double.NaN;
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isTextual()) {
      return switch (node.asText()) {
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> Double.NaN;
      };
    }
    return Double.NaN;
  }

  /** Whether {@code node} is a JSON number (not a string "NaN", not null). */
  static boolean isNumber(JsonNode node) {
    return node != null && node.isNumber();
  }

  /** Whether {@code node} is absent or JSON null. */
  static boolean isMissing(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode();
  }

  /** A value node's text; null for a missing, null or container node. */
  static String text(JsonNode node) {
    return node != null && node.isValueNode() && !node.isNull() ? node.asText() : null;
  }

  /** {@code node} when it is an object; null otherwise. */
  static JsonNode object(JsonNode node) {
    return node != null && node.isObject() ? node : null;
  }

  /** The objects of array {@code node}, skipping any other element; none when it is no array. */
  static Iterable<JsonNode> elements(JsonNode node) {
    List<JsonNode> list = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(n -> {
        if (n.isObject()) {
          list.add(n);
        }
      });
    }
    return list;
  }

  /** The fields of object {@code node} in their order; none when it is no object. */
  static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> list = new ArrayList<>();
    if (node != null && node.isObject()) {
      node.fields().forEachRemaining(list::add);
    }
    return list;
  }

  /** The texts of array {@code node}, skipping containers and nulls; none when it is no array. */
  static List<String> strings(JsonNode node) {
    List<String> list = new ArrayList<>();
    if (node != null && node.isArray()) {
      node.forEach(n -> {
        if (text(n) != null) {
          list.add(text(n));
        }
      });
    }
    return list;
  }

  /** {@code s}, or {@link #DASH} when it is null. */
  static String orDash(String s) {
    return s == null ? DASH : s;
  }
}
