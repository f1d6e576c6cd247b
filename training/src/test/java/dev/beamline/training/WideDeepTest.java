package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.AnalyzeFn;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wide-and-deep model: which features each part reads, and an XOR of two categorical features,
 * which no linear model over the two separates but a linear model over their cross does.
 */
class WideDeepTest {
  @TempDir Path dir;

  private static final ExampleSchema RAW = ExampleSchema.of(List.of(
      FeatureSpec.of("a", FeatureType.STRING), FeatureSpec.of("b", FeatureType.STRING),
      FeatureSpec.of("x", FeatureType.FLOAT), FeatureSpec.of("y", FeatureType.STRING)));

  /** a in {p, q}, b in {u, v}, y = "yes" when exactly one of a = p and b = u holds; x is noise. */
  private static List<Map<String, Object>> xor(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean p = r.nextBoolean();
      boolean u = r.nextBoolean();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("a", p ? "p" : "q");
      row.put("b", u ? "u" : "v");
      row.put("x", r.nextDouble(-1, 1));
      row.put("y", p ^ u ? "yes" : "no");
      rows.add(row);
    }
    return rows;
  }

  /** The transform fitted, as the transform stage fits it, on the rows. */
  private static List<FittedFeature> fit(List<Map<String, Object>> rows) {
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.string("a").withVocabulary(Vocabulary.defaults()),
        FeatureTransform.string("b").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT),
        FeatureTransform.numeric("x"),
        FeatureTransform.cross("a_x_b", List.of("a", "b")).withHashBuckets(64),
        FeatureTransform.string("y").withVocabulary(new Vocabulary(null, 1, 0))));
    spec.check(RAW);
    List<GenericRecord> records = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      GenericRecord g = new GenericData.Record(RAW.toAvro());
      RAW.names().forEach(name -> g.put(name, row.get(name)));
      records.add(g);
    }
    FittedTransform fitted = AnalyzeFn.fitInMemory(RAW, spec, records);
    // The four combinations fall in four buckets: the cross alone separates them.
    List<Map<String, Object>> combos = List.of(Map.of("a", "p", "b", "u"), Map.of("a", "p", "b", "v"), Map.of("a", "q", "b", "u"), Map.of("a", "q", "b", "v"));
    assertThat(TransformedData.transform(List.of(fitted.feature("a_x_b")), combos).stream().map(m -> m.get("a_x_b")).distinct()).hasSize(4);
    return fitted.features();
  }

  private Path data(List<FittedFeature> features) throws IOException {
    Path data = dir.resolve("data");
    if (!data.toFile().exists()) {
      TransformedData.writeRaw(data, "train", "part-0.parquet", features, xor(400, 1));
      TransformedData.writeRaw(data, "eval", "part-0.parquet", features, xor(200, 2));
    }
    return data;
  }

  private static TrainConfig config(ModelType model, List<String> features) {
    return TrainConfig.defaults("y").withModel(model).withFeatures(features).withHiddenUnits(List.of(4))
        .withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(32).withEpochs(25).withSeed(3);
  }

  private TrainingHistory train(TrainConfig config, List<FittedFeature> features) throws IOException {
    try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.silent()).train(data(features).toString(), features)) {
      return m.history();
    }
  }

  private static double lastAccuracy(TrainingHistory h) {
    return h.epochs().get(h.epochs().size() - 1).evalAccuracy();
  }

  @Test
  void theCrossMakesXorLinearAndTheWidePartOfWideAndDeepLearnsIt() throws IOException {
    List<FittedFeature> features = fit(xor(400, 1));
    // No linear model over a and b separates an XOR: at best 3 of the 4 cells.
    TrainingHistory linear = train(config(ModelType.LINEAR, List.of("a", "b")), features);
    assertThat(lastAccuracy(linear)).isLessThanOrEqualTo(0.76);
    // Over their cross it is linear.
    TrainingHistory crossed = train(config(ModelType.LINEAR, List.of("a_x_b")), features);
    assertThat(lastAccuracy(crossed)).isEqualTo(1.0);
    // Wide and deep whose DNN sees only a (and noise), so that b reaches the model only through the
    // wide part: with the cross there it separates the classes, without it it cannot.
    TrainConfig wideDeep = config(ModelType.WIDE_DEEP, List.of("a", "b", "x", "a_x_b")).withWideAndDeepFeatures(List.of("a", "b", "a_x_b"), List.of("a", "x"));
    TrainingHistory withCross = train(wideDeep, features);
    assertThat(lastAccuracy(withCross)).isEqualTo(1.0);
    assertThat(withCross.epochs().get(24).trainLoss()).isLessThan(withCross.epochs().get(0).trainLoss() / 10);
    TrainingHistory withoutCross = train(wideDeep.withWideAndDeepFeatures(List.of("a", "b"), List.of("a", "x")), features);
    assertThat(lastAccuracy(withoutCross)).isLessThanOrEqualTo(0.76);
  }

  @Test
  void wideAndDeepRegressionTrains() throws IOException {
    // y_value = 3 if a XOR b else -1, plus 2 x: the cross in the wide part, the number in the deep part.
    List<Map<String, Object>> rows = xor(400, 5);
    for (Map<String, Object> row : rows) {
      row.put("v", ("yes".equals(row.get("y")) ? 3.0 : -1.0) + 2 * (Double) row.get("x"));
    }
    List<FittedFeature> features = new ArrayList<>(fit(rows).subList(0, 4));
    features.add(Fitted.passThrough("v", 0));
    Path data = dir.resolve("regression");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 300));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(300, 400));
    TrainConfig c = TrainConfig.defaults("v").withModel(ModelType.WIDE_DEEP).withHiddenUnits(List.of(8)).withBatchNorm(true)
        .withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(32).withEpochs(30).withSeed(4);
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      TrainingHistory h = m.history();
      assertThat(m.spec().wideInputs()).extracting(ModelSpec.Input::name).containsExactly("a", "b", "a_x_b");
      assertThat(m.spec().deepInputs()).extracting(ModelSpec.Input::name).containsExactly("a", "b", "x");
      assertThat(h.epochs().get(29).trainLoss()).isLessThan(h.epochs().get(0).trainLoss() / 10);
      assertThat(h.epochs().get(29).evalRmse()).isLessThan(0.3);
    }
  }

  @Test
  void eachPartReadsItsFeaturesAndMistakesAreNamed() {
    List<FittedFeature> features = fit(xor(50, 9));
    ModelSpec defaults = ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.WIDE_DEEP), features);
    // By default the linear part reads the categorical features and the crosses; the DNN all but the crosses.
    assertThat(defaults.wideInputs()).extracting(ModelSpec.Input::name).containsExactly("a", "b", "a_x_b");
    assertThat(defaults.deepInputs()).extracting(ModelSpec.Input::name).containsExactly("a", "b", "x");
    assertThat(defaults.rawInputs()).extracting(ModelSpec.RawInput::name).containsExactly("a", "b", "x");
    assertThat(Weights.layout(defaults)).extracting(Weights.Slot::name).containsExactly(
        "dense_0/kernel", "dense_0/bias", "dense_1/kernel", "dense_1/bias", "logits/kernel", "logits/bias",
        "linear/a", "linear/b", "linear/a_x_b");
    // Rows of the linear weights: a's 3 ids (2 + 1 OOV bucket), b's one-hot width, the cross's 64 buckets; one column per class.
    assertThat(Weights.layout(defaults).subList(6, 9)).extracting(s -> s.shape()[0] + "x" + s.shape()[1]).containsExactly("3x2", "3x2", "64x2");
    assertThat(Weights.layout(defaults).get(0).shape()).containsExactly(3 + 3 + 1, 64);
    // A DNN reads every feature, the cross too; a linear model has no linear/ weights of its own.
    assertThat(ModelSpec.resolve(TrainConfig.defaults("y"), features).deepInputs()).hasSize(4);
    ModelSpec explicit = ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.WIDE_DEEP)
        .withWideAndDeepFeatures(List.of("a_x_b", "x"), List.of("b")), features);
    assertThat(explicit.wideInputs()).extracting(ModelSpec.Input::name).containsExactly("x", "a_x_b");
    assertThat(explicit.deepInputs()).extracting(ModelSpec.Input::name).containsExactly("b");

    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.WIDE_DEEP).withFeatures(List.of("a", "b"))
            .withWideAndDeepFeatures(List.of("a", "a", "zz"), List.of("a_x_b")), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.wide_features lists 'a' twice\n"
            + "train.wide_features: 'zz' is not a feature of the model (features: a, b)\n"
            + "train.deep_features: 'a_x_b' is not a feature of the model (features: a, b)");
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.WIDE_DEEP).withFeatures(List.of("x")), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.wide_features: model wide_deep needs features for its linear part, and the model has no cross nor"
            + " categorical feature (list wide_features, or use model: dnn)");
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.LINEAR).withBatchNorm(true)
            .withWideAndDeepFeatures(List.of("a"), List.of()), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.batch_norm applies to the hidden layers of a DNN (model: dnn or wide_deep); a linear model has none\n"
            + "train.wide_features and deep_features apply to model: wide_deep, not linear");
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("a_x_b"), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.label 'a_x_b' is a cross of [a, b]; a label must be computed from one raw feature"
            + " (a vocabulary, bucketize or binarize, or a float)");
    // A cross reads the label's raw feature: the label would leak.
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("a").withFeatures(List.of("x", "a_x_b")), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.features: 'a_x_b' reads raw feature 'a', which the label 'a' is computed from (the label would leak into the inputs)");
  }
}
