package dev.beamline.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;

/** The JSON form of statistics (see {@link StatisticsSet}): one configured mapper for reading and writing. */
final class StatisticsJson {
  // Jackson writes NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (plain JSON has no
  // such numbers) and reads them back as doubles.
  private static final ObjectMapper MAPPER =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
  private static final ObjectWriter COMPACT = MAPPER.writer();

  private StatisticsJson() {}

  static String write(Object value, boolean pretty) {
    try {
      return (pretty ? PRETTY : COMPACT).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write statistics as JSON", e);
    }
  }

  static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(), e);
    }
  }
}
