package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class TrafficSchemaTest {
  private static ExampleSchema segment(FeatureSpec... extra) {
    List<FeatureSpec> f = new ArrayList<>(TrafficSchema.FIXED);
    f.addAll(List.of(extra));
    return ExampleSchema.of(f);
  }

  @Test
  void theUnionHasEveryColumnInTheOrderFirstSeenWidened() {
    Map<String, ExampleSchema> segments = new LinkedHashMap<>();
    segments.put("a.parquet", segment(FeatureSpec.of("bill", FeatureType.INT), FeatureSpec.of("island", FeatureType.STRING),
        FeatureSpec.of("flag", FeatureType.BOOLEAN)));
    segments.put("b.parquet", segment(FeatureSpec.of("bill", FeatureType.FLOAT), FeatureSpec.of("sex", FeatureType.STRING),
        FeatureSpec.of("flag", FeatureType.INT)));
    ExampleSchema u = TrafficSchema.union(segments);
    assertThat(u.names().subList(8, u.size())).containsExactly("bill", "island", "flag", "sex");
    assertThat(u.feature("bill").orElseThrow().type()).isEqualTo(FeatureType.FLOAT);
    assertThat(u.feature("flag").orElseThrow().type()).isEqualTo(FeatureType.STRING);
    assertThat(u.feature("time").orElseThrow().type()).isEqualTo(FeatureType.TIMESTAMP);
  }

  @Test
  void aFileWithoutTheLogsColumnsIsNotASegment() {
    ExampleSchema other = ExampleSchema.of(List.of(FeatureSpec.of("request_id", FeatureType.STRING)));
    assertThatThrownBy(() -> TrafficSchema.union(Map.of("x.parquet", other)))
        .isInstanceOf(DataCheckException.class).hasMessage("x.parquet: not a request log segment: column 'time' is missing");
  }

  @Test
  void rowsAreConvertedToTheUnionAndMissingColumnsAreNull() {
    ExampleSchema from = segment(FeatureSpec.of("bill", FeatureType.INT), FeatureSpec.of("flag", FeatureType.BOOLEAN));
    ExampleSchema to = segment(FeatureSpec.of("bill", FeatureType.FLOAT), FeatureSpec.of("flag", FeatureType.STRING),
        FeatureSpec.of("sex", FeatureType.STRING));
    GenericRecord r = new GenericData.Record(from.toAvro());
    r.put("request_id", new org.apache.avro.util.Utf8("r1"));
    r.put("time", 1_000_000L);
    r.put("version", 3L);
    r.put("instance", 0L);
    r.put("bill", 40L);
    r.put("flag", true);
    GenericRecord out = TrafficSchema.convert(r, from, to, to.toAvro());
    assertThat(out.get("request_id")).isEqualTo("r1");
    assertThat(out.get("bill")).isEqualTo(40.0);
    assertThat(out.get("flag")).isEqualTo("true");
    assertThat(out.get("sex")).isNull();
    assertThat(TrafficSchema.convert(1_500_000L, FeatureType.TIMESTAMP, FeatureType.STRING)).isEqualTo("1970-01-01T00:00:01.500Z");
  }

  @Test
  void theJoinedTrafficAddsTheLabelAndItsTime() {
    ExampleSchema t = TrafficSchema.joined(segment(), FeatureType.STRING);
    assertThat(t.names().subList(8, 10)).containsExactly("feedback_label", "feedback_time");
    assertThat(t.feature("feedback_time").orElseThrow().type()).isEqualTo(FeatureType.TIMESTAMP);
    assertThatThrownBy(() -> TrafficSchema.joined(segment(FeatureSpec.of("feedback_label", FeatureType.INT)), FeatureType.STRING))
        .isInstanceOf(DataCheckException.class).hasMessageContaining("has a column 'feedback_label'");
  }

  @Test
  void keysMatchAcrossTypes() {
    assertThat(TrafficSchema.keyText(7L)).isEqualTo("7");
    assertThat(TrafficSchema.keyText(7.0)).isEqualTo("7");
    assertThat(TrafficSchema.keyText(7.5)).isEqualTo("7.5");
    assertThat(TrafficSchema.keyText(new org.apache.avro.util.Utf8("7"))).isEqualTo("7");
    assertThat(TrafficSchema.keyText(null)).isNull();
  }
}
