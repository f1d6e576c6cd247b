package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import dev.beamline.training.ModelSpec.InputEncoding;
import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Task;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FittedFeature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a configuration resolves against fitted features, and every way it is rejected. */
class ModelSpecTest {
  static final List<FittedFeature> FEATURES = SavedModelExportTest.features();

  @Test
  void allFeaturesButTheLabelByDefaultEachWithItsEncoding() {
    ModelSpec spec = ModelSpec.resolve(TrainConfig.defaults("species").withEmbeddingDims(Map.of("island", 5)), FEATURES);
    assertThat(spec.task()).isEqualTo(Task.CLASSIFICATION);
    assertThat(spec.classNames()).containsExactly("adelie", "chinstrap", "gentoo");
    assertThat(spec.inputs()).extracting(ModelSpec.Input::name)
        .containsExactly("bill", "mass", "flipper", "island", "sex", "colour", "seen", "seen_day", "note", "note_ids", "tags");
    assertThat(spec.inputs()).extracting(ModelSpec.Input::encoding).containsExactly(
        InputEncoding.SCALAR, InputEncoding.SCALAR, InputEncoding.ONE_HOT, InputEncoding.EMBEDDING, InputEncoding.VECTOR,
        InputEncoding.VECTOR, InputEncoding.ONE_HOT, InputEncoding.VECTOR, InputEncoding.VECTOR, InputEncoding.MEAN_EMBEDDING,
        InputEncoding.VECTOR);
    // 1 + 1 + 4 buckets + 5 embedded + 2 + 7 hash + 24 hours + 7 days + 7 tf-idf + 8 (default ids embedding) + 3 tags
    assertThat(spec.inputColumns()).isEqualTo(69);
    assertThat(spec.rawInputs()).containsExactly(
        new ModelSpec.RawInput("bill", RawFamily.NUMERIC), new ModelSpec.RawInput("mass", RawFamily.NUMERIC),
        new ModelSpec.RawInput("flipper", RawFamily.NUMERIC), new ModelSpec.RawInput("island", RawFamily.STRING),
        new ModelSpec.RawInput("sex", RawFamily.STRING), new ModelSpec.RawInput("colour", RawFamily.STRING),
        new ModelSpec.RawInput("seen", RawFamily.TIMESTAMP), new ModelSpec.RawInput("note", RawFamily.STRING),
        new ModelSpec.RawInput("tags", RawFamily.STRING));
  }

  @Test
  void classNamesBeyondTheVocabularyAreTheirIds() {
    FittedFeature label = Fitted.vocabulary("y", List.of("a", "b"), 2, null, Encoding.ID, false);
    ModelSpec spec = ModelSpec.resolve(TrainConfig.defaults("y"), List.of(Fitted.passThrough("x", 0), label));
    assertThat(spec.classNames()).containsExactly("a", "b", "2", "3");
    FittedFeature buckets = Fitted.bucketized("z", 0, 1, 2);
    assertThat(ModelSpec.resolve(TrainConfig.defaults("z"), List.of(Fitted.passThrough("x", 0), buckets)).classNames())
        .containsExactly("0", "1", "2");
  }

  @Test
  void aFloatLabelIsRegression() {
    ModelSpec spec = ModelSpec.resolve(TrainConfig.defaults("bill"), FEATURES);
    assertThat(spec.task()).isEqualTo(Task.REGRESSION);
    assertThat(spec.outputs()).isEqualTo(1);
    assertThat(spec.numClasses()).isZero();
  }

  private static void rejected(TrainConfig config, String... messages) {
    assertThatThrownBy(() -> ModelSpec.resolve(config, FEATURES)).isInstanceOf(ConfigException.class).message().contains(messages);
  }

  @Test
  void labelNotAmongTheFeatures() {
    rejected(TrainConfig.defaults("weight"), "train.label 'weight' is not a transformed feature (transformed features: bill, mass,");
    rejected(TrainConfig.defaults(""), "train.label is required");
  }

  @Test
  void labelOfTheWrongKindOrTask() {
    rejected(TrainConfig.defaults("tags"), "train.label 'tags' is VECTOR; a label must be a single class id");
    rejected(TrainConfig.defaults("bill").withTask(Task.CLASSIFICATION), "train.task classification needs a label of class ids", "'bill' is a float");
    rejected(TrainConfig.defaults("species").withTask(Task.REGRESSION), "train.task regression needs a float label, but 'species' holds class ids");
    FittedFeature one = Fitted.vocabulary("y", List.of("a"), 0, null, Encoding.ID, false);
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("y"), List.of(Fitted.passThrough("x", 0), one)))
        .hasMessageContaining("train.label 'y' has 1 classes; classification needs at least 2");
  }

  @Test
  void featuresThatDoNotExistRepeatOrLeakTheLabel() {
    rejected(TrainConfig.defaults("species").withFeatures(List.of("bill", "beak", "bill", "species")),
        "train.features: 'beak' is not a transformed feature", "train.features lists 'bill' twice",
        "train.features: 'species' is the label");
    FittedFeature leak = new FittedFeature(FeatureTransform.string("species").withOutput("species_hash").withHashBuckets(5),
        FeatureType.STRING, dev.beamline.transform.OutputKind.ID, 5, null, null, null, null, null, null, null, null, null, null, 10);
    List<FittedFeature> withLeak = new java.util.ArrayList<>(FEATURES);
    withLeak.add(leak);
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("species"), withLeak))
        .hasMessageContaining("train.features: 'species_hash' reads raw feature 'species', which the label 'species' is computed from");
  }

  @Test
  void modelOptionsThatDoNotFit() {
    rejected(TrainConfig.defaults("species").withHiddenUnits(List.of()), "train.hidden_units: a DNN needs at least one hidden layer");
    rejected(TrainConfig.defaults("species").withModel(ModelType.LINEAR).withDropout(0.5), "train.dropout 0.5 applies to the hidden layers of a DNN");
    rejected(TrainConfig.defaults("species").withEmbeddingDims(Map.of("bill", 4, "nope", 2)),
        "train.embedding_dims: 'bill' is not an ID or IDS feature of the model (embedded features: flipper, island, seen, note_ids)",
        "train.embedding_dims: 'nope' is not");
    rejected(TrainConfig.defaults("species").withEarlyStopping(2, 0).withSplits("train", ""), "train.early_stopping needs an eval_split");
    rejected(TrainConfig.defaults("species").withEarlyStopping(2, 0).withSplits("train", "train"), "eval_split and train_split are both 'train'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> ModelSpec.resolve(TrainConfig.defaults("species").withFeatures(List.of("beak")).withHiddenUnits(List.of()), FEATURES))
        .message().contains("'beak'").contains("hidden_units");
  }

  @Test
  void trainConfigRejectsOutOfRangeValuesWithTheirName() {
    assertThatThrownBy(() -> TrainConfig.defaults("y").withDropout(1.0)).hasMessage("dropout must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> TrainConfig.defaults("y").withBatchSize(0)).hasMessage("batch_size must be at least 1, got 0");
    assertThatThrownBy(() -> TrainConfig.defaults("y").withOptimizer(TrainConfig.Optimizer.SGD, -1)).hasMessage("learning_rate must be positive, got -1.0");
  }
}
