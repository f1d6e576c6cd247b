package dev.beamline.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model, still in its training-time graph: its {@link ModelSpec}, its {@link
 * TrainingHistory}, its weights, predictions on transformed shards, and the export to a SavedModel
 * that takes raw features. Holds a TensorFlow session: close it.
 *
 * <pre>{@code
 * try (TrainedModel m = Trainer.of(config).train(dataDir, fitted)) {
 *   Predictions p = m.predict(dataDir, "eval");
 *   m.export(Paths.get("/models/penguins/1"), provenanceJson);
 * }
 * }</pre>
 */
public final class TrainedModel implements AutoCloseable {
  private final ModelSpec spec;
  private final TrainingGraph graph;
  private final TrainingHistory history;
  private final String dataDir;
  private final ClassBalance classBalance;
  private final PrivacyGuarantee privacy;

  TrainedModel(ModelSpec spec, TrainingGraph graph, TrainingHistory history, String dataDir) {
    this(spec, graph, history, dataDir, ClassBalance.none(spec));
  }

  TrainedModel(ModelSpec spec, TrainingGraph graph, TrainingHistory history, String dataDir, ClassBalance classBalance) {
    this(spec, graph, history, dataDir, classBalance, PrivacyGuarantee.NONE);
  }

  TrainedModel(ModelSpec spec, TrainingGraph graph, TrainingHistory history, String dataDir, ClassBalance classBalance, PrivacyGuarantee privacy) {
    this.privacy = privacy;
    this.spec = spec;
    this.graph = graph;
    this.history = history;
    this.dataDir = dataDir;
    this.classBalance = classBalance;
  }

  public ModelSpec spec() {
    return spec;
  }

  public TrainingHistory history() {
    return history;
  }

  /** The class weights and resampling rates it was trained with, and the label counts behind them. */
  public ClassBalance classBalance() {
    return classBalance;
  }

  /** Its differential-privacy guarantee: ε for DP-SGD, ∞ without. */
  public PrivacyGuarantee privacy() {
    return privacy;
  }

  /** The weights the model has: the best epoch's under early stopping, else the last. */
  public Weights weights() {
    return graph.read();
  }

  /**
   * The training-time graph's outputs on every row of the transformed shards of {@code split} in
   * {@code dataDir}, in shard-name then row order (rows without a label class included; the label is
   * not read). Regression values are in the label's own units, as the exported model's {@code
   * predictions}; {@link Predictions#transformedValues()} has them in the transformed units.
   */
  public Predictions predict(String dataDir, String split) {
    List<Predictions> parts = new ArrayList<>();
    try (ExampleStream stream = ExampleStream.open(Trainer.shards(dataDir, split), TrainingGraph.columns(spec, false), 1024, 1, null, -1)) {
      while (stream.hasNext()) {
        parts.add(graph.predict(stream.next()));
      }
    }
    return Predictions.concat(parts, spec.classNames(), spec.classification());
  }

  /**
   * Exports the model as a SavedModel into {@code target}, which must not exist: written into a
   * staging folder beside it and renamed onto it in one step. See {@link SavedModelExport}.
   *
   * @param provenanceJson the run's provenance (a JSON object, or null), written to {@code
   *     assets.extra/provenance.json} with the training's own facts added
   */
  public void export(Path target, String provenanceJson) {
    SavedModelExport.publish(spec, graph.read(), history, privacy, provenance(provenanceJson), target);
  }

  /** Writes the SavedModel into {@code dir} without publishing it (the caller renames the folder). */
  public void exportInto(Path dir, String provenanceJson) {
    exportInto(dir.toString(), provenanceJson);
  }

  /**
   * Writes the SavedModel into the folder {@code dir} (a path or a URI of any file system Beam
   * supports) without publishing it: every file through {@link dev.beamline.core.Storage}, none
   * through local disk (see {@link SavedModelExport#render}).
   */
  public void exportInto(String dir, String provenanceJson) {
    SavedModelExport.write(spec, graph.read(), history, privacy, provenance(provenanceJson), dir);
  }

  /** {@code base} with this model's {@code training} section (see {@link SavedModelExport#provenance}). */
  public String provenance(String base) {
    return SavedModelExport.provenance(base, dataDir, spec, history, privacy);
  }

  /** The transformed-data folder the model was trained on. */
  public String dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    graph.close();
  }
}
