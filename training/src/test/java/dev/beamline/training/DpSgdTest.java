package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ConfigException;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Embedding;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Pooling;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import dev.beamline.transform.FittedFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * DP-SGD's graph checked against per-example gradients computed independently: each example's
 * gradient is what one plain SGD step at learning rate 1 on that example alone subtracts from the
 * weights, so the norms, the clipped sum and the noise are compared with numbers that do not come from
 * the code under test.
 */
class DpSgdTest {
  private static final FittedFeature F = Fitted.passThrough("f", 0);
  private static final FittedFeature ID = Fitted.vocabulary("id", List.of("a", "b", "c"), 1, null, Encoding.ID, false);
  private static final FittedFeature TEXT = Fitted.tokens(FeatureTransform.string("text").withText(new Text(1, 1)).withVocabulary(Vocabulary.defaults())
      .withEncode(Encoding.EMBEDDING).withMaxTokens(4).withEmbedding(new Embedding(Pooling.SUM, null, true)), List.of("a", "b", "c"), null);
  private static final FittedFeature Y = Fitted.vocabulary("y", List.of("no", "yes", "maybe"), 0, null, Encoding.ID, false);
  private static final List<FittedFeature> FEATURES = List.of(F, ID, TEXT, Y);

  /** Six rows: the text column repeats ids within a row (row 1: 3, 3; row 4: 1, 1, 1) and pads with -1. */
  private static Batch batch() {
    float[] f = {0.5f, -1.25f, 2f, 0f, -0.75f, 1.5f};
    long[] id = {0, 1, 2, 3, 1, 0};
    long[] text = {0, 2, -1, -1, 3, 3, 1, -1, -1, -1, -1, -1, 2, 0, 1, 3, 1, 1, 1, -1, 0, -1, -1, -1};
    long[] y = {0, 1, 2, 1, 0, 2};
    return new Batch(6, new Object[] {f, id, text, y});
  }

  private static Batch row(Batch b, int i) {
    Object[] columns = new Object[b.columns.length];
    int[] widths = {1, 1, 4, 1};
    for (int c = 0; c < columns.length; c++) {
      int w = widths[c];
      if (b.columns[c] instanceof float[] x) {
        float[] one = new float[w];
        System.arraycopy(x, i * w, one, 0, w);
        columns[c] = one;
      } else {
        long[] one = new long[w];
        System.arraycopy((long[]) b.columns[c], i * w, one, 0, w);
        columns[c] = one;
      }
    }
    return new Batch(1, columns);
  }

  private static TrainConfig config(ModelType model) {
    TrainConfig c = TrainConfig.defaults("y").withModel(model).withHiddenUnits(List.of(5)).withEmbeddingDims(Map.of("id", 2, "text", 3))
        .withOptimizer(Optimizer.SGD, 1.0).withSeed(11);
    return model == ModelType.WIDE_DEEP ? c.withWideAndDeepFeatures(List.of("id", "f"), List.of("f", "id", "text")) : c;
  }

  /** The weights of a trained-looking model: the initial ones with every value nudged, so that no gradient is trivially 0. */
  private static Weights weights(ModelSpec spec) {
    Weights w = Weights.initial(spec, 5);
    SplittableRandom r = new SplittableRandom(9);
    Map<String, float[]> values = new java.util.LinkedHashMap<>();
    for (Weights.Slot s : Weights.layout(spec)) {
      float[] v = w.valuesOf(s.name()).clone();
      for (int i = 0; i < v.length; i++) {
        v[i] += (float) r.nextDouble(-0.5, 0.5);
      }
      values.put(s.name(), v);
    }
    return new Weights(Weights.layout(spec), values);
  }

  /** Example i's gradient, flattened over the trainable slots: what one SGD step at rate 1 on it alone subtracts. */
  private static double[] gradient(ModelSpec spec, Weights w, Batch example) {
    try (TrainingGraph g = TrainingGraph.build(spec)) {
      g.load(w);
      g.step(example);
      return minus(flat(spec, w), flat(spec, g.read()));
    }
  }

  private static double[] flat(ModelSpec spec, Weights w) {
    List<Double> out = new ArrayList<>();
    for (Weights.Slot s : Weights.layout(spec)) {
      if (s.trainable()) {
        for (float v : w.valuesOf(s.name())) {
          out.add((double) v);
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double[] minus(double[] a, double[] b) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  private static double norm(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static DpSgd.Plan plan(double clip, double sigma, double expectedBatch, long seed) {
    return new DpSgd.Plan(clip, sigma, 0.5, expectedBatch, 12, 1, 1e-5, DpSgd.seedsForTests(seed));
  }

  @Test
  void perExampleNormsEqualThoseOfEachExamplesOwnGradient() {
    for (ModelType model : ModelType.values()) {
      ModelSpec spec = ModelSpec.resolve(config(model), FEATURES);
      Weights w = weights(spec);
      Batch b = batch();
      float[] norms;
      try (TrainingGraph g = TrainingGraph.build(spec, null, 0, plan(1, 1, 6, 1))) {
        g.load(w);
        norms = g.gradientNorms(b);
      }
      assertThat(norms).hasSize(6);
      for (int i = 0; i < 6; i++) {
        double expected = norm(gradient(spec, w, row(b, i)));
        assertThat(expected).as("%s example %s", model, i).isGreaterThan(0.01);
        assertThat((double) norms[i]).as("%s example %s", model, i).isCloseTo(expected, within(2e-4 * Math.max(1, expected)));
      }
    }
  }

  @Test
  void aStepWithoutNoiseSubtractsTheSumOfClippedGradientsOverTheExpectedBatch() {
    ModelSpec spec = ModelSpec.resolve(config(ModelType.WIDE_DEEP), FEATURES);
    Weights w = weights(spec);
    Batch b = batch();
    double[][] grads = new double[6][];
    double[] norms = new double[6];
    for (int i = 0; i < 6; i++) {
      grads[i] = gradient(spec, w, row(b, i));
      norms[i] = norm(grads[i]);
    }
    double[] sorted = norms.clone();
    java.util.Arrays.sort(sorted);
    // A bound between the third and fourth largest norms: three examples are clipped, three are not.
    double clip = (sorted[2] + sorted[3]) / 2;
    double expectedBatch = 4.0;
    double[] sum = new double[flat(spec, w).length];
    int clipped = 0;
    for (int i = 0; i < 6; i++) {
      double[] g = grads[i];
      double n = norms[i];
      double c = Math.min(1, clip / n);
      clipped += c < 1 ? 1 : 0;
      for (int k = 0; k < g.length; k++) {
        sum[k] += c * g[k];
      }
    }
    // Some examples are clipped and some are not, so both branches of min(1, C / |g|) are exercised.
    assertThat(clipped).isEqualTo(3);
    double[] step;
    try (TrainingGraph g = TrainingGraph.build(spec, null, 0, plan(clip, 0, expectedBatch, 1))) {
      g.load(w);
      g.step(b);
      step = minus(flat(spec, w), flat(spec, g.read()));
    }
    for (int k = 0; k < sum.length; k++) {
      assertThat(step[k]).as("coordinate %s", k).isCloseTo(sum[k] / expectedBatch, within(2e-5));
    }
  }

  @Test
  void anEmptyBatchStillAddsNoiseOfStandardDeviationSigmaTimesClipOverTheExpectedBatch() {
    ModelSpec spec = ModelSpec.resolve(config(ModelType.DNN).withHiddenUnits(List.of(64, 64)), FEATURES);
    Weights w = weights(spec);
    Batch empty = new Batch(0, new Object[] {new float[0], new long[0], new long[0], new long[0]});
    double[] step;
    try (TrainingGraph g = TrainingGraph.build(spec, null, 0, plan(0.5, 3.0, 2.0, 7))) {
      g.load(w);
      g.step(empty);
      step = minus(flat(spec, w), flat(spec, g.read()));
    }
    double mean = 0;
    for (double v : step) {
      mean += v;
    }
    mean /= step.length;
    double var = 0;
    for (double v : step) {
      var += (v - mean) * (v - mean);
    }
    double sd = Math.sqrt(var / (step.length - 1));
    // σ C / E = 3 × 0.5 / 2 = 0.75, over more than 4,000 coordinates: the sample sd is within 3% of it.
    assertThat(step.length).isGreaterThan(4000);
    assertThat(sd).isCloseTo(0.75, within(0.75 * 0.03));
    assertThat(mean).isCloseTo(0.0, within(0.05));
  }

  @Test
  void theSameSeedGivesTheSameNoiseAndAnotherSeedOther() {
    ModelSpec spec = ModelSpec.resolve(config(ModelType.LINEAR), FEATURES);
    Weights w = weights(spec);
    double[][] steps = new double[3][];
    long[] seeds = {1, 1, 2};
    for (int t = 0; t < 3; t++) {
      try (TrainingGraph g = TrainingGraph.build(spec, null, 0, plan(1, 1, 6, seeds[t]))) {
        g.load(w);
        g.step(batch());
        steps[t] = flat(spec, g.read());
      }
    }
    assertThat(steps[0]).containsExactly(steps[1]);
    assertThat(steps[0]).isNotEqualTo(steps[2]);
  }

  @Test
  void whatCannotBeTrainedPrivatelyIsRefusedByName() {
    DpSgdConfig p = DpSgdConfig.noise(1, 1, 1e-5);
    TrainConfig c = config(ModelType.DNN).withPrivacy(p);
    assertThatThrownBy(() -> DpSgd.check(c.withBatchNorm(true))).isInstanceOf(ConfigException.class).hasMessageContaining("train.batch_norm");
    assertThatThrownBy(() -> DpSgd.check(c.withClassWeights(ClassRates.BALANCED))).hasMessageContaining("train.class_weights");
    assertThatThrownBy(() -> DpSgd.check(c.withResample(ClassRates.BALANCED))).hasMessageContaining("train.resample");
    assertThatThrownBy(() -> DpSgd.check(c.withOnLabelDrift(TrainConfig.LabelDriftAction.REWEIGHT))).hasMessageContaining("train.on_label_drift");
    DpSgd.check(c);
    DpSgd.plan(p, 1000, 10, 100);
    assertThatThrownBy(() -> DpSgd.plan(p, 200_000, 10, 100))
        .isInstanceOf(ConfigException.class).hasMessageContaining("delta 1.0E-5").hasMessageContaining("1/N = 1/200000")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("NaN"));
    assertThatThrownBy(() -> DpSgd.plan(DpSgdConfig.noise(1, 1, 1e-3), 1000, 10, 100)).hasMessageContaining("1/N = 1/1000");
  }

  @Test
  void thePlanFindsTheNoiseForTheTargetAndTheGuaranteeIsTheAccountants() {
    // 60,000 rows, batches of 256, 60 epochs: TensorFlow Privacy's example.
    DpSgd.Plan plan = DpSgd.plan(DpSgdConfig.targetEpsilon(1.0, 2.52, 1e-5), 60_000, 256, 14_063);
    assertThat(plan.samplingRate()).isEqualTo(256.0 / 60_000);
    assertThat(plan.expectedBatchSize()).isCloseTo(256.0, within(1e-9));
    // 1.12 gives 2.52 with the tighter conversion over the integer orders; the default grid adds fractional orders, which can only lower ε.
    assertThat(plan.noiseMultiplier()).isBetween(1.09, 1.125);
    PrivacyGuarantee g = plan.guarantee(14_063);
    assertThat(g.epsilon()).isLessThanOrEqualTo(2.52 + 1e-9).isGreaterThan(2.5);
    assertThat(g.epsilonClassic()).isGreaterThan(g.epsilon());
    assertThat(g.isPrivate()).isTrue();
    PrivacyGuarantee fixed = DpSgd.plan(DpSgdConfig.noise(1.0, 1.12, 1e-5), 60_000, 256, 14_063).guarantee(14_063);
    assertThat(fixed.epsilon()).isCloseTo(2.52, within(0.006));
    assertThat(fixed.epsilonClassic()).isLessThanOrEqualTo(2.925);
  }

  @Test
  void poissonSamplesHaveTheBinomialsMeanAndVarianceAndEveryRowItsShare() {
    int n = 2000;
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
    }
    PoissonSample s = PoissonSample.forTests(new Object[] {ids}, List.of(new ShardReader.Column("i", dev.beamline.transform.OutputKind.ID, 1)), n);
    double q = 0.02;
    SplittableRandom r = new SplittableRandom(3);
    int draws = 5000;
    double sum = 0;
    double sumSq = 0;
    int[] hits = new int[n];
    for (int t = 0; t < draws; t++) {
      int[] picked = s.pick(q, r);
      sum += picked.length;
      sumSq += (double) picked.length * picked.length;
      for (int p : picked) {
        hits[p]++;
      }
      for (int k = 1; k < picked.length; k++) {
        assertThat(picked[k]).isGreaterThan(picked[k - 1]);
      }
    }
    double mean = sum / draws;
    double var = sumSq / draws - mean * mean;
    // Binomial(2000, 0.02): mean 40, variance 39.2; standard errors about 0.09 and 0.8.
    assertThat(mean).isCloseTo(40.0, within(0.4));
    assertThat(var).isCloseTo(39.2, within(3.0));
    // Each row's count is Binomial(5000, 0.02): mean 100; the rows' counts spread as that binomial does.
    double rowMean = java.util.Arrays.stream(hits).average().orElseThrow();
    double rowVar = java.util.Arrays.stream(hits).mapToDouble(h -> (h - rowMean) * (h - rowMean)).sum() / (n - 1);
    assertThat(rowMean).isCloseTo(100.0, within(0.5));
    assertThat(rowVar).isCloseTo(98.0, within(10.0));
    assertThat(s.pick(1.0, r)).hasSize(n);
  }
}
