package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.evaluation.report.EvaluationReport;
import dev.beamline.training.PrivacyGuarantee;
import dev.beamline.training.ServingModel;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation's last step, once the predictions and the unscored rows are written: builds {@code
 * metrics.json} (with the model's and the baseline's differential-privacy guarantee, read from their
 * {@code model.json}) and the blessing ({@link EvaluationDocument}), renders the report, and publishes the
 * staging folder with one rename. A retried step that had published finds its work done.
 */
final class PublishEvaluationFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishEvaluationFn.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StageOutput output;
  private final EvaluateConfig config;
  private final EvaluationDocument.Header header;
  private final PCollectionView<String> modelDir;
  private final PCollectionView<Tallies> tallies;
  private final PCollectionView<List<String>> written;

  PublishEvaluationFn(StageOutput output, EvaluateConfig config, EvaluationDocument.Header header, PCollectionView<String> modelDir,
      PCollectionView<Tallies> tallies, PCollectionView<List<String>> written) {
    this.output = output;
    this.config = config;
    this.header = header;
    this.modelDir = modelDir;
    this.tallies = tallies;
    this.written = written;
  }

  @ProcessElement
  public void process(@Element String dir, ProcessContext c) throws Exception {
    if (output.isPublished()) {
      c.output(dir); // a retry of a step that had published
      return;
    }
    c.sideInput(written); // the files are complete
    String model = c.sideInput(modelDir);
    Tallies all = c.sideInput(tallies);
    Map<String, Serializable> byKey = all.metrics();
    String fingerprint = FolderFingerprint.sha256(model, rel -> rel.equals("saved_model.pb") || rel.startsWith("variables"));
    String staging = output.stagingDir();
    // The rows the model could not score and those the reader rejected (beamline evaluate) alike.
    String unscoredDir = Storage.resolve(staging, WriteEvaluation.UNSCORED_DIR);
    UnscoredRows.writeEmptyIfNone(unscoredDir);
    long unscored = UnscoredRows.count(unscoredDir).total();
    EvaluationDocument.Header h = new EvaluationDocument.Header(model, fingerprint, header.baselineUri(), header.baselineArtifactId(),
        header.task(), header.label(), header.dataUri(), header.split(), all.count(ScoreExamplesFn.SCORED), unscored,
        all.count(ScoreExamplesFn.UNLABELLED));
    List<String> classes = ServingModel.describe(model).classes();
    PrivacyGuarantee baselinePrivacy = h.baselineUri() == null ? null : PrivacyGuarantee.ofModel(h.baselineUri());
    EvaluationDocument.Built built = EvaluationDocument.build(h, config, classes, byKey, PrivacyGuarantee.ofModel(model), baselinePrivacy);
    String metricsJson = built.metrics().toPrettyString();
    JsonNode blessing = built.blessing().toJson();
    Storage.deleteRecursively(Storage.resolve(staging, WriteEvaluation.SINK_TEMP_DIR));
    Storage.writeString(output.staged(WriteEvaluation.METRICS_FILE), metricsJson);
    Storage.writeString(output.staged(WriteEvaluation.BLESSING_FILE), blessing.toPrettyString());
    Storage.writeString(output.staged(WriteEvaluation.REPORT_FILE), EvaluationReport.render(built.metrics(), blessing));
    output.writeProvenance();
    Storage.publish(staging, output.dir());
    LOG.info("evaluate published {}: {} rows scored, {} unscored, {}", output.dir(), h.scored(), h.unscored(),
        built.blessing().blessed() ? "BLESSED" : "NOT BLESSED");
    c.output(dir);
  }
}
