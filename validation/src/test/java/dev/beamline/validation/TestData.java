package dev.beamline.validation;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Schemas, records and batches for the statistics tests. */
final class TestData {
  private TestData() {}

  static ExampleSchema schema(Object... nameTypePairs) {
    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      features.add(FeatureSpec.of((String) nameTypePairs[i], (FeatureType) nameTypePairs[i + 1]));
    }
    return ExampleSchema.of(features);
  }

  /** A record of {@code schema} holding {@code values} in feature order. */
  static GenericRecord record(ExampleSchema schema, Object... values) {
    Schema avro = avroOf(schema);
    GenericData.Record r = new GenericData.Record(avro);
    for (int i = 0; i < values.length; i++) {
      r.put(i, values[i]);
    }
    return r;
  }

  /** Records of a one-feature schema, one per value. */
  static List<GenericRecord> records(ExampleSchema schema, List<?> values) {
    Schema avro = avroOf(schema);
    List<GenericRecord> out = new ArrayList<>(values.size());
    for (Object v : values) {
      GenericData.Record r = new GenericData.Record(avro);
      r.put(0, v);
      out.add(r);
    }
    return out;
  }

  static List<ExampleBatch> batches(List<GenericRecord> records, int size) {
    List<ExampleBatch> out = new ArrayList<>();
    for (int i = 0; i < records.size(); i += size) {
      out.add(ExampleBatch.of(new ArrayList<>(records.subList(i, Math.min(records.size(), i + size)))));
    }
    return out;
  }

  private static final Map<ExampleSchema, Schema> AVRO = new ConcurrentHashMap<>();

  /** One Avro schema object per example schema, as a reader would share it between records. */
  static Schema avroOf(ExampleSchema schema) {
    return AVRO.computeIfAbsent(schema, ExampleSchema::toAvro);
  }
}
