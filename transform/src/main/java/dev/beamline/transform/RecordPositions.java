package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;

import org.apache.avro.Schema;

/**
 * The positions, in records of one Avro schema, of the raw features that the transforms read; records
 * read from different files may order their fields differently, so positions are looked up by name once
 * per record schema. Immutable: share it, and make a new one when the schema changes.
 */
final class RecordPositions {
  private final Schema schema;
  private final int[] positions;

  private RecordPositions(Schema schema, int[] positions) {
    this.schema = schema;
    this.positions = positions;
  }

  /** The positions of {@code names} in records of {@code schema}. */
  static RecordPositions of(Schema schema, String[] names) {
    int[] pos = new int[names.length];
    for (int i = 0; i < names.length; i++) {
      Schema.Field field = schema.getField(names[i]);
      checkArgument(
          field != null, "example has no field '%s' (its fields: %s)", names[i], schema.getFields());
      pos[i] = field.pos();
    }
    return new RecordPositions(schema, pos);
  }

  /** These positions if they belong to {@code recordSchema} (the same instance), else new ones. */
  RecordPositions forSchema(Schema recordSchema, String[] names) {
    return recordSchema == schema ? this : of(recordSchema, names);
  }

  int[] positions() {
    return positions;
  }
}
