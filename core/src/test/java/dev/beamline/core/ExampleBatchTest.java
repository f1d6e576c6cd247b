package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.jupiter.api.Test;

class ExampleBatchTest {
  private static final Schema SCHEMA =
      ExampleSchema.of(
              List.of(
                  FeatureSpec.of("s", FeatureType.STRING),
                  FeatureSpec.of("x", FeatureType.FLOAT),
                  FeatureSpec.of("n", FeatureType.INT),
                  FeatureSpec.of("b", FeatureType.BOOLEAN)))
          .toAvro();

  private static GenericRecord row(String s, Double x, Long n, Boolean b) {
    GenericData.Record r = new GenericData.Record(SCHEMA);
    r.put("s", s);
    r.put("x", x);
    r.put("n", n);
    r.put("b", b);
    return r;
  }

  @Test
  void coderRoundTripsBatchesWithMissingValues() throws Exception {
    List<GenericRecord> rows = new ArrayList<>();
    rows.add(row("a", 1.5, 3L, true));
    rows.add(row(null, null, null, null));
    rows.add(row("ünïcode", Double.NaN, Long.MIN_VALUE, false));
    ExampleBatch.Coder coder = ExampleBatch.coder(SCHEMA);
    ExampleBatch batch = ExampleBatch.of(rows);
    ExampleBatch decoded = org.apache.beam.sdk.util.CoderUtils.clone(coder, batch);
    assertThat(decoded).isEqualTo(batch);
    CoderProperties.coderDecodeEncodeEqual(coder, batch);
    CoderProperties.coderDecodeEncodeEqual(coder, ExampleBatch.of(List.of()));
    CoderProperties.coderDeterministic(coder, batch, ExampleBatch.of(new ArrayList<>(rows)));
    CoderProperties.coderSerializable(coder);
    assertThat(SerializableUtils.clone(coder)).isEqualTo(coder);
    assertThat(decoded.size()).isEqualTo(3);
    assertThat(decoded.examples().get(2).get("s").toString()).isEqualTo("ünïcode");
  }

  @Test
  void coderRoundTripsTimestampsArraysAndLargeBatchesAndRejectsTruncatedInput() throws Exception {
    // A transformed batch: a timestamp, a float vector and token ids beside scalars.
    Schema schema = org.apache.avro.SchemaBuilder.record("t").fields()
        .name("ts").type(ExampleSchema.of(List.of(FeatureSpec.of("ts", FeatureType.TIMESTAMP))).toAvro().getField("ts").schema()).noDefault()
        .name("v").type().array().items().floatType().noDefault()
        .name("ids").type().nullable().array().items().longType().noDefault()
        .name("x").type().nullable().doubleType().noDefault()
        .endRecord();
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      GenericData.Record r = new GenericData.Record(schema);
      r.put("ts", i % 7 == 0 ? null : 1_600_000_000_000_000L + i);
      r.put("v", List.of((float) i, -0.5f, Float.NaN));
      r.put("ids", i % 3 == 0 ? null : List.of((long) i, -1L));
      r.put("x", i % 5 == 0 ? null : i / 3.0);
      rows.add(r);
    }
    ExampleBatch.Coder coder = ExampleBatch.coder(schema);
    ExampleBatch batch = ExampleBatch.of(rows);
    ExampleBatch decoded = org.apache.beam.sdk.util.CoderUtils.clone(coder, batch);
    assertThat(decoded).isEqualTo(batch);
    assertThat(decoded.examples().get(1).get("ts")).isEqualTo(1_600_000_000_000_001L);
    assertThat(decoded.examples().get(0).get("ts")).isNull();
    CoderProperties.coderDecodeEncodeEqual(coder, batch);
    // Two batches back to back in one stream (a nested context) decode one after the other.
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    coder.encode(batch, out);
    coder.encode(ExampleBatch.of(rows.subList(0, 2)), out);
    java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(out.toByteArray());
    assertThat(coder.decode(in)).isEqualTo(batch);
    assertThat(coder.decode(in).size()).isEqualTo(2);
    assertThat(in.available()).isZero();
    byte[] whole = org.apache.beam.sdk.util.CoderUtils.encodeToByteArray(coder, batch);
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 10);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> coder.decode(new java.io.ByteArrayInputStream(cut)))
        .isInstanceOf(org.apache.beam.sdk.coders.CoderException.class)
        .hasMessageContaining("truncated");
  }
}
