package dev.beamline.core;

import java.util.Locale;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * The value types a Beamline feature can have, and how each one is stored in Avro and Parquet.
 *
 * <p>Every feature is nullable: a missing value is stored as Avro {@code null}.
 *
 * <pre>{@code
 * FeatureType t = FeatureType.parse("float");   // FLOAT
 * Schema avro = t.avroType();                   // "double"
 * }</pre>
 */
public enum FeatureType {
  /** 64-bit signed integer (Avro {@code long}). */
  INT,
  /** 64-bit floating point (Avro {@code double}). */
  FLOAT,
  /** UTF-8 text (Avro {@code string}). */
  STRING,
  /** {@code true} or {@code false} (Avro {@code boolean}). */
  BOOLEAN,
  /**
   * An instant, parsed from ISO-8601 text and stored as microseconds since the epoch (Avro {@code long}
   * with the {@code timestamp-micros} logical type). Only used when declared: inference keeps timestamps
   * as strings.
   */
  TIMESTAMP;

  /** The name used in configuration files and reports, e.g. {@code "float"}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The non-null Avro type of values of this feature type. */
  public Schema avroType() {
    switch (this) {
      case INT:
        return Schema.create(Schema.Type.LONG);
      case FLOAT:
        return Schema.create(Schema.Type.DOUBLE);
      case STRING:
        return Schema.create(Schema.Type.STRING);
      case BOOLEAN:
        return Schema.create(Schema.Type.BOOLEAN);
      case TIMESTAMP:
        return LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG));
      default:
        throw new AssertionError(this);
    }
  }

  /**
   * Parses a type name as written in configuration ({@code int}, {@code integer}, {@code float},
   * {@code double}, {@code string}, {@code bool}, {@code boolean}, {@code timestamp}).
   *
   * @throws IllegalArgumentException naming the accepted names when {@code name} is none of them
   */
  public static FeatureType parse(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "int":
      case "integer":
      case "long":
        return INT;
      case "float":
      case "double":
        return FLOAT;
      case "string":
      case "str":
        return STRING;
      case "bool":
      case "boolean":
        return BOOLEAN;
      case "timestamp":
        return TIMESTAMP;
      default:
        throw new IllegalArgumentException(
            "unknown feature type '" + name + "'; expected one of int, float, string, boolean, timestamp");
    }
  }

  /**
   * The feature type of a non-null Avro type, or {@code null} when Beamline cannot hold it as a single
   * feature value (records, arrays, maps, bytes).
   */
  public static FeatureType fromAvro(Schema type) {
    switch (type.getType()) {
      case INT:
      case LONG:
        return type.getLogicalType() instanceof LogicalTypes.TimestampMicros
                || type.getLogicalType() instanceof LogicalTypes.TimestampMillis
            ? TIMESTAMP
            : INT;
      case FLOAT:
      case DOUBLE:
        return FLOAT;
      case STRING:
      case ENUM:
        return STRING;
      case BOOLEAN:
        return BOOLEAN;
      default:
        return null;
    }
  }
}
