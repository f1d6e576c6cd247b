package dev.beamline.transform;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Small schemas, records and batches for the tests. */
final class TestData {
  private TestData() {}

  /** Writes {@code records} of {@code schema} as the Parquet file {@code file}, as ingestion publishes them. */
  static void writeShard(Path file, ExampleSchema schema, List<GenericRecord> records) throws IOException {
    Files.createDirectories(file.getParent());
    try (org.apache.parquet.hadoop.ParquetWriter<GenericRecord> w =
        org.apache.parquet.avro.AvroParquetWriter.<GenericRecord>builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withSchema(schema.toAvro())
            .withConf(new org.apache.hadoop.conf.Configuration(false))
            .build()) {
      for (GenericRecord r : records) {
        w.write(r);
      }
    }
  }

  /** A schema from name, type pairs. */
  static ExampleSchema schema(Object... nameTypePairs) {
    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      features.add(FeatureSpec.of((String) nameTypePairs[i], (FeatureType) nameTypePairs[i + 1]));
    }
    return ExampleSchema.of(features);
  }

  /** A record of {@code schema} with {@code values} in field order. */
  static GenericRecord record(ExampleSchema schema, Object... values) {
    Schema avro = schema.toAvro();
    GenericData.Record r = new GenericData.Record(avro);
    for (int i = 0; i < values.length; i++) {
      r.put(i, values[i]);
    }
    return r;
  }

  /** One record per value, of a one-feature schema. */
  static List<GenericRecord> column(ExampleSchema schema, Object... values) {
    Schema avro = schema.toAvro();
    List<GenericRecord> out = new ArrayList<>();
    for (Object v : values) {
      GenericData.Record r = new GenericData.Record(avro);
      r.put(0, v);
      out.add(r);
    }
    return out;
  }

  /** {@code records} cut into batches of {@code size}. */
  static List<ExampleBatch> batches(List<GenericRecord> records, int size) {
    List<ExampleBatch> out = new ArrayList<>();
    for (int i = 0; i < records.size(); i += size) {
      out.add(ExampleBatch.of(new ArrayList<>(records.subList(i, Math.min(records.size(), i + size)))));
    }
    return out;
  }

  /** The transform of one feature fitted on {@code train}, a one-feature column. */
  static FittedTransform fit(ExampleSchema schema, FeatureTransform f, List<GenericRecord> train) {
    return AnalyzeFn.fitInMemory(schema, TransformSpec.of(List.of(f)), train);
  }

  /** The output of {@code fitted}'s only feature on a raw value. */
  static Object apply(FittedTransform fitted, ExampleSchema schema, Object raw) {
    return fitted.apply(record(schema, raw)).get(0);
  }

  static List<Float> floats(float... values) {
    List<Float> out = new ArrayList<>();
    for (float v : values) {
      out.add(v);
    }
    return out;
  }

  static List<Long> longs(long... values) {
    List<Long> out = new ArrayList<>();
    for (long v : values) {
      out.add(v);
    }
    return out;
  }
}
