package dev.beamline.evaluation;

import dev.beamline.core.ExampleBatch;
import dev.beamline.training.ServingModel;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Scores batches of raw rows with a SavedModel through {@link ServingModel} (loaded once per worker,
 * {@link LoadedModels}): each batch's scored rows as one batch of predictions records ({@link
 * PredictionRows}), each row the model could not score as a dead-letter line ({@link UnscoredRows}).
 */
final class PredictFn extends DoFn<ExampleBatch, ExampleBatch> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<ExampleBatch> PREDICTIONS = new TupleTag<>() {};
  static final TupleTag<String> UNSCORED = new TupleTag<>() {};

  private final String modelDir;
  private final String predictionSchemaJson;
  private final Counter scoredRows = Metrics.counter("beamline.predict", "scored");
  private final Counter unscoredRows = Metrics.counter("beamline.predict", "unscored");

  private transient ServingModel model;
  private transient PredictionRows rows;

  PredictFn(String modelDir, Schema predictionSchema) {
    this.modelDir = modelDir;
    this.predictionSchemaJson = predictionSchema.toString();
  }

  @Setup
  public void setup() {
    model = LoadedModels.acquire(modelDir);
    rows = new PredictionRows(new Schema.Parser().parse(predictionSchemaJson), model.description());
  }

  @ProcessElement
  public void process(@Element ExampleBatch batch, MultiOutputReceiver out) {
    List<GenericRecord> in = batch.examples();
    ServingModel.Scores scores = model.score(in);
    List<GenericRecord> predicted = new ArrayList<>(in.size());
    for (int i = 0; i < in.size(); i++) {
      if (scores.scored(i)) {
        predicted.add(rows.of(in.get(i), scores, i));
      } else {
        out.get(UNSCORED).output(UnscoredRows.unscored(in.get(i), scores.error(i)));
      }
    }
    scoredRows.inc(predicted.size());
    unscoredRows.inc(in.size() - predicted.size());
    if (!predicted.isEmpty()) {
      out.get(PREDICTIONS).output(ExampleBatch.of(predicted));
    }
  }

  @Teardown
  public void teardown() {
    if (model != null) {
      LoadedModels.release(modelDir);
      model = null;
    }
  }
}
