package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.testing.ScikitLearn;
import dev.beamline.evaluation.ClassificationMetrics;
import dev.beamline.evaluation.SliceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.CombineFnTester;
import org.hamcrest.BaseMatcher;
import org.hamcrest.Description;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live metrics on a small hand-made joined traffic, without a pipeline: the keys of each row, the
 * counts of each key exactly, and every metric against scikit-learn computed on the rows the test itself
 * selects for each key.
 */
class LiveMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CLASSES = List.of("Adelie", "Chinstrap", "Gentoo");
  private static final long DAY = 86_400L;
  /** 2026-11-30T00:00:00Z. */
  private static final long T0 = 1_795_996_800L;
  private static final ExampleSchema TRAFFIC = TrafficSchema.joined(ExampleSchema.of(withFixed(
      FeatureSpec.of("island", FeatureType.STRING), FeatureSpec.of(TrafficScorer.PROBABILITIES, FeatureType.STRING),
      FeatureSpec.of(TrafficScorer.PREDICTIONS, FeatureType.FLOAT))), FeatureType.STRING);

  @TempDir Path dir;

  private static List<FeatureSpec> withFixed(FeatureSpec... extra) {
    List<FeatureSpec> f = new ArrayList<>(TrafficSchema.FIXED);
    f.addAll(List.of(extra));
    return f;
  }

  /** One row of joined traffic. */
  private static GenericRecord row(String id, long version, String serverLabel, long seconds, String island, String probabilities,
      Double prediction, String label) {
    Schema avro = TRAFFIC.toAvro();
    GenericRecord r = new GenericData.Record(avro);
    r.put("request_id", id);
    r.put("time", seconds * 1_000_000L + 123);
    r.put("model", "penguins");
    r.put("version", version);
    r.put("label", serverLabel);
    r.put("method", "predict");
    r.put("signature", "serving_default");
    r.put("instance", 0L);
    r.put("island", island);
    r.put(TrafficScorer.PROBABILITIES, probabilities);
    r.put(TrafficScorer.PREDICTIONS, prediction);
    r.put(TrafficSchema.FEEDBACK_LABEL, label);
    r.put(TrafficSchema.FEEDBACK_TIME, label == null ? null : seconds * 1_000_000L + 60_000_000L);
    return r;
  }

  private static ServedModel classifier(long version) {
    return new ServedModel(version, "serving/penguins/" + version, "classification", "species", "species", CLASSES, null, "f");
  }

  /** Probabilities in twentieths, summing to 1: three classes. */
  private static String probabilities(Random random) {
    int a = random.nextInt(21);
    int b = random.nextInt(21 - a);
    return "[" + a / 20.0 + "," + b / 20.0 + "," + (20 - a - b) / 20.0 + "]";
  }

  @Test
  void eachKeyCountsItsRowsAndMeasuresTheScoredOnesAsScikitLearnDoes() throws Exception {
    Random random = new Random(7);
    List<GenericRecord> rows = new ArrayList<>();
    String[] islands = {"Biscoe", "Dream", "Torgersen"};
    int n = 0;
    for (long version : new long[] {1, 2}) {
      for (int day = 0; day < 2; day++) {
        for (int i = 0; i < 24; i++) {
          String label = i % 6 == 5 ? null : CLASSES.get((i + day + (int) version) % 3);
          rows.add(row("r" + n++, version, version == 1 ? "stable" : "canary", T0 + day * DAY + i * 3_000L, islands[i % 3],
              probabilities(random), null, label));
        }
      }
    }
    // A label the model does not know, and probabilities that cannot be read: counted, not measured.
    rows.add(row("emperor", 1, "stable", T0 + 100, "Dream", "[0.2,0.3,0.5]", null, "Emperor"));
    rows.add(row("broken", 2, "canary", T0 + DAY + 100, "Dream", "[0.2,0.3]", null, "Adelie"));
    // A version without its model folder: its labelled rows are unscored.
    rows.add(row("lost", 3, null, T0 + 50, "Dream", "[0.2,0.3,0.5]", null, "Adelie"));

    Map<Long, ServedModel> models = Map.of(1L, classifier(1), 2L, classifier(2));
    List<SliceSpec> slices = List.of(SliceSpec.of(SliceSpec.Feature.values("island")));
    TrafficScorer scorer = new TrafficScorer(models, Duration.ofDays(1), slices);
    LiveMetricsFn fn = new LiveMetricsFn();
    // Half the rows into one accumulator and half into another, merged: as bundles are.
    Map<String, WindowTally[]> halves = new TreeMap<>();
    for (int i = 0; i < rows.size(); i++) {
      for (Map.Entry<LiveKey, LiveExample> e : scorer.score(rows.get(i)).entrySet()) {
        WindowTally[] h = halves.computeIfAbsent(e.getKey().encode(), k -> new WindowTally[] {fn.createAccumulator(), fn.createAccumulator()});
        fn.addInput(h[i % 2], e.getValue());
      }
    }
    Map<String, WindowTally> perKey = new TreeMap<>();
    halves.forEach((k, h) -> perKey.put(k, fn.extractOutput(fn.mergeAccumulators(List.of(h[0], h[1])))));
    LiveMetricsDocument.Header header = new LiveMetricsDocument.Header("penguins", "traffic/", DAY, slices, 3, new TreeMap<>(models),
        new TreeMap<>(Map.of(3L, "serving/penguins/3")));
    ObjectNode doc = LiveMetricsDocument.of(header, perKey);

    // Totals: 96 + 3 rows; 80 labelled in the loop (every sixth row is not), + 3; 80 scored.
    JsonNode totals = doc.get("totals");
    assertThat(totals.get("rows").asLong()).isEqualTo(99);
    assertThat(totals.get("labelled").asLong()).isEqualTo(83);
    assertThat(totals.get("unlabelled").asLong()).isEqualTo(16);
    assertThat(totals.get("scored").asLong()).isEqualTo(80);
    assertThat(totals.get("unscored").asLong()).isEqualTo(2);
    assertThat(totals.get("unknown_label").asLong()).isEqualTo(1);
    assertThat(doc.get("versions").get(2).get("found").asBoolean()).isFalse();

    // The series: per version, label, window: overall then the three islands; version 3 has one overall entry (and its slice).
    List<String> keys = new ArrayList<>();
    doc.get("series").forEach(s -> keys.add(s.get("version") + "|" + s.get("server_label").asText("-") + "|" + s.get("window_start").asText()
        + "|" + s.get("slice").asText()));
    assertThat(keys).startsWith("1|stable|2026-11-30T00:00:00Z|overall", "1|stable|2026-11-30T00:00:00Z|island=Biscoe",
        "1|stable|2026-11-30T00:00:00Z|island=Dream", "1|stable|2026-11-30T00:00:00Z|island=Torgersen", "1|stable|2026-12-01T00:00:00Z|overall");
    assertThat(keys).hasSize(2 * 2 * 4 + 2).endsWith("3|-|2026-11-30T00:00:00Z|overall", "3|-|2026-11-30T00:00:00Z|island=Dream");
    JsonNode first = doc.get("series").get(0);
    assertThat(first.get("rows").asLong()).isEqualTo(25);
    assertThat(first.get("labelled").asLong()).isEqualTo(21);
    assertThat(first.get("scored").asLong()).isEqualTo(20);
    assertThat(first.get("unknown_label").asLong()).isEqualTo(1);
    assertThat(first.get("label_coverage").asDouble()).isEqualTo(21.0 / 25);
    assertThat(first.get("reasons").get(0).asText()).isEqualTo("label 'Emperor' is not a class of version 1 (classes: Adelie, Chinstrap, Gentoo)");
    JsonNode lost = doc.get("series").get(keys.size() - 2);
    assertThat(lost.get("unscored").asLong()).isEqualTo(1);
    assertThat(lost.get("metrics").isNull()).isTrue();

    // Every measured entry against scikit-learn, on the rows this test selects for it.
    Map<String, Map<String, Object>> groups = new LinkedHashMap<>();
    for (JsonNode s : doc.get("series")) {
      if (s.get("metrics").isNull()) {
        continue;
      }
      List<Integer> y = new ArrayList<>();
      List<double[]> p = new ArrayList<>();
      for (GenericRecord r : rows) {
        long seconds = Math.floorDiv((Long) r.get("time"), 1_000_000L);
        boolean sameKey = (Long) r.get("version") == s.get("version").asLong()
            && java.time.Instant.ofEpochSecond(seconds - Math.floorMod(seconds, DAY)).toString().equals(s.get("window_start").asText())
            && (s.get("slice").asText().equals("overall") || s.get("slice").asText().equals("island=" + r.get("island")));
        Object label = r.get(TrafficSchema.FEEDBACK_LABEL);
        if (sameKey && label != null && CLASSES.contains(label.toString()) && r.get(TrafficScorer.PROBABILITIES).toString().split(",").length == 3) {
          y.add(CLASSES.indexOf(label.toString()));
          p.add(JSON.readValue(r.get(TrafficScorer.PROBABILITIES).toString(), double[].class));
        }
      }
      assertThat(s.get("scored").asLong()).as(s.toString()).isEqualTo(y.size());
      groups.put(Integer.toString(groups.size()), Map.of("y", y, "p", p));
    }
    Path input = dir.resolve("groups.json");
    Files.writeString(input, JSON.writeValueAsString(groups));
    JsonNode sk = ScikitLearn.run(dir, SCRIPT, input.toString());
    int g = 0;
    for (JsonNode s : doc.get("series")) {
      if (s.get("metrics").isNull()) {
        continue;
      }
      JsonNode expected = sk.get(Integer.toString(g++));
      JsonNode m = s.get("metrics");
      for (String name : List.of("accuracy", "f1_macro", "precision_macro", "recall_weighted", "log_loss", "roc_auc")) {
        if (expected.get(name).isNull()) {
          assertThat(m.get(name).isNull()).as("%s of %s", name, s).isTrue();
        } else {
          assertThat(m.get(name).asDouble()).as("%s of %s", name, s).isCloseTo(expected.get(name).asDouble(), within(1e-9));
        }
      }
      assertThat(m.get("example_count").asLong()).isEqualTo(s.get("scored").asLong());
    }
    assertThat(g).isEqualTo(2 * 2 * 4);
  }

  private static final String SCRIPT = String.join("\n",
      "import json, sys",
      "import numpy as np",
      "from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, log_loss, roc_auc_score",
      "groups = json.load(open(sys.argv[1]))",
      "out = {}",
      "for name, g in groups.items():",
      "    y = np.array(g['y']); p = np.array(g['p'])",
      "    pred = np.argmax(p, axis=1)",
      "    r = {'accuracy': accuracy_score(y, pred),",
      "         'f1_macro': f1_score(y, pred, labels=[0, 1, 2], average='macro', zero_division=0),",
      "         'precision_macro': precision_score(y, pred, labels=[0, 1, 2], average='macro', zero_division=0),",
      "         'recall_weighted': recall_score(y, pred, labels=[0, 1, 2], average='weighted', zero_division=0),",
      "         'log_loss': log_loss(y, p, labels=[0, 1, 2])}",
      "    r['roc_auc'] = roc_auc_score(y, p, multi_class='ovr', labels=[0, 1, 2]) if len(set(y.tolist())) == 3 else None",
      "    out[name] = r",
      "print(json.dumps(out))");

  @Test
  void theCombinerGivesTheSameMetricsMergedInAnyOrder() {
    Random random = new Random(3);
    List<LiveExample> inputs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      double a = random.nextInt(11) / 10.0;
      inputs.add(i % 7 == 0 ? LiveExample.unlabelled()
          : i % 11 == 0 ? LiveExample.unscored("no logged 'output_probabilities'")
          : LiveExample.scored(dev.beamline.evaluation.Prediction.of(i % 2, new double[] {a, 1 - a})));
    }
    WindowTally reference = new WindowTally();
    inputs.forEach(reference::add);
    CombineFnTester.testCombineFn(new LiveMetricsFn(), inputs, new BaseMatcher<WindowTally>() {
      @Override
      public boolean matches(Object o) {
        WindowTally t = (WindowTally) o;
        return t.rows() == reference.rows() && t.labelled() == reference.labelled() && t.scored() == reference.scored()
            && t.unscored() == reference.unscored() && t.reasons().equals(reference.reasons())
            && ((ClassificationMetrics) t.metrics()).equals(reference.metrics());
      }

      @Override
      public void describeTo(Description d) {
        d.appendText("the tally of every input at once");
      }
    });
    assertThat(reference.rows()).isEqualTo(40);
    assertThat(reference.unlabelled()).isEqualTo(6);
    assertThat(reference.unscored()).isEqualTo(3);
  }

  @Test
  void aRegressionModelIsMeasuredOnItsLoggedPredictionAsScikitLearnDoes() throws Exception {
    ServedModel regression = new ServedModel(1, "d", "regression", "body_mass_g", "body_mass_g", List.of(), null, "f");
    TrafficScorer scorer = new TrafficScorer(Map.of(1L, regression), Duration.ofDays(1), List.of());
    double[][] pairs = {{3750, 3700.5}, {3800, 3900}, {3250, 3300}, {4675, 4500}, {3200, 3333.25}};
    WindowTally t = new WindowTally();
    for (int i = 0; i < pairs.length; i++) {
      LiveExample e = scorer.score(row("r" + i, 1, null, T0 + i, "Dream", null, pairs[i][1], Double.toString(pairs[i][0])))
          .get(new LiveKey(1, null, T0, "overall"));
      t.add(e);
    }
    t.add(scorer.score(row("x", 1, null, T0, "Dream", null, 3000.0, "heavy")).get(new LiveKey(1, null, T0, "overall")));
    t.add(scorer.score(row("y", 1, null, T0, "Dream", null, null, "3000")).get(new LiveKey(1, null, T0, "overall")));
    assertThat(t.scored()).isEqualTo(5);
    assertThat(t.unknownLabel()).isEqualTo(1);
    assertThat(t.unscored()).isEqualTo(1);
    assertThat(t.reasons()).containsExactly("label 'heavy' is not a number, and version 1 is a regression model",
        "no logged prediction 'output_predictions'");
    var m = (dev.beamline.evaluation.RegressionMetrics) t.metrics();
    // By hand: residuals 49.5, -100, -50, 175, -133.25.
    double mse = (49.5 * 49.5 + 100 * 100 + 50 * 50 + 175 * 175 + 133.25 * 133.25) / 5;
    assertThat(m.meanSquaredError()).isCloseTo(mse, within(1e-9));
    assertThat(m.meanAbsoluteError()).isCloseTo((49.5 + 100 + 50 + 175 + 133.25) / 5, within(1e-9));
    JsonNode sk = ScikitLearn.run(dir, String.join("\n",
        "import json",
        "from sklearn.metrics import r2_score",
        "print(json.dumps({'r2': r2_score([3750, 3800, 3250, 4675, 3200], [3700.5, 3900, 3300, 4500, 3333.25])}))"));
    assertThat(m.r2()).isCloseTo(sk.get("r2").asDouble(), within(1e-12));
  }

  @Test
  void windowsAreAlignedToTheEpochInUtc() {
    TrafficScorer daily = new TrafficScorer(Map.of(), Duration.ofDays(1), List.of());
    assertThat(daily.windowStart((T0 + DAY - 1) * 1_000_000L)).isEqualTo(T0);
    assertThat(daily.windowStart((T0 + DAY) * 1_000_000L)).isEqualTo(T0 + DAY);
    assertThat(daily.windowStart(-1)).isEqualTo(-DAY);
    TrafficScorer sixHours = new TrafficScorer(Map.of(), Duration.ofHours(6), List.of());
    assertThat(sixHours.windowStart((T0 + 7 * 3600) * 1_000_000L)).isEqualTo(T0 + 6 * 3600);
  }

  @Test
  void probabilitiesMustBeOnePerClassAndProbabilities() {
    assertThat(TrafficScorer.probabilities("[0.5,0.25,0.25]", 3)).containsExactly(0.5, 0.25, 0.25);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrafficScorer.probabilities("[0.5,0.5]", 3))
        .hasMessage("'output_probabilities' must hold one probability per class (3), got [0.5,0.5]");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrafficScorer.probabilities("[0.5,\"NaN\",0.5]", 3))
        .hasMessage("'output_probabilities' holds \"NaN\", not a probability");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TrafficScorer.probabilities("{", 3))
        .hasMessage("'output_probabilities' is not JSON: {");
  }
}
