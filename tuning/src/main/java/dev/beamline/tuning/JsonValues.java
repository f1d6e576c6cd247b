package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The YAML forms of a {@link Parameter} and the plain Java form of JSON values. */
final class JsonValues {
  static final List<String> KINDS = List.of("choice", "int", "float");
  static final List<String> KEYS = List.of("choice", "float", "int", "log");
  static final String FORMS = "a parameter is {choice: [a, b, ...]}, {int: [min, max]} or {float: [min, max]}, with log: true for a log scale";
  static final ObjectMapper JSON = new ObjectMapper();

  private JsonValues() {}

  static double clamp(double u) {
    return Double.isNaN(u) ? 0 : Math.max(0, Math.min(1, u));
  }

  static boolean isWhole(Number n) {
    double d = n.doubleValue();
    return Double.isFinite(d) && d == Math.rint(d);
  }

  static ObjectNode range(String kind, JsonNode min, JsonNode max, boolean log) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    ArrayNode bounds = n.putArray(kind);
    bounds.add(min).add(max);
    n.put("log", log);
    return n;
  }

  /** {@code v} as a plain, immutable JSON value, so that equal JSON values are equal Java values. */
  static Object plain(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Double) {
      return v;
    }
    if (v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger) {
      long l = ((Number) v).longValue();
      checkArgument(!(v instanceof BigInteger b) || b.bitLength() < 64, "choice value %s is too large", v);
      return l == (int) l ? (Object) (int) l : (Object) l;
    }
    if (v instanceof Float || v instanceof BigDecimal) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof JsonNode node) {
      return plain(JSON.convertValue(node, Object.class));
    }
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(e -> out.add(plain(e)));
      return Collections.unmodifiableList(out);
    }
    if (v instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, e) -> {
        checkArgument(k instanceof String, "choice values that are maps need text keys, got %s", k);
        out.put((String) k, plain(e));
      });
      return Collections.unmodifiableMap(out);
    }
    throw new IllegalArgumentException("choice values must be JSON values (text, numbers, booleans, null, lists, maps), got " + v.getClass().getName());
  }
}
