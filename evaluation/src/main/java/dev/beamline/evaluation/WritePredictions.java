package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.crypto.EncryptingSink;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.parquet.ExampleBatchParquetSink;
import java.io.Serializable;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Writes what {@link Predict} computed into an output folder and publishes it with one rename: the
 * predictions as Parquet ({@value #PREDICTIONS_DIR}/part-*.parquet), every row without a prediction as
 * JSON lines ({@value #UNSCORED_DIR}/unscored-*.jsonl), and {@value #SUMMARY_FILE} with the counts
 * ({@link PublishPredictionsFn}). When more rows than the allowed fraction have no prediction, only the
 * dead-letter folder is published and the step fails with a {@link dev.beamline.core.DataCheckException}
 * naming the counts. The predictions and dead-letter files are written as {@link WriteEvaluation} writes
 * its own ({@link #writeFiles}).
 *
 * <pre>{@code
 * PCollection<String> published = WritePredictions.to(output).withMaxUnscoredFraction(0.01).apply(result);
 * }</pre>
 */
public final class WritePredictions implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String PREDICTIONS_DIR = WriteEvaluation.PREDICTIONS_DIR;
  public static final String UNSCORED_DIR = WriteEvaluation.UNSCORED_DIR;
  /** The counts of a published batch inference: rows scored, unscored by the model, rejected by the reader. */
  public static final String SUMMARY_FILE = "summary.json";

  private final StageOutput output;
  private final double maxUnscoredFraction;

  private WritePredictions(StageOutput output, double maxUnscoredFraction) {
    this.output = output;
    this.maxUnscoredFraction = maxUnscoredFraction;
  }

  /** Writes into {@code output}; any fraction of rows may go without a prediction. */
  public static WritePredictions to(StageOutput output) {
    return new WritePredictions(checkNotNull(output, "output"), 1.0);
  }

  /** Fails, publishing only the dead-letter folder, when more than {@code fraction} of the rows get no prediction. */
  public WritePredictions withMaxUnscoredFraction(double fraction) {
    checkArgument(fraction >= 0 && fraction <= 1, "the max unscored fraction must be in [0, 1]; got %s", fraction);
    return new WritePredictions(output, fraction);
  }

  /** Adds the writing steps for {@code result}; returns the published folder. */
  public PCollection<String> apply(PredictionResult result) {
    PCollectionView<List<String>> written =
        writeFiles(result.predictions(), result.predictionSchema(), result.unscored(), output.stagingDir());
    PCollectionView<Long> scored = result.predictions()
        .apply("ScoredRows", MapElements.into(TypeDescriptors.longs()).via((ExampleBatch b) -> (long) b.size()))
        .apply("SumScored", Sum.longsGlobally())
        .apply("ScoredView", View.asSingleton());
    return result.getPipeline()
        .apply("PredictionsDir", Create.of(output.dir()).withCoder(StringUtf8Coder.of()))
        .apply("PublishPredictions", ParDo.of(new PublishPredictionsFn(output, result.modelDir(), maxUnscoredFraction, scored, written))
            .withSideInputs(scored, written))
        .setCoder(StringUtf8Coder.of());
  }

  /**
   * Writes {@code predictions} (rows of {@code schema}) as Parquet into {@code staging}/{@value
   * #PREDICTIONS_DIR} and the {@code unscored} lines into one JSON lines file in {@code
   * staging}/{@value #UNSCORED_DIR} (none for no line: the publishing step then writes an empty one,
   * {@link UnscoredRows#writeEmptyIfNone}), the sinks' temporary files under {@code staging}/{@value
   * WriteEvaluation#SINK_TEMP_DIR}; the view lists the files written, once they all are.
   */
  static PCollectionView<List<String>> writeFiles(PCollection<ExampleBatch> predictions, Schema schema, PCollection<String> unscored,
      String staging) {
    String sinkTemp = Storage.resolve(staging, WriteEvaluation.SINK_TEMP_DIR);
    PCollection<KV<Void, String>> parquet = predictions
        .apply("WritePredictions", FileIO.<ExampleBatch>write()
            .via(EncryptingSink.of(new ExampleBatchParquetSink(schema), Storage.resolve(staging, PREDICTIONS_DIR)))
            .to(Storage.resolve(staging, PREDICTIONS_DIR))
            .withTempDirectory(Storage.resolve(sinkTemp, PREDICTIONS_DIR))
            .withPrefix("part")
            .withSuffix(".parquet"))
        .getPerDestinationOutputFilenames();
    PCollection<KV<Void, String>> lines = unscored
        .apply("WriteUnscored", FileIO.<String>write()
            .via(EncryptingSink.of(TextIO.sink(), Storage.resolve(staging, UNSCORED_DIR)))
            .to(Storage.resolve(staging, UNSCORED_DIR))
            .withTempDirectory(Storage.resolve(sinkTemp, UNSCORED_DIR))
            .withPrefix("unscored")
            .withSuffix(".jsonl")
            .withNumShards(1))
        .getPerDestinationOutputFilenames();
    return PCollectionList.of(parquet).and(lines)
        .apply("WrittenFiles", Flatten.pCollections())
        .apply("WrittenNames", Values.create())
        .apply("WrittenView", View.asList());
  }
}
