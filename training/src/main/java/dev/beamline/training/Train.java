package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.transform.FittedFeature;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The training stage: trains one model on the transformed data whose folder arrives as the input
 * element, exports it as a SavedModel that takes raw features (see {@link SavedModelExport}), and
 * publishes it atomically to the stage's output folder, which it then emits. Apply it to the signal
 * of the transform stage (the published folder of {@code <split>/*.parquet} shards), so it runs only
 * once they are complete.
 *
 * <p>The published folder is the SavedModel itself ({@code saved_model.pb}, {@code variables/},
 * {@code assets.extra/}) with {@code training_history.json} and the run's {@code provenance.json}
 * (and {@value ClassBalance#FILE} when class weights, resampling or {@code on_label_drift} are set).
 * Training runs once, in one worker: all input elements are gathered under one key and must name
 * the same folder.
 *
 * <pre>{@code
 * PCollection<String> model = transformed.apply(
 *     Train.of(config, layout.output("train").withProvenance(json))
 *         .withFittedFeatures(dir -> FittedTransform.read(Storage.parent(dir)).features()));
 * }</pre>
 */
public final class Train extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Train.class);
  /** The file, beside the SavedModel, with the training history ({@link TrainingHistory}). */
  public static final String HISTORY_FILE = "training_history.json";

  private final TrainConfig config;
  private final StageOutput output;
  private final SerializableFunction<String, List<FittedFeature>> fitted;
  /** The folder of tuned values to apply over the configuration at run time, or null. */
  private final String hyperparametersDir;
  /** The folder of the validate stage's anomalies, read for {@code on_label_drift: reweight}, or null. */
  private final String anomaliesDir;

  private Train(TrainConfig config, StageOutput output, SerializableFunction<String, List<FittedFeature>> fitted, String hyperparametersDir,
      String anomaliesDir) {
    this.config = config;
    this.output = output;
    this.fitted = fitted;
    this.hyperparametersDir = hyperparametersDir;
    this.anomaliesDir = anomaliesDir;
  }

  /** Trains with {@code config} and publishes to {@code output}; set where the fitted features come from. */
  public static Train of(TrainConfig config, StageOutput output) {
    return new Train(checkNotNull(config, "config"), checkNotNull(output, "output"), null, null, null);
  }

  /**
   * Reads the fitted features of the transformed data at run time from its folder (the input
   * element), e.g. {@code dir -> FittedTransform.read(Storage.parent(dir)).features()} for the examples
   * folder inside a published transform.
   */
  public Train withFittedFeatures(SerializableFunction<String, List<FittedFeature>> fromDataDir) {
    return new Train(config, output, checkNotNull(fromDataDir, "fromDataDir"), hyperparametersDir, anomaliesDir);
  }

  /**
   * Uses these fitted features, known when the pipeline is built; the configuration is then checked
   * against them in {@link #expand}, before anything runs.
   */
  public Train withFittedFeatures(List<FittedFeature> features) {
    checkArgument(!features.isEmpty(), "fitted features must not be empty");
    List<FittedFeature> copy = List.copyOf(features);
    return new Train(config, output, new Fixed(copy), hyperparametersDir, anomaliesDir);
  }

  /**
   * Applies the tuned values published in {@code dir} (a HYPERPARAMETERS artifact, {@link
   * Hyperparameters}) over the configuration when the model is trained; they are copied beside the
   * model. Apply the transform after the tuner has published (e.g. with {@code Wait.on}).
   */
  public Train withHyperparameters(String dir) {
    return new Train(config, output, fitted, checkNotNull(dir, "dir"), anomaliesDir);
  }

  /**
   * Reads the validate stage's anomalies published in {@code dir} (an ANOMALIES artifact) when the
   * model is trained: with {@code on_label_drift: reweight}, drift of the label there trains with
   * balanced class weights ({@link LabelDrift}, {@link ClassBalance}), recorded in {@value
   * ClassBalance#FILE} beside the model. Apply the transform after validation has published.
   */
  public Train withAnomalies(String dir) {
    return new Train(config, output, fitted, hyperparametersDir, checkNotNull(dir, "dir"));
  }

  public TrainConfig config() {
    return config;
  }

  public StageOutput output() {
    return output;
  }

  @Override
  public PCollection<String> expand(PCollection<String> dataDirs) {
    checkState(fitted != null, "Train needs its fitted features: call withFittedFeatures");
    if (fitted instanceof Fixed f) {
      ClassBalance.check(ModelSpec.resolve(config, f.features), true);
      FedAvg.check(config, f.features);
    }
    if (config.federated() != null) {
      // Federated averaging: the clients and the rounds are part of this graph (see TrainFederated).
      FedAvg.check(config);
      return dataDirs.apply("TrainFederated", TrainFederated.of(config, output, fitted, hyperparametersDir));
    }
    return dataDirs
        .apply("OneKey", WithKeys.of("model"))
        .setCoder(org.apache.beam.sdk.coders.KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("Gather", GroupByKey.create())
        .apply("TrainAndExport", ParDo.of(new TrainFn(config, output, fitted, hyperparametersDir, anomaliesDir)))
        .setCoder(StringUtf8Coder.of());
  }

  /** Fitted features fixed at construction. */
  private record Fixed(List<FittedFeature> features) implements SerializableFunction<String, List<FittedFeature>> {
    @Override
    public List<FittedFeature> apply(String dataDir) {
      return features;
    }
  }

  private static final class TrainFn extends DoFn<KV<String, Iterable<String>>, String> {
    private static final long serialVersionUID = 1L;

    private final TrainConfig config;
    private final StageOutput output;
    private final SerializableFunction<String, List<FittedFeature>> fitted;
    private final String hyperparametersDir;
    private final String anomaliesDir;

    TrainFn(TrainConfig config, StageOutput output, SerializableFunction<String, List<FittedFeature>> fitted, String hyperparametersDir,
        String anomaliesDir) {
      this.config = config;
      this.output = output;
      this.fitted = fitted;
      this.hyperparametersDir = hyperparametersDir;
      this.anomaliesDir = anomaliesDir;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<String>> dirs, OutputReceiver<String> out) {
      TreeSet<String> distinct = new TreeSet<>();
      dirs.getValue().forEach(distinct::add);
      checkState(distinct.size() == 1, "Train expects one transformed-data folder, got %s", distinct);
      String dataDir = distinct.first();
      // A retried bundle finds the model already published: the output is complete, emit it again.
      if (output.isPublished()) {
        out.output(output.dir());
        return;
      }
      Storage.deleteRecursively(output.stagingDir());
      Hyperparameters tuned = hyperparametersDir == null ? null : Hyperparameters.read(hyperparametersDir);
      TrainConfig used = tuned == null ? config : tuned.applyTo(config);
      List<FittedFeature> features = fitted.apply(dataDir);
      List<String> drifted = labelDrift(used, features);
      if (!drifted.isEmpty()) {
        // The new training split's label distribution replaces whatever weights were configured.
        LOG.info("Validation reports drift of label '{}' in split(s) {}: training with balanced class weights", used.label(), drifted);
        used = used.withClassWeights(ClassRates.BALANCED);
      }
      try (TrainedModel model = Trainer.of(used).train(dataDir, features)) {
        export(model, output);
        Map<String, String> files = new java.util.LinkedHashMap<>();
        files.put(HISTORY_FILE, model.history().toJson());
        if (tuned != null) {
          files.put(Hyperparameters.FILE, "{\"values\": " + tuned.valuesJson() + "}\n");
        }
        ClassBalance balance = model.classBalance().withReweightedForLabelDrift(!drifted.isEmpty());
        if (balance.any() || used.onLabelDrift() == TrainConfig.LabelDriftAction.REWEIGHT) {
          files.put(ClassBalance.FILE, balance.toJson());
        }
        output.publish(files);
      }
      out.output(output.dir());
    }

    /** The splits where validation reported drift of the label, when {@code on_label_drift: reweight} and the anomalies are known; else none. */
    private List<String> labelDrift(TrainConfig used, List<FittedFeature> features) {
      if (anomaliesDir == null || used.onLabelDrift() != TrainConfig.LabelDriftAction.REWEIGHT) {
        return List.of();
      }
      String rawLabel = ModelSpec.resolve(used, features).label().spec().input();
      return LabelDrift.splits(Storage.readString(Storage.resolve(anomaliesDir, LabelDrift.ANOMALIES_FILE)), rawLabel);
    }
  }

  /**
   * Writes {@code model}'s SavedModel into {@code output}'s staging folder, on whatever file system it
   * is: rendered in memory and written file by file through {@link Storage}, never onto local disk.
   */
  static void export(TrainedModel model, StageOutput output) {
    model.exportInto(output.stagingDir(), output.provenanceJson());
  }
}
