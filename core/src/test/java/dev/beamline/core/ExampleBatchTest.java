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
}
