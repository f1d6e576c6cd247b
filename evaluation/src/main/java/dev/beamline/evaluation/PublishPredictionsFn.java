package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch inference's last step, once the predictions and the dead-letter lines are written: counts the
 * rows, applies the unscored-rows threshold, writes {@value WritePredictions#SUMMARY_FILE} and publishes
 * the staging folder with one rename. Above the threshold only the dead-letter folder is published, and
 * the step fails. A retried step finds its work done, or fails the threshold again.
 */
final class PublishPredictionsFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishPredictionsFn.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StageOutput output;
  private final String modelDir;
  private final double maxUnscoredFraction;
  private final PCollectionView<Long> scored;
  private final PCollectionView<List<String>> written;

  PublishPredictionsFn(StageOutput output, String modelDir, double maxUnscoredFraction, PCollectionView<Long> scored,
      PCollectionView<List<String>> written) {
    this.output = output;
    this.modelDir = modelDir;
    this.maxUnscoredFraction = maxUnscoredFraction;
    this.scored = scored;
    this.written = written;
  }

  @ProcessElement
  public void process(@Element String dir, ProcessContext c) {
    String staging = output.stagingDir();
    String deadLetter = Storage.resolve(output.dir(), WritePredictions.UNSCORED_DIR);
    long rows = c.sideInput(scored);
    if (!Storage.exists(staging) && Storage.exists(output.dir())) {
      if (Storage.exists(Storage.resolve(output.dir(), WritePredictions.SUMMARY_FILE))) {
        c.output(dir); // a retry of a step that had published
        return;
      }
      // A retry of a step that failed the threshold and published the dead letters: it fails again.
      throw tooMany(rows, UnscoredRows.count(deadLetter), deadLetter);
    }
    c.sideInput(written); // the files are complete
    Storage.deleteRecursively(Storage.resolve(staging, WriteEvaluation.SINK_TEMP_DIR));
    String unscoredDir = Storage.resolve(staging, WritePredictions.UNSCORED_DIR);
    UnscoredRows.writeEmptyIfNone(unscoredDir);
    UnscoredRows.Counts counts = UnscoredRows.count(unscoredDir);
    if (fraction(rows, counts) > maxUnscoredFraction) {
      Storage.publish(unscoredDir, deadLetter);
      Storage.deleteRecursively(staging);
      throw tooMany(rows, counts, deadLetter);
    }
    ObjectNode summary = JSON.createObjectNode();
    summary.put("model", modelDir);
    summary.put("rows", rows + counts.total());
    summary.put("scored", rows);
    summary.put("unscored", counts.unscored());
    summary.put("rejected", counts.rejected());
    summary.put("max_unscored_fraction", maxUnscoredFraction);
    Storage.writeString(output.staged(WritePredictions.SUMMARY_FILE), summary.toPrettyString());
    output.writeProvenance();
    Storage.publish(staging, output.dir());
    LOG.info("predict published {}: {} rows scored, {} unscored by the model, {} rejected by the reader", output.dir(), rows,
        counts.unscored(), counts.rejected());
    c.output(dir);
  }

  private static double fraction(long scored, UnscoredRows.Counts counts) {
    long all = scored + counts.total();
    return all == 0 ? 0 : (double) counts.total() / all;
  }

  private DataCheckException tooMany(long scored, UnscoredRows.Counts counts, String deadLetter) {
    return new DataCheckException(String.format(Locale.ROOT,
        "%d of %d rows (%.2f%%) got no prediction (%d unscored by the model, %d rejected by the reader),"
            + " more than the allowed %.2f%% (max unscored fraction %s); all are in %s",
        counts.total(), scored + counts.total(), 100 * fraction(scored, counts), counts.unscored(), counts.rejected(),
        100 * maxUnscoredFraction, maxUnscoredFraction, deadLetter));
  }
}
