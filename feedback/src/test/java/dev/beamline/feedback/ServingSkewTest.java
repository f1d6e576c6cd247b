package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.validation.Anomaly;
import dev.beamline.validation.AnomalyDetector;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.FeatureStatisticsFn;
import dev.beamline.validation.SchemaFeature;
import dev.beamline.validation.StatisticsSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The serving skew on hand-built joined traffic: day 0 is logged exactly as the training data was, day 1
 * shifts (the island's frequencies swapped, every body mass above the training maximum). Distances by
 * hand: L-infinity from the frequencies, Jensen–Shannon 0 for identical quantiles and 1 (bits) for
 * disjoint supports; the anomalies are validation's own.
 */
class ServingSkewTest {
  private static final long DAY = 86_400L;
  /** 2026-11-30T00:00:00Z. */
  private static final long T0 = 1_795_996_800L;
  private static final ExampleSchema TRAINING = ExampleSchema.of(List.of(FeatureSpec.of("island", FeatureType.STRING),
      FeatureSpec.of("body_mass_g", FeatureType.FLOAT), FeatureSpec.of("sex", FeatureType.STRING), FeatureSpec.of("species", FeatureType.STRING)));
  private static final ExampleSchema TRAFFIC = TrafficSchema.joined(ExampleSchema.of(withFixed(
      FeatureSpec.of("island", FeatureType.STRING), FeatureSpec.of("body_mass_g", FeatureType.FLOAT), FeatureSpec.of("order_id", FeatureType.STRING),
      FeatureSpec.of("output_classes", FeatureType.STRING))), FeatureType.STRING);
  /** Training: Biscoe 5, Dream 3, Torgersen 2; masses 3000..3900. */
  private static final List<String> TRAIN_ISLANDS = List.of("Biscoe", "Biscoe", "Biscoe", "Biscoe", "Biscoe", "Dream", "Dream", "Dream",
      "Torgersen", "Torgersen");
  /** Day 1: Biscoe 2, Dream 3, Torgersen 5; versions 1,1,1,1,1 then 2,2,2,2,2. */
  private static final List<String> DAY1_ISLANDS = List.of("Biscoe", "Biscoe", "Dream", "Torgersen", "Torgersen", "Dream", "Dream",
      "Torgersen", "Torgersen", "Torgersen");

  private static List<FeatureSpec> withFixed(FeatureSpec... extra) {
    List<FeatureSpec> f = new ArrayList<>(TrafficSchema.FIXED);
    f.addAll(List.of(extra));
    return f;
  }

  private static DatasetStatistics training() {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GenericRecord r = new GenericData.Record(TRAINING.toAvro());
      r.put("island", TRAIN_ISLANDS.get(i));
      r.put("body_mass_g", 3000.0 + 100 * i);
      r.put("sex", i % 2 == 0 ? "male" : "female");
      r.put("species", "Adelie");
      rows.add(r);
    }
    return FeatureStatisticsFn.computeInMemory(TRAINING, "train", rows);
  }

  private static GenericRecord row(int i, long seconds, long version, String island, double mass) {
    GenericRecord r = new GenericData.Record(TRAFFIC.toAvro());
    r.put("request_id", "r" + i);
    r.put("time", seconds * 1_000_000L + 17);
    r.put("model", "penguins");
    r.put("version", version);
    r.put("label", version == 1 ? "stable" : "canary");
    r.put("method", "predict");
    r.put("signature", "serving_default");
    r.put("instance", 0L);
    r.put("island", island);
    r.put("body_mass_g", mass);
    r.put("order_id", "o" + i);
    r.put("output_classes", "Adelie");
    r.put(TrafficSchema.FEEDBACK_LABEL, i % 3 == 0 ? "Adelie" : null);
    return r;
  }

  /** Day 0 as the training data (version 1); day 1 shifted (versions 1 and 2). */
  static List<GenericRecord> traffic() {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(row(i, T0 + 3600 * i, 1, TRAIN_ISLANDS.get(i), 3000.0 + 100 * i));
    }
    for (int i = 0; i < 10; i++) {
      rows.add(row(10 + i, T0 + DAY + 3600 * i, i < 5 ? 1 : 2, DAY1_ISLANDS.get(i), 5000.0 + 100 * i));
    }
    return rows;
  }

  /** Each key's statistics, as the pipeline computes them (validation's FeatureStatisticsFn over the rows of the key). */
  private static Map<String, ServingSkew.WindowSkew> compare(ServingSkew skew, DriftThresholds thresholds) {
    Map<String, List<GenericRecord>> byKey = new TreeMap<>();
    for (GenericRecord r : traffic()) {
      skew.keys(r).forEach(k -> byKey.computeIfAbsent(k.encode(), x -> new ArrayList<>()).add(r));
    }
    Map<String, ServingSkew.WindowSkew> out = new LinkedHashMap<>();
    byKey.forEach((k, rows) -> {
      DatasetStatistics s = FeatureStatisticsFn.computeInMemory(skew.inputs(), "serving", rows);
      ServingSkew.WindowSkew w = skew.compare(ServingSkew.Key.decode(k), s, training(), thresholds, Set.of("species"));
      out.put(w.name(), w);
    });
    return out;
  }

  private static Map<String, Double> distances(ServingSkew.WindowSkew w) {
    Map<String, Double> m = new LinkedHashMap<>();
    w.compared().forEach(c -> m.put(c.feature(), c.value()));
    return m;
  }

  @Test
  void inputsAreTheLoggedColumnsButFixedOutputsAndFeedback() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), true);
    assertThat(skew.inputs().names()).containsExactly("island", "body_mass_g", "order_id");
  }

  @Test
  void keysAreTheWindowAndTheWindowAndVersionInOrder() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), true);
    GenericRecord r = traffic().get(15);
    assertThat(skew.keys(r)).containsExactly(new ServingSkew.Key(T0 + DAY, null), new ServingSkew.Key(T0 + DAY, 2L));
    assertThat(ServingSkew.Key.decode(new ServingSkew.Key(T0, 7L).encode())).isEqualTo(new ServingSkew.Key(T0, 7L));
    assertThat(new ServingSkew.Key(T0, null).encode()).isLessThan(new ServingSkew.Key(T0, 1L).encode());
    assertThat(new ServingSkew(TRAFFIC, Duration.ofDays(1), false).keys(r)).containsExactly(new ServingSkew.Key(T0 + DAY, null));
    assertThat(skew.windowName(T0)).isEqualTo("2026-11-30");
    assertThat(new ServingSkew(TRAFFIC, Duration.ofHours(6), false).windowName(T0 + 6 * 3600)).isEqualTo("2026-11-30T06:00:00Z");
  }

  @Test
  void theShiftedDayDriftsWithDistancesByHandAndTheSameDayDoesNot() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), true);
    Map<String, ServingSkew.WindowSkew> w = compare(skew, DriftThresholds.defaults());
    assertThat(w).containsOnlyKeys("serving 2026-11-30", "serving 2026-11-30 v1", "serving 2026-12-01", "serving 2026-12-01 v1",
        "serving 2026-12-01 v2");

    ServingSkew.WindowSkew day0 = w.get("serving 2026-11-30");
    assertThat(day0.rows()).isEqualTo(10);
    // The same frequencies and the same quantiles: both distances exactly 0.
    assertThat(distances(day0)).containsExactly(Map.entry("island", 0.0), Map.entry("body_mass_g", 0.0));
    assertThat(day0.anomalies()).isEmpty();
    assertThat(day0.missing()).containsExactly("sex");
    assertThat(day0.uncompared()).isEmpty();

    ServingSkew.WindowSkew day1 = w.get("serving 2026-12-01");
    assertThat(day1.rows()).isEqualTo(10);
    assertThat(day1.compared()).extracting(AnomalyDetector.Comparison::distance)
        .containsExactly(AnomalyDetector.Comparison.L_INFINITY, AnomalyDetector.Comparison.JENSEN_SHANNON);
    // Biscoe 0.5 -> 0.2, Dream 0.3 -> 0.3, Torgersen 0.2 -> 0.5: L-infinity 0.3. Every mass above the
    // training maximum: all of the serving mass in the bin above it, none of the training's: JS = 1 bit.
    assertThat(distances(day1).get("island")).isCloseTo(0.3, within(1e-12));
    assertThat(distances(day1).get("body_mass_g")).isEqualTo(1.0);
    assertThat(day1.drifting()).extracting(AnomalyDetector.Comparison::feature).containsExactly("island", "body_mass_g");
    assertThat(day1.anomalies()).extracting(Anomaly::type).containsOnly(Anomaly.Type.SKEW);
    assertThat(day1.anomalies()).extracting(Anomaly::severity).containsOnly(Anomaly.Severity.ERROR);
    assertThat(day1.anomalies().get(0).describe())
        .isEqualTo("ERROR SKEW island (serving 2026-12-01): skew from the baseline: L-infinity distance 0.3000 > threshold 0.1");
    assertThat(day1.anomalies().get(1).describe()).isEqualTo(
        "ERROR SKEW body_mass_g (serving 2026-12-01): skew from the baseline: Jensen-Shannon divergence 1.0000 > threshold 0.1 (mean 5450, was 3450)");

    // Per version: v1 Biscoe 0.4, Dream 0.2, Torgersen 0.4 (L-inf 0.2); v2 Dream 0.4, Torgersen 0.6 (L-inf 0.5).
    assertThat(distances(w.get("serving 2026-12-01 v1")).get("island")).isCloseTo(0.2, within(1e-12));
    assertThat(distances(w.get("serving 2026-12-01 v2")).get("island")).isCloseTo(0.5, within(1e-12));
    assertThat(w.get("serving 2026-12-01 v2").rows()).isEqualTo(5);
  }

  @Test
  void aHalfShiftIsHalfABitByHand() {
    // Training masses 0..100: deciles 0, 10, ..., 100, ten bins of 0.1 each. Served masses 50..150:
    // deciles 50, ..., 150: none in the first five bins, 0.1 in each of the last five, 0.5 above 100.
    // JS = 5 * (1/2 * 0.1 * log2(0.1 / 0.05)) + 1/2 * 0.5 * log2(0.5 / 0.25) = 0.25 + 0.25 = 0.5 bit.
    ExampleSchema mass = ExampleSchema.of(List.of(FeatureSpec.of("body_mass_g", FeatureType.FLOAT)));
    List<GenericRecord> train = new ArrayList<>();
    List<GenericRecord> served = new ArrayList<>();
    for (int i = 0; i <= 100; i++) {
      GenericRecord t = new GenericData.Record(mass.toAvro());
      t.put("body_mass_g", (double) i);
      train.add(t);
      GenericRecord s = new GenericData.Record(mass.toAvro());
      s.put("body_mass_g", i + 50.0);
      served.add(s);
    }
    DatasetStatistics training = FeatureStatisticsFn.computeInMemory(mass, "train", train);
    assertThat(training.feature("body_mass_g").orElseThrow().numeric().quantiles())
        .containsExactly(0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0);
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), false);
    ServingSkew.WindowSkew w = skew.compare(new ServingSkew.Key(T0, null), FeatureStatisticsFn.computeInMemory(mass, "serving", served),
        training, new DriftThresholds(0.1, 0.49), Set.of());
    assertThat(w.compared()).hasSize(1);
    assertThat(w.compared().get(0).value()).isCloseTo(0.5, within(1e-12));
    assertThat(w.drifting()).hasSize(1);
  }

  @Test
  void theAnomaliesAreValidationsSkewAnomalies() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), false);
    ServingSkew.WindowSkew day1 = compare(skew, DriftThresholds.defaults()).get("serving 2026-12-01");
    List<GenericRecord> rows = traffic().subList(10, 20);
    DatasetStatistics s = FeatureStatisticsFn.computeInMemory(skew.inputs(), "serving 2026-12-01", rows);
    DataSchema schema = DataSchema.of(List.of(SchemaFeature.of("island", FeatureType.STRING), SchemaFeature.of("body_mass_g", FeatureType.FLOAT)));
    List<Anomaly> validation = new AnomalyDetector(schema, DriftThresholds.defaults())
        .detect(StatisticsSet.of(List.of(s)), null, StatisticsSet.of(List.of(training()))).stream()
        .filter(a -> a.type() == Anomaly.Type.SKEW).toList();
    assertThat(day1.anomalies()).isEqualTo(validation);
  }

  @Test
  void thresholdsDecide() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), false);
    // 0.3 is not above 0.3; JS 1 is never above 1.
    ServingSkew.WindowSkew day1 = compare(skew, new DriftThresholds(0.31, 1.0)).get("serving 2026-12-01");
    assertThat(day1.anomalies()).isEmpty();
    assertThat(day1.compared()).extracting(AnomalyDetector.Comparison::threshold).containsExactly(0.31, 1.0);
    ServingSkew.WindowSkew strict = compare(skew, new DriftThresholds(0.29, 1.0)).get("serving 2026-12-01");
    assertThat(strict.drifting()).extracting(AnomalyDetector.Comparison::feature).containsExactly("island");
  }

  @Test
  void aColumnOfAnotherTypeIsNotComparedAndSaysWhy() {
    ExampleSchema traffic = TrafficSchema.joined(ExampleSchema.of(withFixed(FeatureSpec.of("island", FeatureType.STRING),
        FeatureSpec.of("body_mass_g", FeatureType.STRING))), FeatureType.STRING);
    ServingSkew skew = new ServingSkew(traffic, Duration.ofDays(1), false);
    GenericRecord r = new GenericData.Record(skew.inputs().toAvro());
    r.put("island", "Dream");
    r.put("body_mass_g", "heavy");
    DatasetStatistics s = FeatureStatisticsFn.computeInMemory(skew.inputs(), "serving", List.of(r));
    ServingSkew.WindowSkew w = skew.compare(new ServingSkew.Key(T0, null), s, training(), DriftThresholds.defaults(), Set.of("species"));
    assertThat(w.compared()).extracting(AnomalyDetector.Comparison::feature).containsExactly("island");
    assertThat(w.uncompared()).containsExactly(new ServingSkew.Uncompared("body_mass_g", "logged as string, trained as float"));
    assertThat(w.missing()).containsExactly("sex");
  }

  @Test
  void theDocumentTheSummaryAndTheReportNameTheDriftingFeatures() {
    ServingSkew skew = new ServingSkew(TRAFFIC, Duration.ofDays(1), true);
    List<ServingSkew.WindowSkew> windows = new ArrayList<>(compare(skew, DriftThresholds.defaults()).values());
    ServingSkewDocument.Header h = new ServingSkewDocument.Header("penguins", "runs/statistics/3/statistics.json", "train", "1d", 0.1, 0.1,
        List.of("island", "body_mass_g", "sex", "species"), List.of("island", "body_mass_g"), List.of("order_id"), List.of("sex"),
        List.of("species"));
    ObjectNode doc = ServingSkewDocument.of(h, windows, DAY);
    assertThat(doc.get("totals").get("windows").asLong()).isEqualTo(2);
    assertThat(doc.get("totals").get("windows_with_skew").asLong()).isEqualTo(1);
    assertThat(doc.get("totals").get("anomalies").asLong()).isEqualTo(2);
    JsonNode day1 = doc.get("windows").get(2);
    assertThat(day1.get("window_start").asText()).isEqualTo("2026-12-01T00:00:00Z");
    assertThat(day1.get("window_end").asText()).isEqualTo("2026-12-02T00:00:00Z");
    assertThat(day1.get("version").isNull()).isTrue();
    assertThat(day1.get("drifting").toString()).isEqualTo("[\"island\",\"body_mass_g\"]");
    assertThat(day1.get("anomalies").get(1).get("type").asText()).isEqualTo("SKEW");
    assertThat(doc.get("windows").get(4).get("version").asLong()).isEqualTo(2);
    assertThat(ServingSkewDocument.summary(doc)).containsExactly(
        "serving skew: 2 of 2 features drift in 2026-12-01: island (L∞ 0.30 > 0.1), body_mass_g (JS 1.00 > 0.1)",
        "serving skew: 1 of 2 1d window(s) drift from the train statistics (2 logged input(s) compared, 1 column(s) ignored)",
        "training features not in the request log: sex");
    String html = ServingSkewReport.render(doc);
    assertThat(html).contains("<b>Drifting: island, body_mass_g</b>").contains("2026-12-01, version 2").contains("No feature drifts.")
        .contains("training features not in the log: sex").doesNotContain("<script");
  }
}
