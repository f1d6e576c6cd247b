package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.training.TrainConfig.LabelDriftAction;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Class weights, resampling rates and reweighting for label drift: the formulas on known counts, the
 * checks against the label's classes, the {@code train:} keys, and the decision on an anomalies file.
 */
class ClassBalanceTest {
  static final FittedFeature SPECIES = Fitted.vocabulary("species", List.of("Adelie", "Gentoo", "Chinstrap", "Emperor"), 0, null,
      FeatureTransform.Encoding.ID, false);
  static final List<FittedFeature> FEATURES = List.of(TrainerTest.X1, TrainerTest.X2, SPECIES);

  private static ModelSpec spec(TrainConfig c) {
    return ModelSpec.resolve(c, FEATURES);
  }

  @Test
  void balancedWeightsAreScikitLearnsFormulaOnTheClassesPresent() {
    // sklearn.utils.class_weight.compute_class_weight("balanced", classes=[0, 1, 2], y=[0]*6 + [1]*3 + [2]):
    // n / (n_classes * bincount(y)) = 10 / (3 * [6, 3, 1]) = [0.5556, 1.1111, 3.3333]; the absent class keeps 1.
    double[] w = ClassBalance.balancedWeights(new long[] {6, 3, 1, 0});
    assertThat(w).containsExactly(10.0 / 18, 10.0 / 9, 10.0 / 3, 1.0);
    // The mean weight of a training example is 1: the loss keeps its scale.
    assertThat(6 * w[0] + 3 * w[1] + 1 * w[2]).isCloseTo(10.0, within(1e-12));
    // Already balanced: every weight 1.
    assertThat(ClassBalance.balancedWeights(new long[] {5, 5})).containsExactly(1.0, 1.0);
  }

  @Test
  void balancedRatesOversampleEveryClassToTheLargest() {
    assertThat(ClassBalance.balancedRates(new long[] {100, 40, 10, 0})).containsExactly(1.0, 2.5, 10.0, 1.0);
  }

  @Test
  void resolvedWeightsAndRatesFollowTheClassNamesOthersOne() {
    TrainConfig c = TrainConfig.defaults("species").withModel(TrainConfig.ModelType.LINEAR)
        .withClassWeights(ClassRates.of(Map.of("Gentoo", 2.0, "Emperor", 0.0)))
        .withResample(ClassRates.BALANCED);
    assertThat(ClassBalance.needsCounts(c)).isTrue();
    ClassBalance b = ClassBalance.resolve(spec(c), new long[] {100, 40, 10, 50});
    assertThat(b.classWeights()).containsExactly(Map.entry("Adelie", 1.0), Map.entry("Gentoo", 2.0), Map.entry("Chinstrap", 1.0),
        Map.entry("Emperor", 0.0));
    assertThat(b.resample()).containsExactly(Map.entry("Adelie", 1.0), Map.entry("Gentoo", 2.5), Map.entry("Chinstrap", 10.0),
        Map.entry("Emperor", 2.0));
    assertThat(b.graphWeights()).containsExactly(1f, 2f, 1f, 0f);
    assertThat(b.expectedRows(200)).isEqualTo(400);
    assertThat(b.describe()).isEqualTo("class weights: Adelie 1.000, Gentoo 2.000, Chinstrap 1.000, Emperor 0.000; "
        + "resampled: Adelie 1.000, Gentoo 2.500, Chinstrap 10.00, Emperor 2.000");
    // Recorded beside the model and read back for the model's properties.
    ClassBalance back = ClassBalance.fromJson(b.withReweightedForLabelDrift(true).toJson());
    assertThat(back.classWeights()).isEqualTo(b.classWeights());
    assertThat(back.resample()).isEqualTo(b.resample());
    assertThat(back.labelCounts()).containsExactly(Map.entry("Adelie", 100L), Map.entry("Gentoo", 40L), Map.entry("Chinstrap", 10L),
        Map.entry("Emperor", 50L));
    assertThat(back.reweightedForLabelDrift()).isTrue();
    // Nothing set: nothing counted, nothing weighted.
    TrainConfig plain = TrainConfig.defaults("species");
    assertThat(ClassBalance.needsCounts(plain)).isFalse();
    ClassBalance none = ClassBalance.resolve(spec(plain), null);
    assertThat(none.any()).isFalse();
    assertThat(none.graphWeights()).isNull();
    assertThat(none.rateArray()).isNull();
    assertThat(none.expectedRows(123)).isEqualTo(123);
  }

  @Test
  void aKeyThatIsNotAClassNameIsAConfigurationErrorNamingTheKnownClasses() {
    TrainConfig c = TrainConfig.defaults("species")
        .withClassWeights(ClassRates.of(Map.of("Emperor", 2.0, "Macaroni", 3.0)))
        .withResample(ClassRates.of(Map.of("adelie", 2.0)));
    assertThatThrownBy(() -> ClassBalance.check(spec(c), true))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.class_weights: 'Macaroni' is not a class of label 'species' (classes: Adelie, Gentoo, Chinstrap, Emperor)\n"
            + "train.resample: 'adelie' is not a class of label 'species' (classes: Adelie, Gentoo, Chinstrap, Emperor)");
    // Before the vocabulary is fitted the names cannot be checked: the trainer checks them.
    ClassBalance.check(spec(c), false);
  }

  @Test
  void aRegressionModelRefusesClassWeightsResamplingAndReweighting() {
    FittedFeature y = Fitted.passThrough("y", 0);
    TrainConfig c = TrainConfig.defaults("y").withClassWeights(ClassRates.BALANCED).withResample(ClassRates.of(Map.of("a", 2.0)))
        .withOnLabelDrift(LabelDriftAction.REWEIGHT);
    ModelSpec s = ModelSpec.resolve(c, List.of(TrainerTest.X1, y));
    for (boolean known : new boolean[] {true, false}) {
      assertThatThrownBy(() -> ClassBalance.check(s, known))
          .isInstanceOf(ConfigException.class)
          .hasMessage("train.class_weights applies to classification; label 'y' is a regression target\n"
              + "train.resample applies to classification; label 'y' is a regression target\n"
              + "train.on_label_drift: reweight applies to classification; label 'y' is a regression target");
    }
  }

  // ---- the train: keys ----------------------------------------------------------------------

  private static TrainConfig bind(String yaml) throws Exception {
    return TrainStageFactory.bind(TrainStageFactoryTest.section(yaml));
  }

  @Test
  void theKeysBindToTheJavaApi() throws Exception {
    assertThat(bind("train:\n  label: y\n  class_weights: balanced\n")).isEqualTo(TrainConfig.defaults("y").withClassWeights(ClassRates.BALANCED));
    assertThat(bind("train:\n  label: y\n  class_weights: {neg: 1, pos: 3.5}\n"))
        .isEqualTo(TrainConfig.defaults("y").withClassWeights(ClassRates.of(Map.of("neg", 1.0, "pos", 3.5))));
    // Class ids of a label without a vocabulary are named by their number.
    assertThat(bind("train:\n  label: y\n  resample: {0: 0.5, 1: 2}\n"))
        .isEqualTo(TrainConfig.defaults("y").withResample(ClassRates.of(Map.of("0", 0.5, "1", 2.0))));
    assertThat(bind("train:\n  label: y\n  resample: Balanced\n  on_label_drift: reweight\n"))
        .isEqualTo(TrainConfig.defaults("y").withResample(ClassRates.BALANCED).withOnLabelDrift(LabelDriftAction.REWEIGHT));
    // Empty: every class 1, as if not set.
    assertThat(bind("train:\n  label: y\n  class_weights: {}\n  on_label_drift: none\n")).isEqualTo(TrainConfig.defaults("y"));
    assertThat(bind("train:\n  label: y\n  class_weights: none\n  resample: None\n")).isEqualTo(TrainConfig.defaults("y"));
  }

  @Test
  void theCanonicalFormOfTheKeysBindsBackToAnEqualConfiguration() throws Exception {
    Map<String, Double> unordered = new LinkedHashMap<>();
    unordered.put("zeta", 0.25);
    unordered.put("alpha", 4.0);
    for (TrainConfig c : List.of(
        TrainConfig.defaults("y").withClassWeights(ClassRates.of(unordered)).withResample(ClassRates.of(Map.of("alpha", 0.5))),
        TrainConfig.defaults("y").withClassWeights(ClassRates.BALANCED).withResample(ClassRates.BALANCED).withOnLabelDrift(LabelDriftAction.REWEIGHT),
        TrainConfig.defaults("y").withOnLabelDrift(LabelDriftAction.REWEIGHT))) {
      String canonical = TrainStageFactory.parameters(c).toString();
      ConfigSection s = new ConfigSection("train", new ObjectMapper().readTree(canonical), "store", Map.of(), Paths.get("."));
      assertThat(TrainStageFactory.bind(s)).isEqualTo(c);
      assertThat(TrainStageFactory.parameters(TrainStageFactory.bind(s)).toString()).isEqualTo(canonical);
    }
    assertThat(TrainStageFactory.parameters(TrainConfig.defaults("y").withClassWeights(ClassRates.of(unordered))).get("class_weights").toString())
        .isEqualTo("{\"alpha\":4.0,\"zeta\":0.25}");
    // Tuned values bind as the section does.
    assertThat(Hyperparameters.of((com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree("{\"class_weights\": \"balanced\"}"))
        .applyTo(TrainConfig.defaults("y"))).isEqualTo(TrainConfig.defaults("y").withClassWeights(ClassRates.BALANCED));
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() {
    assertRejected("train:\n  label: y\n  class_weights: balance\n",
        "p.yaml line 3: bad value for 'train.class_weights': expected 'balanced', 'none' or {class: number}, got 'balance'");
    assertRejected("train:\n  label: y\n  class_weights: {pos: -1}\n",
        "p.yaml line 3: bad value for 'train.class_weights': class_weights must be a finite number of 0 or more for every class, got -1.0 for class 'pos'");
    assertRejected("train:\n  label: y\n  class_weights: {pos: many}\n",
        "p.yaml line 3: bad value for 'train.class_weights': expected a number for class 'pos', got 'many'");
    assertRejected("train:\n  label: y\n  resample: [1, 2]\n",
        "p.yaml line 3: bad value for 'train.resample': expected 'balanced', 'none' or {class: number}, got [1, 2]");
    assertRejected("train:\n  label: y\n  resample: {neg: -0.5}\n",
        "p.yaml line 3: bad value for 'train.resample': resample must be a finite number of 0 or more for every class, got -0.5 for class 'neg'");
    assertThatThrownBy(() -> TrainConfig.defaults("y").withResample(ClassRates.of(Map.of("neg", Double.POSITIVE_INFINITY))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resample must be a finite number of 0 or more for every class, got Infinity for class 'neg'");
    assertRejected("train:\n  label: y\n  on_label_drift: rewieght\n",
        "p.yaml line 3: unknown value 'rewieght' for 'train.on_label_drift'; did you mean 'reweight'? (one of: none, reweight)");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  // ---- on_label_drift: the decision on an anomalies file -----------------------------------

  static final String ANOMALIES = """
      {
        "anomalies_count": 4,
        "errors": 0,
        "anomalies": [
          {"type": "DRIFT", "severity": "WARNING", "feature": "species", "split": "train",
           "description": "drift from the previous span: L-infinity distance 0.31 > threshold 0.1"},
          {"type": "DRIFT", "severity": "WARNING", "feature": "species", "split": "eval", "description": "..."},
          {"type": "DRIFT", "severity": "WARNING", "feature": "body_mass_g", "split": "train", "description": "..."},
          {"type": "OUT_OF_DOMAIN", "severity": "WARNING", "feature": "island", "split": "train", "description": "...",
           "examples": ["Atlantis"]}
        ]
      }
      """;

  @Test
  void labelDriftIsADriftAnomalyOfTheLabelsRawFeature() {
    assertThat(LabelDrift.splits(ANOMALIES, "species")).containsExactly("eval", "train");
    assertThat(LabelDrift.splits(ANOMALIES, "body_mass_g")).containsExactly("train");
    // Another anomaly of a feature is not drift; a feature without anomalies has none.
    assertThat(LabelDrift.splits(ANOMALIES, "island")).isEmpty();
    assertThat(LabelDrift.splits("{\"anomalies_count\": 0, \"errors\": 0, \"anomalies\": []}", "species")).isEmpty();
  }
}
