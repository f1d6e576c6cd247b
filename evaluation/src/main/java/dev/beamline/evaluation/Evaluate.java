package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Evaluates a model on raw rows: batch prediction through the exported SavedModel, the path serving
 * takes ({@link ScoreExamplesFn}), then every slice's tallies merged ({@link Tallies}), for the candidate, the baseline (when given) and each bootstrap sample. The result
 * names its collections ({@link EvaluationResult}); writing and publishing them is {@link
 * WriteEvaluation}'s job.
 *
 * <pre>{@code
 * EvaluationResult r = evalRows.apply(Evaluate.of(config, true, "species", predictionSchema).withModel(modelDirView));
 * }</pre>
 */
public final class Evaluate extends PTransform<PCollection<ExampleBatch>, EvaluationResult> {
  private static final long serialVersionUID = 1L;

  private final EvaluateConfig config;
  private final boolean classification;
  private final String labelColumn;
  private final String predictionSchemaJson;
  private final PCollectionView<String> modelDir;
  private final String baselineDir;

  private Evaluate(EvaluateConfig config, boolean classification, String labelColumn, String predictionSchemaJson,
      PCollectionView<String> modelDir, String baselineDir) {
    this.config = config;
    this.classification = classification;
    this.labelColumn = labelColumn;
    this.predictionSchemaJson = predictionSchemaJson;
    this.modelDir = modelDir;
    this.baselineDir = baselineDir;
  }

  /**
   * Evaluates a classifier or a regression model whose label is computed from the raw column {@code
   * labelColumn}, writing predictions of {@code predictionSchema} ({@link PredictionColumns#schema}).
   */
  public static Evaluate of(EvaluateConfig config, boolean classification, String labelColumn, Schema predictionSchema) {
    return new Evaluate(checkNotNull(config, "config"), classification, checkNotNull(labelColumn, "labelColumn"),
        predictionSchema.toString(), null, null);
  }

  /** The model to evaluate: the one element of {@code modelDir}, known when the pipeline runs. */
  public Evaluate withModel(PCollectionView<String> modelDir) {
    return new Evaluate(config, classification, labelColumn, predictionSchemaJson, checkNotNull(modelDir, "modelDir"), baselineDir);
  }

  /** The baseline model, scored on the same rows for the change thresholds; null for none. */
  public Evaluate withBaseline(String baselineDir) {
    return new Evaluate(config, classification, labelColumn, predictionSchemaJson, modelDir, baselineDir);
  }

  @Override
  public EvaluationResult expand(PCollection<ExampleBatch> rows) {
    checkNotNull(modelDir, "Evaluate needs the model: call withModel");
    Schema predictionSchema = new Schema.Parser().parse(predictionSchemaJson);
    ScoreExamplesFn fn = new ScoreExamplesFn(modelDir, baselineDir, classification, labelColumn, config.allSlices(),
        config.bootstrapSamples(), config.seed(), predictionSchema);
    PCollectionTuple scored = rows.apply("Score", ParDo.of(fn).withSideInputs(modelDir).withOutputTags(ScoreExamplesFn.TALLIES,
        TupleTagList.of(ScoreExamplesFn.PREDICTIONS).and(ScoreExamplesFn.UNSCORED)));
    PCollection<Tallies> tallies = scored.get(ScoreExamplesFn.TALLIES)
        .setCoder(Tallies.TalliesCoder.of())
        .apply("MergeTallies", Combine.globally(new Tallies.MergeFn(classification)));
    return new EvaluationResult(rows.getPipeline(), tallies,
        scored.get(ScoreExamplesFn.PREDICTIONS).setCoder(ExampleBatch.coder(predictionSchema)),
        scored.get(ScoreExamplesFn.UNSCORED).setCoder(StringUtf8Coder.of()), predictionSchema);
  }
}
