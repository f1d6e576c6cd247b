package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.StageOutput;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * Writes what {@link Evaluate} computed into an output folder and publishes it with one rename: the
 * predictions as Parquet ({@value #PREDICTIONS_DIR}/), the rows that could not be scored as JSON lines
 * ({@value #UNSCORED_DIR}/), both as batch inference writes them ({@link WritePredictions#writeFiles}),
 * then {@value #METRICS_FILE}, {@value #BLESSING_FILE} and {@value #REPORT_FILE} ({@link
 * PublishEvaluationFn}). Used by the evaluate stage and by {@code beamline evaluate}.
 *
 * <pre>{@code
 * PCollection<String> published = WriteEvaluation.to(output, header).apply(result, modelDirView);
 * }</pre>
 */
public final class WriteEvaluation implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String PREDICTIONS_DIR = "predictions";
  public static final String UNSCORED_DIR = "unscored";
  public static final String METRICS_FILE = "metrics.json";
  public static final String BLESSING_FILE = "blessing.json";
  public static final String REPORT_FILE = "report.html";
  /** Where the file sinks keep their temporary files inside the staging folder; removed before publishing. */
  static final String SINK_TEMP_DIR = ".sink-temp";

  private final StageOutput output;
  private final EvaluateConfig config;
  private final EvaluationDocument.Header header;

  private WriteEvaluation(StageOutput output, EvaluateConfig config, EvaluationDocument.Header header) {
    this.output = output;
    this.config = config;
    this.header = header;
  }

  /**
   * Writes into {@code output}; {@code header} says what is evaluated (its model URI and fingerprint
   * and the counts are filled in when the pipeline runs).
   */
  public static WriteEvaluation to(StageOutput output, EvaluateConfig config, EvaluationDocument.Header header) {
    return new WriteEvaluation(checkNotNull(output, "output"), checkNotNull(config, "config"), checkNotNull(header, "header"));
  }

  /** Adds the writing steps for {@code result} of the model {@code modelDir}; returns the published folder. */
  public PCollection<String> apply(EvaluationResult result, PCollectionView<String> modelDir) {
    PCollectionView<List<String>> written =
        WritePredictions.writeFiles(result.predictions(), result.predictionSchema(), result.unscored(), output.stagingDir());
    PCollectionView<Tallies> tallies = result.tallies().apply("TalliesView", View.asSingleton());
    return result.getPipeline()
        .apply("EvaluationDir", Create.of(output.dir()).withCoder(StringUtf8Coder.of()))
        .apply("PublishEvaluation", ParDo.of(new PublishEvaluationFn(output, config, header, modelDir, tallies, written))
            .withSideInputs(modelDir, tallies, written))
        .setCoder(StringUtf8Coder.of());
  }
}
