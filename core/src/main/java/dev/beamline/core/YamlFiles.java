package dev.beamline.core;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict reading of Beamline's YAML files (pipelines, schemas): an unknown or misspelled key, a
 * duplicate key, or a value of the wrong type is a {@link ConfigException} that names the file, the
 * line and the key, with the closest known key for a likely misspelling.
 *
 * <pre>{@code
 * YamlFiles.Parsed<MyDoc> doc = YamlFiles.read(text, "pipeline.yaml", MyDoc.class);
 * throw new ConfigException(doc.at("ingest.format") + "bad value ...");
 * }</pre>
 */
public final class YamlFiles {
  /** The mapper behind {@link #read}: strict about keys, duplicates, nulls for primitives and floats as ints. */
  public static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private YamlFiles() {}

  /** A parsed document with the line of each of its keys, to name in later messages. */
  public record Parsed<T>(T value, String source, Map<String, Integer> lines) {
    /**
     * {@code "<source> line <n>: "} for the dotted {@code key} (or its nearest enclosing key that has a
     * line), or {@code "<source>: "}. A key of the file may hold dots itself ({@code
     * tune.search_space.features.month} names the key {@code features.month} of {@code search_space}).
     */
    public String at(String key) {
      String[] parts = key.split("\\.", -1);
      Integer line = null;
      for (int n = parts.length; line == null && n > 0; n--) {
        line = lineOf(parts, n);
      }
      return source + (line == null ? ": " : " line " + line + ": ");
    }

    /** The line of the key of the first {@code n} parts, each dot between them a level first, then part of a key. */
    private Integer lineOf(String[] parts, int n) {
      // Every way of reading the n - 1 dots, all levels first; a long key is read as levels only.
      int ways = n - 1 <= 10 ? 1 << (n - 1) : 1;
      for (int dots = 0; dots < ways; dots++) {
        StringBuilder pointer = new StringBuilder("/").append(parts[0]);
        for (int i = 1; i < n; i++) {
          pointer.append((dots & (1 << (i - 1))) == 0 ? '/' : '.').append(parts[i]);
        }
        Integer line = lines.get(pointer.toString());
        if (line != null) {
          return line;
        }
      }
      return null;
    }
  }

  /**
   * Reads the YAML {@code text} into {@code type}; {@code source} names it in messages.
   *
   * @throws ConfigException for a syntax error, an unknown key, a value of the wrong type, or an empty file
   */
  public static <T> Parsed<T> read(String text, String source, Class<T> type) {
    Map<String, Integer> lines = lineIndex(text);
    T value;
    try {
      value = YAML.readValue(text, type);
    } catch (JsonProcessingException e) {
      throw describe(e, source, "", lines);
    }
    if (value == null) {
      throw new ConfigException(source + ": the file is empty");
    }
    return new Parsed<>(value, source, lines);
  }

  /**
   * Binds the part {@code node} of a parsed file, found under the dotted key {@code prefix} (e.g. {@code
   * ingest}), to {@code type}, with the same strictness and messages as {@link #read}.
   *
   * @param lines the file's key index ({@link #lineIndex}), to name lines
   */
  public static <T> T bind(JsonNode node, Class<T> type, String source, String prefix, Map<String, Integer> lines) {
    try {
      return YAML.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw describe(e, source, prefix, lines);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source + ": bad value under '" + prefix + "': " + e.getMessage());
    }
  }

  /**
   * Every key of {@code node} (under the dotted key {@code prefix}) that the document type {@code type}
   * does not declare, at any depth, as messages naming file, line and key: so that a file with several
   * misspellings is told all of them at once. Document types declare their keys as public fields;
   * a field of a document type, a list of one or a map to one is followed.
   */
  public static List<String> unknownKeys(JsonNode node, Class<?> type, String source, String prefix, Map<String, Integer> lines) {
    List<String> out = new ArrayList<>();
    collectUnknown(node, type, source, prefix, lines, out);
    return out;
  }

  private static void collectUnknown(JsonNode node, java.lang.reflect.Type type, String source, String prefix, Map<String, Integer> lines, List<String> out) {
    if (node == null || node.isNull()) {
      return;
    }
    if (type instanceof java.lang.reflect.ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
      java.lang.reflect.Type[] args = pt.getActualTypeArguments();
      if (Map.class.isAssignableFrom(raw) && node.isObject()) {
        node.fields().forEachRemaining(e -> collectUnknown(e.getValue(), args[1], source, prefix + "." + e.getKey(), lines, out));
      } else if (List.class.isAssignableFrom(raw) && node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          collectUnknown(node.get(i), args[0], source, prefix + "[" + i + "]", lines, out);
        }
      }
      return;
    }
    if (!(type instanceof Class<?> c) || !node.isObject() || !isDocument(c)) {
      return;
    }
    Map<String, java.lang.reflect.Field> fields = new java.util.TreeMap<>();
    for (java.lang.reflect.Field f : c.getFields()) {
      if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        fields.put(f.getName(), f);
      }
    }
    List<String> known = new ArrayList<>(fields.keySet());
    node.fields().forEachRemaining(e -> {
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      java.lang.reflect.Field f = fields.get(e.getKey());
      if (f == null) {
        Integer line = lines.get("/" + key.replace('.', '/'));
        String closest = closest(e.getKey(), known);
        out.add(
            source + (line == null ? ": " : " line " + line + ": ")
                + "unknown key '" + key + "'"
                + (closest == null ? "" : "; did you mean '" + closest + "'?")
                + " (known keys here: " + String.join(", ", known) + ")");
      } else {
        collectUnknown(e.getValue(), f.getGenericType(), source, key, lines, out);
      }
    });
  }

  /** A document type: a class of public fields, not a value type such as String, a number or Object. */
  private static boolean isDocument(Class<?> c) {
    return !c.isPrimitive() && !c.isEnum() && !c.getName().startsWith("java.") && c.getFields().length > 0;
  }

  /** A message naming the file, line and dotted key of a binding or syntax error. */
  private static ConfigException describe(JsonProcessingException ex, String source, String prefix, Map<String, Integer> lines) {
    if (ex instanceof UnrecognizedPropertyException e) {
      List<String> known = new ArrayList<>();
      e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      known.sort(Comparator.naturalOrder());
      String closest = closest(e.getPropertyName(), known);
      return new ConfigException(
          where(source, e, prefix, lines)
              + "unknown key '" + dotted(prefix, e) + "'"
              + (closest == null ? "" : "; did you mean '" + closest + "'?")
              + " (known keys here: " + String.join(", ", known) + ")");
    }
    if (ex instanceof JsonMappingException e) {
      if (e.getCause() instanceof JsonProcessingException cause && !(cause instanceof JsonMappingException)) {
        // A syntax error (such as a duplicate key) found while binding: the parser knows where.
        return new ConfigException(where(source, cause.getLocation()) + "not valid YAML: " + cause.getOriginalMessage());
      }
      return new ConfigException(where(source, e, prefix, lines) + "bad value for '" + dotted(prefix, e) + "': " + e.getOriginalMessage());
    }
    return new ConfigException(where(source, ex.getLocation()) + "not valid YAML: " + ex.getOriginalMessage());
  }

  /** The line of every key in {@code text}, by JSON pointer ({@code /ingest/csv/delimiter}). */
  public static Map<String, Integer> lineIndex(String text) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          lines.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
        }
      }
    } catch (IOException e) {
      // Already parsed once: cannot fail here. Messages fall back to naming the file alone.
    }
    return lines;
  }

  private static String where(String source, JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? source + ": " : source + " line " + location.getLineNr() + ": ";
  }

  /** The line of the key that {@code e} is about, from the key index, else from the parser's location. */
  private static String where(String source, JsonMappingException e, String prefix, Map<String, Integer> lines) {
    Integer line = lines.get("/" + dotted(prefix, e).replace('.', '/'));
    // A tree being bound has no locations of its own: only the key index can name the line.
    return line != null ? source + " line " + line + ": " : prefix.isEmpty() ? where(source, e.getLocation()) : source + ": ";
  }

  private static String dotted(String prefix, JsonMappingException e) {
    StringBuilder s = new StringBuilder(prefix);
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        s.append(s.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        s.append('[').append(r.getIndex()).append(']');
      }
    }
    return s.toString();
  }

  /** The known key nearest to {@code key} by edit distance, if near enough to be a likely misspelling. */
  public static String closest(String key, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  public static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
