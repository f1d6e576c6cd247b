package dev.beamline.evaluation;

import dev.beamline.core.ExampleBatch;
import dev.beamline.ingest.RejectedRow;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What {@link Predict} computes, by name.
 *
 * <ul>
 *   <li>{@link #predictions()}: the scored rows as records of {@link #predictionSchema()};
 *   <li>{@link #unscored()}: the rows the model could not score, as JSON lines with the reason ({@link
 *       UnscoredRows}), and those a reader rejected once {@link #withRejected} adds them.
 * </ul>
 *
 * <pre>{@code
 * PredictionResult r = rows.apply(Predict.of(dir, model, rawSchema)).withRejected(read.rejected());
 * }</pre>
 */
public final class PredictionResult implements POutput {
  private final Pipeline pipeline;
  private final String modelDir;
  private final PCollection<ExampleBatch> predictions;
  private final PCollection<String> unscored;
  private final Schema predictionSchema;

  PredictionResult(Pipeline pipeline, String modelDir, PCollection<ExampleBatch> predictions, PCollection<String> unscored,
      Schema predictionSchema) {
    this.pipeline = pipeline;
    this.modelDir = modelDir;
    this.predictions = predictions;
    this.unscored = unscored;
    this.predictionSchema = predictionSchema;
  }

  /** The SavedModel that scored the rows. */
  public String modelDir() {
    return modelDir;
  }

  public PCollection<ExampleBatch> predictions() {
    return predictions;
  }

  public PCollection<String> unscored() {
    return unscored;
  }

  public Schema predictionSchema() {
    return predictionSchema;
  }

  /**
   * This result with the rows a reader rejected before the model saw them added to {@link #unscored()},
   * so that the dead-letter file holds every row that got no prediction.
   */
  public PredictionResult withRejected(PCollection<RejectedRow> rejected) {
    return new PredictionResult(pipeline, modelDir, predictions, UnscoredRows.withRejected(unscored, rejected), predictionSchema);
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(new TupleTag<>("predictions"), predictions, new TupleTag<>("unscored"), unscored);
  }

  @Override
  public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
}
