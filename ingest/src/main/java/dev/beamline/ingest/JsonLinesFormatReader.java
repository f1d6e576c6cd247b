package dev.beamline.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Reads JSON lines: one object per line, keys are column names (made feature names by {@link
 * AsciiNames#featureName}), values are scalars (string, number, boolean) or null. A missing key is a
 * missing value; a key outside the schema, a nested object or array, or two keys that give the same
 * feature name reject the row. A line longer than the record limit ({@link CsvFormat#maxRecordBytes()})
 * is rejected without being held in memory.
 */
final class JsonLinesFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;
  // Without FAIL_ON_TRAILING_TOKENS, Jackson reads the first value of a line and ignores the rest, so
  // a line holding two objects would be accepted as the first and the second silently dropped; without
  // STRICT_DUPLICATE_DETECTION, the last of two equal keys would silently win.
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private final int maxLineBytes;

  JsonLinesFormatReader(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  /** A line's text; {@code valid} false when its bytes are not UTF-8 (and U+FFFD stands in for them). */
  private record Text(String text, boolean valid) {
    static Text of(byte[] bytes) {
      try {
        return new Text(
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString(), true);
      } catch (CharacterCodingException e) {
        return new Text(new String(bytes, StandardCharsets.UTF_8), false);
      }
    }
  }

  /**
   * Why the object {@code node} cannot be a row, with the field at fault, or null when it can: a nested
   * value, or two keys with one feature name.
   */
  private static String[] problem(JsonNode node) {
    Map<String, String> keys = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = AsciiNames.featureName(e.getKey());
      JsonNode v = e.getValue();
      if (v.isContainerNode()) {
        return new String[] {
          name,
          "the value of key '" + e.getKey() + "' is a JSON " + (v.isObject() ? "object" : "array")
              + "; values must be scalars (string, number, boolean) or null"
        };
      }
      String before = keys.putIfAbsent(name, e.getKey());
      if (before != null) {
        return new String[] {name, "keys '" + before + "' and '" + e.getKey() + "' would both be feature '" + name + "'"};
      }
    }
    return null;
  }

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    Map<String, TypeGuess> guesses = new LinkedHashMap<>();
    long rows = 0;
    outer:
    for (InputFiles.InputFile file : files) {
      try (LineReader in = new LineReader(open(file.path()), maxLineBytes)) {
        for (LineReader.Line l = in.next(); l != null; l = in.next()) {
          if (l.truncated()) {
            continue; // Rejected when read.
          }
          Text t = Text.of(l.bytes());
          if (t.text().isBlank()) {
            continue;
          }
          if (maxRows > 0 && rows >= maxRows) {
            break outer;
          }
          rows++;
          if (!t.valid()) {
            continue;
          }
          JsonNode node;
          try {
            node = JSON.readTree(t.text());
          } catch (JsonProcessingException e) {
            continue; // Rejected when read.
          }
          if (node == null || !node.isObject() || problem(node) != null) {
            continue;
          }
          for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TypeGuess g = guesses.computeIfAbsent(AsciiNames.featureName(e.getKey()), k -> new TypeGuess());
            JsonNode v = e.getValue();
            if (!v.isNull()) {
              g.accept(typeOf(v));
            }
          }
        }
      }
    }
    if (guesses.isEmpty()) {
      throw new DataCheckException(
          "no JSON object with any key found in " + (files.size() == 1 ? files.get(0).path() : files.size() + " files"));
    }
    List<FeatureSpec> features = new ArrayList<>();
    guesses.forEach((name, g) -> features.add(FeatureSpec.of(name, g.result())));
    return ExampleSchema.of(features);
  }

  private static FeatureType typeOf(JsonNode v) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return FeatureType.INT;
    }
    if (v.isNumber()) {
      return FeatureType.FLOAT;
    }
    if (v.isBoolean()) {
      return FeatureType.BOOLEAN;
    }
    return FeatureType.STRING;
  }

  @Override
  public List<String> checkFile(InputFiles.InputFile file, ExampleSchema declared) {
    // JSON lines carry no header: the keys are found by reading the rows (inference).
    return null;
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    try (LineReader in = new LineReader(open(path), maxLineBytes)) {
      for (LineReader.Line l = in.next(); l != null; l = in.next()) {
        long lineNumber = l.number();
        Text t = Text.of(l.bytes());
        byte[] original = t.valid() ? null : l.bytes();
        if (l.truncated()) {
          sink.reject(
              new RejectedRow(
                  path, lineNumber, null,
                  "line " + lineNumber + " is longer than ingest.csv.max_record_bytes (" + maxLineBytes
                      + " bytes): skipped; content holds its first " + l.bytes().length + " bytes",
                  t.text(), 1, original));
          continue;
        }
        String line = t.text();
        if (line.isBlank()) {
          continue;
        }
        if (!t.valid()) {
          sink.reject(new RejectedRow(path, lineNumber, null, "invalid UTF-8 byte sequence", line, 1, original));
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          sink.reject(new RejectedRow(path, lineNumber, null, "not valid JSON: " + e.getOriginalMessage(), line));
          continue;
        }
        if (node == null || !node.isObject()) {
          sink.reject(new RejectedRow(path, lineNumber, null, "not a JSON object", line));
          continue;
        }
        String[] problem = problem(node);
        if (problem != null) {
          sink.reject(new RejectedRow(path, lineNumber, problem[0], problem[1], line));
          continue;
        }
        GenericData.Record example = new GenericData.Record(avroSchema);
        RejectedRow rejected = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext() && rejected == null; ) {
          Map.Entry<String, JsonNode> e = it.next();
          String name = AsciiNames.featureName(e.getKey());
          int index = schema.indexOf(name);
          if (index < 0) {
            rejected = new RejectedRow(path, lineNumber, name, "field is not in the schema", line);
            continue;
          }
          FeatureType type = schema.feature(index).type();
          try {
            example.put(index, convert(e.getValue(), type));
          } catch (ValueParser.BadValueException ex) {
            rejected =
                new RejectedRow(path, lineNumber, name, ex.getMessage() + " (expected " + type.configName() + ")", line);
          }
        }
        if (rejected != null) {
          sink.reject(rejected);
        } else {
          sink.accept(example, lineNumber);
        }
      }
    }
  }

  private static Object convert(JsonNode v, FeatureType type) throws ValueParser.BadValueException {
    if (v.isNull()) {
      return null;
    }
    switch (type) {
      case STRING:
        return v.isTextual() ? v.textValue() : v.toString();
      case INT:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return v.longValue();
        }
        throw new ValueParser.BadValueException(v + " is not an integer");
      case FLOAT:
        if (v.isNumber()) {
          return v.doubleValue();
        }
        if (v.isTextual()) {
          return ValueParser.parse(v.textValue(), type);
        }
        throw new ValueParser.BadValueException(v + " is not a number");
      case BOOLEAN:
        if (v.isBoolean()) {
          return v.booleanValue();
        }
        throw new ValueParser.BadValueException(v + " is not a boolean");
      case TIMESTAMP:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return v.longValue();
        }
        if (v.isTextual()) {
          return ValueParser.parse(v.textValue(), type);
        }
        throw new ValueParser.BadValueException(v + " is not a timestamp");
      default:
        throw new AssertionError(type);
    }
  }
}
