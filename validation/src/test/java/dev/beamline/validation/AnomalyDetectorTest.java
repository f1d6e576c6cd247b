package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** One test per anomaly type, on statistics computed from small synthetic datasets. */
class AnomalyDetectorTest {
  private static final ExampleSchema EXAMPLES =
      ExampleSchema.of(
          List.of(
              FeatureSpec.of("species", FeatureType.STRING),
              FeatureSpec.of("mass", FeatureType.FLOAT),
              FeatureSpec.of("count", FeatureType.INT)));
  private static final Schema AVRO = EXAMPLES.toAvro();

  /** 300 rows: species cycles over 3 values, mass ~ N(4000, 500) with seed 1, count = i % 7. */
  private static List<GenericRecord> rows(Consumer<GenericData.Record> change) {
    Random random = new Random(1);
    List<GenericRecord> rows = new ArrayList<>();
    String[] species = {"Adelie", "Chinstrap", "Gentoo"};
    for (int i = 0; i < 300; i++) {
      GenericData.Record r = new GenericData.Record(AVRO);
      r.put("species", species[i % 3]);
      r.put("mass", 4000 + 500 * random.nextGaussian());
      r.put("count", (long) (i % 7));
      change.accept(r);
      rows.add(r);
    }
    return rows;
  }

  private static DatasetStatistics stats(ExampleSchema schema, List<GenericRecord> rows) {
    return FeatureStatisticsFn.computeInMemory(schema, "train", rows);
  }

  private static final DatasetStatistics BASE = stats(EXAMPLES, rows(r -> {}));
  private static final DataSchema SCHEMA = InferSchema.from(BASE);

  private static List<Anomaly> detect(DataSchema schema, DatasetStatistics current) {
    return new AnomalyDetector(schema, DriftThresholds.defaults()).detect(StatisticsSet.of(List.of(current)), null, null);
  }

  @Test
  void inferredSchemaFitsItsOwnData() {
    assertThat(SCHEMA.feature("species").orElseThrow().domain()).containsExactly("Adelie", "Chinstrap", "Gentoo");
    assertThat(SCHEMA.feature("mass").orElseThrow().required()).isTrue();
    assertThat(SCHEMA.feature("mass").orElseThrow().nanAllowed()).isFalse();
    assertThat(SCHEMA.feature("count").orElseThrow().type()).isEqualTo(FeatureType.INT);
    assertThat(detect(SCHEMA, BASE)).isEmpty();
  }

  @Test
  void missingFeature() {
    ExampleSchema without = ExampleSchema.of(List.of(EXAMPLES.feature(0), EXAMPLES.feature(2)));
    List<GenericRecord> rows = new ArrayList<>();
    for (GenericRecord r : rows(x -> {})) {
      GenericData.Record s = new GenericData.Record(without.toAvro());
      s.put("species", r.get("species"));
      s.put("count", r.get("count"));
      rows.add(s);
    }
    List<Anomaly> a = detect(SCHEMA, stats(without, rows));
    assertThat(a).extracting(Anomaly::type, Anomaly::feature).containsExactly(org.assertj.core.groups.Tuple.tuple(Anomaly.Type.MISSING_FEATURE, "mass"));
    assertThat(a.get(0).severity()).isEqualTo(Anomaly.Severity.ERROR);
  }

  @Test
  void unexpectedFeature() {
    DataSchema narrower = DataSchema.of(List.of(SCHEMA.features().get(0), SCHEMA.features().get(1)));
    assertThat(detect(narrower, BASE)).extracting(Anomaly::type, Anomaly::feature)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(Anomaly.Type.UNEXPECTED_FEATURE, "count"));
  }

  @Test
  void wrongType() {
    DataSchema s = SCHEMA.with(SchemaFeature.of("count", FeatureType.STRING));
    List<Anomaly> a = detect(s, BASE);
    assertThat(a).extracting(Anomaly::type).containsExactly(Anomaly.Type.WRONG_TYPE);
    assertThat(a.get(0).description()).isEqualTo("the data has type int, the schema string");
    // Integers satisfy a float schema.
    assertThat(detect(SCHEMA.with(SchemaFeature.of("count", FeatureType.FLOAT)), BASE)).isEmpty();
  }

  @Test
  void lowPresence() {
    int[] i = {0};
    DatasetStatistics holes = stats(EXAMPLES, rows(r -> {
      if (i[0]++ % 10 == 0) {
        r.put("mass", null);
      }
    }));
    List<Anomaly> a = detect(SCHEMA, holes);
    assertThat(a).extracting(Anomaly::type).containsExactly(Anomaly.Type.LOW_PRESENCE);
    assertThat(a.get(0).description()).isEqualTo("present in 90.0% of examples (30 missing), below the required 100.0%");
  }

  @Test
  void outOfDomain() {
    int[] i = {0};
    DatasetStatistics emperor = stats(EXAMPLES, rows(r -> {
      if (i[0]++ % 30 == 0) {
        r.put("species", "Emperor");
      }
    }));
    List<Anomaly> a = detect(SCHEMA, emperor);
    assertThat(a).extracting(Anomaly::type).containsExactly(Anomaly.Type.OUT_OF_DOMAIN);
    assertThat(a.get(0).description()).isEqualTo("3.3% of values (10 of 300) are outside the domain of 3 values");
    assertThat(a.get(0).examples()).containsExactly("Emperor");
  }

  @Test
  void outOfRange() {
    DataSchema ranged = SCHEMA.with(SCHEMA.feature("count").orElseThrow().withRange(0.0, 5.0));
    List<Anomaly> a = detect(ranged, BASE);
    assertThat(a).extracting(Anomaly::type).containsExactly(Anomaly.Type.OUT_OF_RANGE);
    assertThat(a.get(0).examples()).containsExactly("max 6.0");
  }

  @Test
  void nanNotAllowed() {
    int[] i = {0};
    DatasetStatistics nans = stats(EXAMPLES, rows(r -> {
      if (i[0]++ == 5) {
        r.put("mass", Double.NaN);
      }
    }));
    List<Anomaly> a = detect(SCHEMA, nans);
    assertThat(a).extracting(Anomaly::type).containsExactly(Anomaly.Type.NAN_NOT_ALLOWED);
    assertThat(a.get(0).description()).startsWith("1 values are NaN");
    assertThat(detect(SCHEMA.with(SCHEMA.feature("mass").orElseThrow().withNanAllowed(true)), nans)).isEmpty();
  }

  @Test
  void tooManyAndTooFewDistinct() {
    SchemaFeature species = SCHEMA.feature("species").orElseThrow();
    assertThat(detect(SCHEMA.with(species.withDistinct(null, 2L)), BASE)).extracting(Anomaly::type)
        .containsExactly(Anomaly.Type.TOO_MANY_DISTINCT);
    assertThat(detect(SCHEMA.with(species.withDistinct(4L, null)), BASE)).extracting(Anomaly::type)
        .containsExactly(Anomaly.Type.TOO_FEW_DISTINCT);
  }

  @Test
  void emptySplit() {
    DatasetStatistics empty = stats(EXAMPLES, List.of());
    assertThat(detect(SCHEMA, empty)).extracting(Anomaly::type).containsExactly(Anomaly.Type.EMPTY_SPLIT);
  }

  @Test
  void driftOfANumericShiftAndOfACategoryMix() {
    DatasetStatistics shifted = stats(EXAMPLES, rows(r -> r.put("mass", (Double) r.get("mass") + 1000)));
    int[] i = {0};
    DatasetStatistics mixed = stats(EXAMPLES, rows(r -> r.put("species", i[0]++ % 2 == 0 ? "Adelie" : "Gentoo")));
    AnomalyDetector d = new AnomalyDetector(SCHEMA, DriftThresholds.defaults());
    StatisticsSet previous = StatisticsSet.of(List.of(BASE));
    List<Anomaly> shift = d.detect(StatisticsSet.of(List.of(shifted)), previous, null);
    assertThat(shift).extracting(Anomaly::type, Anomaly::feature).containsExactly(org.assertj.core.groups.Tuple.tuple(Anomaly.Type.DRIFT, "mass"));
    assertThat(shift.get(0).description()).startsWith("drift from the previous span: Jensen-Shannon divergence");
    List<Anomaly> mix = d.detect(StatisticsSet.of(List.of(mixed)), previous, null);
    // Adelie goes from 1/3 to 1/2 of the values: L-infinity 1/3 (Chinstrap disappears) > 0.1.
    assertThat(mix).extracting(Anomaly::type, Anomaly::feature).containsExactly(org.assertj.core.groups.Tuple.tuple(Anomaly.Type.DRIFT, "species"));
    assertThat(mix.get(0).description()).contains("L-infinity distance 0.3333");
    // No drift against itself; a per-feature threshold overrides the default.
    assertThat(d.detect(StatisticsSet.of(List.of(BASE)), previous, null)).isEmpty();
    DataSchema tolerant = SCHEMA.with(SCHEMA.feature("mass").orElseThrow().withDriftThreshold(1.0));
    assertThat(new AnomalyDetector(tolerant, DriftThresholds.defaults()).detect(StatisticsSet.of(List.of(shifted)), previous, null)).isEmpty();
  }

  @Test
  void driftAtWarningSeverityIsReportedWithoutBeingAnError() {
    int[] i = {0};
    DatasetStatistics mixed = stats(EXAMPLES, rows(r -> r.put("species", i[0]++ % 2 == 0 ? "Adelie" : "Gentoo")));
    StatisticsSet previous = StatisticsSet.of(List.of(BASE));
    AnomalyDetector warn = new AnomalyDetector(SCHEMA, DriftThresholds.defaults().withDriftSeverity(Anomaly.Severity.WARNING));
    List<Anomaly> mix = warn.detect(StatisticsSet.of(List.of(mixed)), previous, StatisticsSet.of(List.of(BASE)));
    assertThat(mix).extracting(Anomaly::type, Anomaly::severity, Anomaly::feature).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(Anomaly.Type.DRIFT, Anomaly.Severity.WARNING, "species"),
        // Skew keeps its own severity.
        org.assertj.core.groups.Tuple.tuple(Anomaly.Type.SKEW, Anomaly.Severity.ERROR, "species"));
    assertThat(mix.get(0).description()).contains("L-infinity distance 0.3333");
  }

  @Test
  void skewAgainstAnotherDataset() {
    DatasetStatistics serving = stats(EXAMPLES, rows(r -> r.put("mass", (Double) r.get("mass") * 2)));
    List<Anomaly> a = new AnomalyDetector(SCHEMA, DriftThresholds.defaults())
        .detect(StatisticsSet.of(List.of(BASE)), null, StatisticsSet.of(List.of(serving)));
    assertThat(a).extracting(Anomaly::type, Anomaly::feature).containsExactly(org.assertj.core.groups.Tuple.tuple(Anomaly.Type.SKEW, "mass"));
    assertThat(a.get(0).description()).startsWith("skew from the baseline");
  }
}
