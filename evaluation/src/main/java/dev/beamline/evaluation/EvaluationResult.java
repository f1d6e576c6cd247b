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
 * What {@link Evaluate} computes, by name.
 *
 * <ul>
 *   <li>{@link #tallies()}: one {@link Tallies}: per key {@code model|sample|spec|slice} ({@code model}
 *       candidate or baseline, {@code sample} -1 for the data itself or a bootstrap sample's index)
 *       the slice's tally, and the row counts: {@code scored}, and {@code unlabelled} ones (scored,
 *       but left out of the metrics: their label is missing or not a class of the model);
 *   <li>{@link #predictions()}: the scored rows as {@link PredictionColumns} rows;
 *   <li>{@link #unscored()}: the rows the model could not score, as JSON lines with the reason ({@link
 *       UnscoredRows}), and those a reader rejected once {@link #withRejected} adds them;
 * </ul>
 *
 * <pre>{@code
 * PCollection<ExampleBatch> predictions = result.predictions();
 * }</pre>
 */
public final class EvaluationResult implements POutput {
  private final Pipeline pipeline;
  private final PCollection<Tallies> tallies;
  private final PCollection<ExampleBatch> predictions;
  private final PCollection<String> unscored;
  private final Schema predictionSchema;

  EvaluationResult(Pipeline pipeline, PCollection<Tallies> tallies, PCollection<ExampleBatch> predictions,
      PCollection<String> unscored, Schema predictionSchema) {
    this.pipeline = pipeline;
    this.tallies = tallies;
    this.predictions = predictions;
    this.unscored = unscored;
    this.predictionSchema = predictionSchema;
  }

  /** One element: every slice's tallies and the row counts, merged. */
  public PCollection<Tallies> tallies() {
    return tallies;
  }

  public PCollection<ExampleBatch> predictions() {
    return predictions;
  }

  public PCollection<String> unscored() {
    return unscored;
  }

  /**
   * This result with the rows a reader rejected before the model saw them ({@code beamline evaluate}
   * reading files) added to {@link #unscored()}, so that the dead-letter file holds every row that got
   * no prediction, and {@code metrics.json} counts them as unscored.
   */
  public EvaluationResult withRejected(PCollection<RejectedRow> rejected) {
    return new EvaluationResult(pipeline, tallies, predictions, UnscoredRows.withRejected(unscored, rejected), predictionSchema);
  }

  public Schema predictionSchema() {
    return predictionSchema;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(new TupleTag<>("tallies"), tallies, new TupleTag<>("predictions"), predictions,
        new TupleTag<>("unscored"), unscored);
  }

  @Override
  public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
}
