package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code train:} section: YAML to the Java API, the canonical parameters, and back. */
class TrainStageFactoryTest {
  private static final String FULL = String.join("\n",
      "train:",
      "  label: island",
      "  features: [mass, hour, tags]",
      "  task: classification",
      "  model: linear",
      "  hidden_units: [8]",
      "  activation: tanh",
      "  batch_norm: true",
      "  learning_rate_schedule: {cosine: {decay_steps: 500, alpha: 0.1}}",
      "  wide_features: [hour, tags]",
      "  deep_features: [mass]",
      "  dropout: 0.25",
      "  embedding_dim: 4",
      "  embedding_dims: {tags: 2, hour: 3}",
      "  batch_size: 16",
      "  epochs: 3",
      "  steps: 100",
      "  optimizer: sgd",
      "  learning_rate: 0.5",
      "  l2: 0.01",
      "  early_stopping: {patience: 2, min_delta: 0.001}",
      "  shuffle_buffer: 50",
      "  seed: 7",
      "  train_split: a",
      "  eval_split: b",
      "  class_weights: {pos: 2, neg: 0.5}",
      "  resample: balanced",
      "  on_label_drift: reweight",
      "");

  private static final TrainConfig FULL_CONFIG = TrainConfig.defaults("island")
      .withFeatures(List.of("mass", "hour", "tags"))
      .withTask(TrainConfig.Task.CLASSIFICATION)
      .withModel(TrainConfig.ModelType.LINEAR)
      .withHiddenUnits(List.of(8))
      .withActivation(TrainConfig.Activation.TANH)
      .withBatchNorm(true)
      .withLearningRateSchedule(LearningRateSchedule.cosine(500, 0.1))
      .withWideAndDeepFeatures(List.of("hour", "tags"), List.of("mass"))
      .withDropout(0.25)
      .withEmbeddingDim(4)
      .withEmbeddingDims(Map.of("tags", 2, "hour", 3))
      .withBatchSize(16)
      .withEpochs(3)
      .withSteps(100L)
      .withOptimizer(TrainConfig.Optimizer.SGD, 0.5)
      .withL2(0.01)
      .withEarlyStopping(2, 0.001)
      .withShuffleBuffer(50)
      .withSeed(7)
      .withSplits("a", "b")
      .withClassWeights(ClassRates.of(Map.of("pos", 2.0, "neg", 0.5)))
      .withResample(ClassRates.BALANCED)
      .withOnLabelDrift(TrainConfig.LabelDriftAction.REWEIGHT);

  private static final String DEFAULTS_JSON = "{\"label\":\"species\",\"features\":[],\"task\":\"auto\",\"model\":\"dnn\","
      + "\"hidden_units\":[64,32],\"activation\":\"relu\",\"batch_norm\":false,\"learning_rate_schedule\":null,"
      + "\"wide_features\":[],\"deep_features\":[],\"dropout\":0.0,\"embedding_dim\":0,\"embedding_dims\":{},"
      + "\"batch_size\":64,\"epochs\":10,\"steps\":null,\"optimizer\":\"adam\",\"learning_rate\":0.001,\"l2\":0.0,"
      + "\"early_stopping\":null,\"shuffle_buffer\":10000,\"seed\":42,\"train_split\":\"train\",\"eval_split\":\"eval\","
      + "\"class_weights\":null,\"resample\":null,\"on_label_drift\":\"none\"}";

  static ConfigSection section(String text) throws Exception {
    JsonNode root = YamlFiles.YAML.readTree(text);
    return new ConfigSection("train", root.get("train"), "p.yaml", YamlFiles.lineIndex(text), Paths.get("."));
  }

  private static TrainConfig bind(String text) throws Exception {
    return TrainStageFactory.bind(section(text));
  }

  @Test
  void theSectionBindsToWhatTheJavaApiGives() throws Exception {
    assertThat(bind(FULL)).isEqualTo(FULL_CONFIG);
    assertThat(bind("train:\n  label: species\n")).isEqualTo(TrainConfig.defaults("species"));
  }

  @Test
  void parametersAreTheCanonicalSnakeCaseFormWithEveryDefault() throws Exception {
    assertThat(TrainStageFactory.parameters(TrainConfig.defaults("species")).toString()).isEqualTo(DEFAULTS_JSON);
    assertThat(new TrainStage(bind("train:\n  label: species\n")).parameters().toString()).isEqualTo(DEFAULTS_JSON);
    assertThat(TrainStageFactory.parameters(FULL_CONFIG).toString()).isEqualTo(
        "{\"label\":\"island\",\"features\":[\"mass\",\"hour\",\"tags\"],\"task\":\"classification\",\"model\":\"linear\","
            + "\"hidden_units\":[8],\"activation\":\"tanh\",\"batch_norm\":true,"
            + "\"learning_rate_schedule\":{\"exponential\":null,\"cosine\":{\"decay_steps\":500,\"alpha\":0.1}},"
            + "\"wide_features\":[\"hour\",\"tags\"],\"deep_features\":[\"mass\"],\"dropout\":0.25,\"embedding_dim\":4,\"embedding_dims\":{\"hour\":3,\"tags\":2},"
            + "\"batch_size\":16,\"epochs\":3,\"steps\":100,\"optimizer\":\"sgd\",\"learning_rate\":0.5,\"l2\":0.01,"
            + "\"early_stopping\":{\"patience\":2,\"min_delta\":0.001},\"shuffle_buffer\":50,\"seed\":7,\"train_split\":\"a\",\"eval_split\":\"b\","
            + "\"class_weights\":{\"neg\":0.5,\"pos\":2.0},\"resample\":\"balanced\",\"on_label_drift\":\"reweight\"}");
  }

  @Test
  void theDefaultsTheSectionLeavesOutComeFromTrainConfig() throws Exception {
    // An optimizer without a rate trains at that optimizer's default rate.
    assertThat(bind("train:\n  label: y\n  optimizer: sgd\n"))
        .isEqualTo(TrainConfig.defaults("y").withOptimizer(TrainConfig.Optimizer.SGD))
        .extracting(TrainConfig::learningRate).isEqualTo(0.01);
    assertThat(bind("train:\n  label: y\n  learning_rate: 0.2\n"))
        .isEqualTo(TrainConfig.defaults("y").withOptimizer(TrainConfig.Optimizer.ADAM, 0.2));
    // Early stopping turned on without its values: patience 3, min_delta 0.
    TrainConfig early = bind("train:\n  label: y\n  early_stopping: {}\n");
    assertThat(early).isEqualTo(TrainConfig.defaults("y").withEarlyStopping());
    assertThat(early.earlyStoppingPatience()).isEqualTo(3);
    assertThat(TrainStageFactory.parameters(early).get("early_stopping").toString()).isEqualTo("{\"patience\":3,\"min_delta\":0.0}");
    assertThat(bind("train:\n  label: y\n  early_stopping: {min_delta: 0.5}\n")).isEqualTo(TrainConfig.defaults("y").withEarlyStopping(3, 0.5));
  }

  @Test
  void theCanonicalFormBindsBackToAnEqualConfiguration() throws Exception {
    for (TrainConfig c : List.of(FULL_CONFIG, TrainConfig.defaults("species"), TrainConfig.defaults("y").withEarlyStopping(null, 0.5))) {
      String canonical = TrainStageFactory.parameters(c).toString();
      TrainConfig back = bind("{\"train\": " + canonical + "}");
      assertThat(back).isEqualTo(c);
      assertThat(TrainStageFactory.parameters(back).toString()).isEqualTo(canonical);
      ConfigSection s = new ConfigSection("train", new ObjectMapper().readTree(canonical), "store", Map.of(), Paths.get("."));
      assertThat(TrainStageFactory.bind(s)).isEqualTo(c);
    }
  }

  @Test
  void badValuesAreNamedWithTheirFileLineAndKey() {
    assertRejected("train:\n  epochs: 3\n", "p.yaml line 1: 'train.label' is required: the transformed feature to predict");
    assertRejected("train:\n  label: y\n  model: dnm\n",
        "p.yaml line 3: unknown value 'dnm' for 'train.model'; did you mean 'dnn'? (one of: linear, dnn, wide_deep)");
    assertRejected("train:\n  label: y\n  dropout: 1.5\n", "p.yaml line 3: bad value for 'train.dropout': dropout must be in [0, 1), got 1.5");
    assertRejected("train:\n  label: y\n  optimizer: sgd\n  learning_rate: -1\n",
        "p.yaml line 4: bad value for 'train.learning_rate': learning_rate must be positive, got -1.0");
    assertRejected("train:\n  label: y\n  early_stopping: {patience: 0}\n",
        "p.yaml line 3: bad value for 'train.early_stopping': early_stopping patience must be at least 1, got 0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  epoch: 3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: unknown key 'train.epoch'; did you mean 'epochs'?");
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> bind(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void theFactoryIsFoundAndMakesTheStage() throws Exception {
    StageFactory factory = ServiceLoader.load(StageFactory.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(f -> f.section().equals("train"))
        .findFirst()
        .orElseThrow();
    List<Stage<?>> stages = factory.create(section(FULL));
    assertThat(stages).hasSize(1);
    assertThat(stages.get(0).name()).isEqualTo("train");
    assertThat(((TrainStage) stages.get(0)).config()).isEqualTo(FULL_CONFIG);
  }
}
