package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.training.ServingModel;
import java.util.HashSet;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Batch inference: scores raw rows with an exported SavedModel through {@link ServingModel}, the path
 * serving and the evaluate stage take ({@link PredictFn}), without a label. Each scored row becomes a
 * predictions record of {@link PredictionColumns#answers} (the input's columns, or only the key columns,
 * then the model's answer); each row the model cannot score (a value its input cannot take) a
 * dead-letter line with the reason. Writing and publishing them is {@link WritePredictions}' job.
 *
 * <pre>{@code
 * PredictionResult r = rows.apply(Predict.of(modelDir, ServingModel.describe(modelDir), rawSchema).withKeys(List.of("id")));
 * r.apply(WritePredictions.to(output));
 * }</pre>
 */
public final class Predict extends PTransform<PCollection<ExampleBatch>, PredictionResult> {
  private static final long serialVersionUID = 1L;

  private final String modelDir;
  private final ServingModel.Description model;
  private final String rawSchemaJson;
  private final List<String> keys;

  private Predict(String modelDir, ServingModel.Description model, String rawSchemaJson, List<String> keys) {
    this.modelDir = modelDir;
    this.model = model;
    this.rawSchemaJson = rawSchemaJson;
    this.keys = keys;
  }

  /**
   * Scores rows of {@code rawSchema} with the SavedModel in {@code modelDir}, which {@code model}
   * describes ({@link ServingModel#describe(String)}); every input column is kept.
   */
  public static Predict of(String modelDir, ServingModel.Description model, Schema rawSchema) {
    return new Predict(checkNotNull(modelDir, "modelDir"), checkNotNull(model, "model"), checkNotNull(rawSchema, "rawSchema").toString(),
        List.of());
  }

  /** Keeps only the input columns {@code keys} (in the data's order) beside the answer; empty keeps them all. */
  public Predict withKeys(List<String> keys) {
    checkNotNull(keys, "keys");
    checkArgument(keys.stream().noneMatch(k -> k == null || k.isBlank()), "keys must be column names; got %s", keys);
    checkArgument(new HashSet<>(keys).size() == keys.size(), "keys must name each column once; got %s", keys);
    return new Predict(modelDir, model, rawSchemaJson, List.copyOf(keys));
  }

  /** The predictions' schema: the kept columns and the answer. */
  public Schema predictionSchema() {
    return PredictionColumns.answers(new Schema.Parser().parse(rawSchemaJson), model.classification(), keys);
  }

  /**
   * @throws IllegalArgumentException when a key is not a column of the rows, or a kept column has the
   *     name of an answer column
   */
  @Override
  public PredictionResult expand(PCollection<ExampleBatch> rows) {
    Schema predictionSchema = predictionSchema();
    PCollectionTuple scored = rows.apply("Score",
        ParDo.of(new PredictFn(modelDir, predictionSchema)).withOutputTags(PredictFn.PREDICTIONS, TupleTagList.of(PredictFn.UNSCORED)));
    return new PredictionResult(rows.getPipeline(), modelDir,
        scored.get(PredictFn.PREDICTIONS).setCoder(ExampleBatch.coder(predictionSchema)),
        scored.get(PredictFn.UNSCORED).setCoder(StringUtf8Coder.of()), predictionSchema);
  }
}
