package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.training.ModelSpec;
import dev.beamline.training.SavedModelExport;
import dev.beamline.training.Train;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainingHistory;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.FittedTransform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.PCollection;

/**
 * The training stage: {@link Train} on the transform stage's published features, once they are
 * complete, exporting a SavedModel that takes raw features. Its folder is the SavedModel, with {@code
 * training_history.json} and {@code provenance.json} beside it.
 */
final class TrainStage implements Stage {
  static final String NAME = "train";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TrainConfig config;

  TrainStage(TrainConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> upstreamStages() {
    return List.of(TransformStage.NAME);
  }

  @Override
  public ObjectNode parameters() {
    return JSON.valueToTree(config);
  }

  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    return List.of(Stage.upstreamInput("transform_graph", upstream.get(TransformStage.NAME), ArtifactKind.TRANSFORM_GRAPH.name()));
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.MODEL;
  }

  @Override
  public String outputRole() {
    return "model";
  }

  @Override
  public Expanded expand(Pipeline p, StageOutput output, Map<String, Upstream> upstream) {
    Upstream in = upstream.get(TransformStage.NAME);
    PCollection<String> transformDir =
        in.inGraph() ? in.published() : p.apply("TransformedDir", Create.of(in.dir().toString()).withCoder(StringUtf8Coder.of()));
    PCollection<String> data =
        transformDir
            .apply("ExamplesDir", MapElements.into(TypeDescriptors.strings()).via(new ExamplesDir()))
            .setCoder(StringUtf8Coder.of());
    Train train = Train.of(config, output);
    if (in.inGraph()) {
      if (in.result() instanceof TransformStage.InGraph t) {
        // Checked now against the declared transforms (kinds and names), before anything runs.
        ModelSpec.resolve(config, t.provisionalFeatures());
      }
      train = train.withFittedFeatures(new ReadFitted());
    } else {
      // Cached features: their constants are known now, so the configuration is checked before the run.
      train = train.withFittedFeatures(FittedTransform.read(in.dir()).features());
    }
    return new Expanded(data.apply("Train", train), null);
  }

  /** The transformed examples' folder inside a published transform folder. */
  private static final class ExamplesDir implements SerializableFunction<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String apply(String transformDir) {
      return Paths.get(transformDir).resolve(AnalyzeAndTransform.EXAMPLES_DIR).toString();
    }
  }

  /** Reads the fitted features beside the transformed examples, once the transform ran. */
  private static final class ReadFitted implements SerializableFunction<String, List<FittedFeature>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<FittedFeature> apply(String examplesDir) {
      return FittedTransform.read(Paths.get(examplesDir).getParent()).features();
    }
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    // The graph and the trained variables identify the model.
    Hasher h = Hashing.sha256().newHasher();
    try (Stream<Path> files = Files.walk(outputDir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = outputDir.relativize(f).toString();
        if (rel.equals("saved_model.pb") || rel.startsWith("variables")) {
          h.putUnencodedChars(rel).putBytes(Files.readAllBytes(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return h.hash().toString();
  }

  static TrainingHistory history(Path outputDir) {
    try {
      return TrainingHistory.fromJson(Files.readString(outputDir.resolve("training_history.json")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode modelInfo(Path outputDir) {
    try {
      return JSON.readTree(outputDir.resolve(SavedModelExport.EXTRA).resolve("model.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    TrainingHistory h = history(outputDir);
    TrainingHistory.Epoch best = h.best();
    ObjectNode p = JSON.createObjectNode();
    p.put("model", config.model().name().toLowerCase(Locale.ROOT));
    p.put("label", config.label());
    p.put("epochs", h.epochs().size());
    p.put("best_epoch", h.bestEpoch());
    p.put("steps", h.steps());
    best.evalMetrics().forEach(p::put);
    p.put("train_loss", best.trainLoss());
    p.put("seed", config.seed());
    p.put("format", "tensorflow-savedmodel");
    return p;
  }

  @Override
  public List<String> summary(Path outputDir) {
    TrainingHistory h = history(outputDir);
    TrainingHistory.Epoch best = h.best();
    String model = config.model() == TrainConfig.ModelType.DNN ? "DNN " + config.hiddenUnits() : "linear model";
    List<String> lines = new ArrayList<>();
    StringBuilder s = new StringBuilder();
    s.append(model).append(", ").append(h.epochs().size()).append(" epoch(s)");
    if (h.stoppedEarly()) {
      s.append(" (stopped early)");
    }
    s.append(", best epoch ").append(h.bestEpoch());
    if (best.evalAccuracy() != null) {
      s.append(String.format(Locale.ROOT, ": eval accuracy %.4f", best.evalAccuracy()));
    }
    if (best.evalAuc() != null) {
      s.append(String.format(Locale.ROOT, ", AUC %.4f", best.evalAuc()));
    }
    if (best.evalRmse() != null) {
      // The RMSE is in the label's own units, the loss in its transformed units (TrainingHistory).
      s.append(String.format(Locale.ROOT, ": eval RMSE %.4f in the label's units", best.evalRmse()));
    }
    if (best.evalLoss() != null) {
      s.append(String.format(Locale.ROOT, ", eval loss %.4f", best.evalLoss()));
    }
    lines.add(s.toString());
    lines.add(String.format(Locale.ROOT, "%.0f examples/s in training; SavedModel (serving_default takes raw features)", best.examplesPerSecond()));
    return lines;
  }
}
