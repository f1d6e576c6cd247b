package dev.beamline.training;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * Writes transformed Parquet shards in the layout of the transform stage ({@code <dir>/<split>/*.parquet},
 * one non-null field per transformed feature) from raw rows through the production {@link
 * FittedTransform#apply}, or from transformed values directly.
 */
final class TransformedData {
  private TransformedData() {}

  static Schema schema(List<FittedFeature> features) {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Transformed").namespace("dev.beamline").fields();
    for (FittedFeature f : features) {
      Schema type = switch (f.kind()) {
        case FLOAT -> Schema.create(Schema.Type.FLOAT);
        case ID -> Schema.create(Schema.Type.LONG);
        case IDS -> Schema.createArray(Schema.create(Schema.Type.LONG));
        case VECTOR -> Schema.createArray(Schema.create(Schema.Type.FLOAT));
      };
      fields = fields.name(f.name()).type(type).noDefault();
    }
    return fields.endRecord();
  }

  /**
   * Transforms each raw row (raw feature name to value: a Number, a String, or null) with the production
   * Java transform, {@link FittedTransform#apply}, as the transform stage does before writing its
   * shards, and writes one shard.
   */
  static void writeRaw(Path dir, String split, String shard, List<FittedFeature> features, List<Map<String, Object>> rawRows) throws IOException {
    write(dir, split, shard, features, transform(features, rawRows));
  }

  /**
   * The transformed rows of raw rows by {@link FittedTransform#apply}: feature name to Float, Long, or
   * a List of them. An INT or TIMESTAMP input is given as a Long, a FLOAT one as a Double, as
   * ingestion stores them.
   */
  static List<Map<String, Object>> transform(List<FittedFeature> features, List<Map<String, Object>> rawRows) {
    Map<String, FeatureSpec> inputs = new LinkedHashMap<>();
    for (FittedFeature f : features) {
      for (FeatureSpec in : f.rawInputs()) {
        inputs.putIfAbsent(in.name(), in);
      }
    }
    ExampleSchema raw = ExampleSchema.of(new ArrayList<>(inputs.values()));
    FittedTransform transform = FittedTransform.of(raw, features);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map<String, Object> values : rawRows) {
      GenericRecord r = new GenericData.Record(raw.toAvro());
      for (FeatureSpec in : inputs.values()) {
        Object v = values.get(in.name());
        if (v instanceof Number x) {
          v = in.type() == FeatureType.INT || in.type() == FeatureType.TIMESTAMP ? (Object) x.longValue() : (Object) x.doubleValue();
        }
        r.put(in.name(), v);
      }
      GenericRecord transformed = transform.apply(r);
      Map<String, Object> t = new LinkedHashMap<>();
      for (FittedFeature f : features) {
        t.put(f.name(), transformed.get(f.name()));
      }
      rows.add(t);
    }
    return rows;
  }

  /** Writes transformed rows (feature name to Float, Long, float[] or long[]) as one shard. */
  static void write(Path dir, String split, String shard, List<FittedFeature> features, List<Map<String, Object>> rows) throws IOException {
    write(dir, split, shard, features, rows, new Configuration(false), ParquetWriter.DEFAULT_BLOCK_SIZE);
  }

  /** As {@link #write}, with a Hadoop configuration (e.g. the list structure) and a row group size in bytes. */
  static void write(Path dir, String split, String shard, List<FittedFeature> features, List<Map<String, Object>> rows,
      Configuration conf, long rowGroupSize) throws IOException {
    Schema schema = schema(features);
    Path file = dir.resolve(split).resolve(shard);
    Files.createDirectories(file.getParent());
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new org.apache.hadoop.fs.Path(file.toUri()))
        .withSchema(schema).withConf(conf).withDataModel(GenericData.get())
        .withRowGroupSize(rowGroupSize).withPageSize(1024).withDictionaryEncoding(true).build()) {
      for (Map<String, Object> row : rows) {
        GenericRecord r = new GenericData.Record(schema);
        for (FittedFeature f : features) {
          Object v = row.get(f.name());
          if (v instanceof float[] a) {
            List<Float> l = new ArrayList<>();
            for (float x : a) {
              l.add(x);
            }
            v = l;
          } else if (v instanceof long[] a) {
            List<Long> l = new ArrayList<>();
            for (long x : a) {
              l.add(x);
            }
            v = l;
          }
          r.put(f.name(), v);
        }
        w.write(r);
      }
    }
  }
}
