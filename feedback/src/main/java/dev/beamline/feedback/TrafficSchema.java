package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The columns of the request log as one table, and of the joined traffic. The model server writes a
 * segment per model version, method and signature, each with its own inputs and outputs (see {@code
 * dev.beamline.serving.log.ParquetRequestLog}); the join reads them all as one table whose columns are
 * every segment's, in the order first seen (segments by path), each nullable. A column whose type
 * differs between segments takes the wider type: int and float make float, any other pair string (the
 * value's text). The joined traffic adds {@value #FEEDBACK_LABEL} (the label, as its column's type in
 * the label files) and {@value #FEEDBACK_TIME} (when it was recorded).
 *
 * <pre>{@code
 * ExampleSchema requests = TrafficSchema.union(segmentSchemas);
 * ExampleSchema traffic = TrafficSchema.joined(requests, FeatureType.STRING);
 * GenericRecord row = TrafficSchema.convert(fileRow, fileSchema, requests, requests.toAvro());
 * }</pre>
 */
public final class TrafficSchema {
  /** The request log's columns that the join and the live metrics read. */
  public static final String REQUEST_ID = "request_id";
  public static final String TIME = "time";
  public static final String MODEL = "model";
  public static final String VERSION = "version";
  /** The server's label the client named ({@code stable}, {@code canary}), null for none. */
  public static final String SERVER_LABEL = "label";
  public static final String INSTANCE = "instance";
  /** The columns every segment of the log has, with their types as ingestion reads them. */
  public static final List<FeatureSpec> FIXED = List.of(
      FeatureSpec.of(REQUEST_ID, FeatureType.STRING), FeatureSpec.of(TIME, FeatureType.TIMESTAMP), FeatureSpec.of(MODEL, FeatureType.STRING),
      FeatureSpec.of(VERSION, FeatureType.INT), FeatureSpec.of(SERVER_LABEL, FeatureType.STRING), FeatureSpec.of("method", FeatureType.STRING),
      FeatureSpec.of("signature", FeatureType.STRING), FeatureSpec.of(INSTANCE, FeatureType.INT));
  /** The label joined to a logged row, null when none was. */
  public static final String FEEDBACK_LABEL = "feedback_label";
  /** When the joined label was recorded, null when none was. */
  public static final String FEEDBACK_TIME = "feedback_time";

  private TrafficSchema() {}

  /**
   * The table of every segment's columns; {@code segments} by path, each with the path it came from.
   *
   * @throws DataCheckException naming the first segment that lacks a column every segment has
   */
  public static ExampleSchema union(Map<String, ExampleSchema> segments) {
    checkArgument(!segments.isEmpty(), "no segment to take columns from");
    Map<String, FeatureType> columns = new LinkedHashMap<>();
    for (Map.Entry<String, ExampleSchema> e : segments.entrySet()) {
      for (FeatureSpec fixed : FIXED) {
        FeatureSpec found = e.getValue().feature(fixed.name()).orElse(null);
        if (found == null || found.type() != fixed.type()) {
          throw new DataCheckException(e.getKey() + ": not a request log segment: column '" + fixed.name() + "' "
              + (found == null ? "is missing" : "is " + found.type().configName() + ", not " + fixed.type().configName()));
        }
      }
      for (FeatureSpec f : e.getValue().features()) {
        columns.merge(f.name(), f.type(), TrafficSchema::widen);
      }
    }
    List<FeatureSpec> features = new ArrayList<>();
    columns.forEach((name, type) -> features.add(FeatureSpec.of(name, type)));
    return ExampleSchema.of(features);
  }

  /** The type that holds values of both {@code a} and {@code b}: itself, float for int and float, else string. */
  public static FeatureType widen(FeatureType a, FeatureType b) {
    if (a == b) {
      return a;
    }
    if ((a == FeatureType.INT || a == FeatureType.FLOAT) && (b == FeatureType.INT || b == FeatureType.FLOAT)) {
      return FeatureType.FLOAT;
    }
    return FeatureType.STRING;
  }

  /**
   * The joined traffic's columns: the request log's, then {@value #FEEDBACK_LABEL} of {@code labelType} and
   * {@value #FEEDBACK_TIME}.
   *
   * @throws DataCheckException when the log has a column of either name already
   */
  public static ExampleSchema joined(ExampleSchema requests, FeatureType labelType) {
    for (String name : List.of(FEEDBACK_LABEL, FEEDBACK_TIME)) {
      if (requests.indexOf(name) >= 0) {
        throw new DataCheckException("the request log has a column '" + name + "', which the joined traffic adds: rename that model input");
      }
    }
    List<FeatureSpec> features = new ArrayList<>(requests.features());
    features.add(FeatureSpec.of(FEEDBACK_LABEL, labelType));
    features.add(FeatureSpec.of(FEEDBACK_TIME, FeatureType.TIMESTAMP));
    return ExampleSchema.of(features);
  }

  /**
   * {@code row}, read with the segment's schema {@code from}, as a record of {@code to} (whose Avro form is
   * {@code toAvro}): every column of {@code from} converted to its type in {@code to}, the others null.
   */
  public static GenericRecord convert(GenericRecord row, ExampleSchema from, ExampleSchema to, Schema toAvro) {
    GenericData.Record out = new GenericData.Record(toAvro);
    for (int i = 0; i < from.size(); i++) {
      FeatureSpec f = from.feature(i);
      int target = to.indexOf(f.name());
      if (target >= 0) {
        out.put(target, convert(row.get(i), f.type(), to.feature(target).type()));
      }
    }
    return out;
  }

  /** {@code value} of type {@code from} as a value of {@code to}, a type {@link #widen} gives for it. */
  static Object convert(Object value, FeatureType from, FeatureType to) {
    if (value == null) {
      return null;
    }
    if (from == to) {
      return value instanceof CharSequence cs ? cs.toString() : value;
    }
    if (to == FeatureType.FLOAT && value instanceof Number n) {
      return n.doubleValue();
    }
    if (to == FeatureType.STRING) {
      return from == FeatureType.TIMESTAMP ? timestampText(((Number) value).longValue()) : value.toString();
    }
    throw new IllegalArgumentException("cannot hold a " + from.configName() + " as " + to.configName());
  }

  /**
   * The text by which a key value is matched between the log and the label files: text as it is, an
   * integral number without a fraction ({@code 7}, also for {@code 7.0}), another number as Java writes a
   * double; null for null.
   */
  public static String keyText(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Long || value instanceof Integer) {
      return Long.toString(((Number) value).longValue());
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
    return value.toString();
  }

  /** A timestamp in microseconds since the epoch as ISO-8601 text. */
  static String timestampText(long micros) {
    return instant(micros).toString();
  }

  /** A timestamp in microseconds since the epoch as an instant. */
  static Instant instant(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
  }
}
