package dev.beamline.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureNames;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * Reads JSON lines: one object per line, keys are column names (sanitized into feature names), values
 * are scalars or null. A missing key is a missing value; a key outside the schema rejects the row.
 * Nested objects and arrays are kept as JSON text in string features.
 */
final class JsonLinesFormatReader extends FormatReader {
  private static final long serialVersionUID = 1L;
  // Without FAIL_ON_TRAILING_TOKENS, Jackson reads the first value of a line and ignores the rest, so
  // a line holding two objects would be accepted as the first and the second silently dropped.
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @Override
  public ExampleSchema inferSchema(List<InputFiles.InputFile> files, long maxRows) throws IOException {
    Map<String, TypeGuess> guesses = new LinkedHashMap<>();
    long rows = 0;
    outer:
    for (InputFiles.InputFile file : files) {
      try (BufferedReader in = (BufferedReader) utf8Reader(open(file.path()))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          if (maxRows > 0 && rows >= maxRows) {
            break outer;
          }
          rows++;
          JsonNode node;
          try {
            node = JSON.readTree(line);
          } catch (JsonProcessingException e) {
            continue; // Rejected when read.
          }
          if (node == null || !node.isObject()) {
            continue;
          }
          for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TypeGuess g = guesses.computeIfAbsent(FeatureNames.sanitize(e.getKey()), k -> new TypeGuess());
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
  public void checkFile(InputFiles.InputFile file, ExampleSchema schema) {
    // JSON lines carry no header: keys are checked row by row when read.
  }

  @Override
  public void read(String path, ExampleSchema schema, Schema avroSchema, Sink sink) throws IOException {
    try (BufferedReader in = (BufferedReader) utf8Reader(open(path))) {
      long lineNumber = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        if (hasInvalidUtf8(line)) {
          sink.reject(new RejectedRow(path, lineNumber, null, "invalid UTF-8 byte sequence", line));
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
        GenericData.Record example = new GenericData.Record(avroSchema);
        RejectedRow rejected = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext() && rejected == null; ) {
          Map.Entry<String, JsonNode> e = it.next();
          String name = FeatureNames.sanitize(e.getKey());
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
          sink.accept(example);
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
