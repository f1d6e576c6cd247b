package dev.beamline.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.RejectedRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join's last step, once every file is written: applies the bad-label-rows threshold ({@code
 * feedback.labels.max_rejected_fraction}), writes {@value JoinedTraffic#SUMMARY_FILE} and {@value
 * JoinedTraffic#SCHEMA_FILE}, and publishes the staging folder with one rename. Above the threshold only
 * the dead letters are published and the step fails, quoting the first bad rows. Rows of the request log
 * that could not be read are written to the dead letters and counted, and never fail the step: the log
 * is the server's, and what could be read of it is still worth joining. A retried step finds its work
 * done, or fails the threshold again.
 */
final class PublishJoinFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishJoinFn.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int QUOTED = 5;
  /** The names the sinks give their one shard, for a folder they wrote nothing into. */
  static final String EMPTY_DEAD_LETTER = "rejected-00000-of-00001.jsonl";
  static final String EMPTY_UNJOINED = "labels-00000-of-00001.jsonl";

  private final FeedbackInputs inputs;
  private final StageOutput output;
  private final PCollectionView<JoinCounts> counts;
  private final PCollectionView<List<FileRead>> files;
  private final PCollectionView<List<String>> written;

  PublishJoinFn(FeedbackInputs inputs, StageOutput output, PCollectionView<JoinCounts> counts, PCollectionView<List<FileRead>> files,
      PCollectionView<List<String>> written) {
    this.inputs = inputs;
    this.output = output;
    this.counts = counts;
    this.files = files;
    this.written = written;
  }

  @ProcessElement
  public void process(ProcessContext c) {
    String dir = output.dir();
    String staging = output.stagingDir();
    if (Storage.exists(dir)) {
      if (Storage.exists(staging)) {
        Storage.deleteRecursively(staging);
        throw new ConfigException("output " + dir + " exists already: run ids must not be reused");
      }
      if (Storage.exists(Storage.resolve(dir, JoinedTraffic.SUMMARY_FILE))) {
        c.output(dir); // a retry of a step that had published
        return;
      }
      // Else a retry of a step that failed the threshold, which fails it again below.
    }
    List<FileRead> read = new ArrayList<>(c.sideInput(files));
    read.sort(Comparator.comparing(FileRead::role).thenComparing(FileRead::path));
    JoinCounts all = new JoinCounts().merge(c.sideInput(counts));
    for (FileRead f : read) {
      all.add(f.role().equals(FileRead.LABELS) ? JoinCounts.REJECTED_LABELS : JoinCounts.REJECTED_REQUESTS, f.rejected());
    }
    Storage.deleteRecursively(Storage.resolve(staging, JoinedTraffic.SINK_TEMP_DIR));
    removeStaleFiles(staging, c.sideInput(written));

    long rejected = all.get(JoinCounts.REJECTED_LABELS);
    long labels = all.get(JoinCounts.LABELS) + rejected;
    double fraction = labels == 0 ? 0 : (double) rejected / labels;
    double allowed = inputs.config().labels().files().maxRejectedFraction();
    if (fraction > allowed) {
      String deadLetter = Storage.resolve(dir, JoinedTraffic.DEAD_LETTER_DIR);
      if (!Storage.exists(deadLetter)) {
        Storage.publish(Storage.resolve(staging, JoinedTraffic.DEAD_LETTER_DIR), deadLetter);
      }
      Storage.deleteRecursively(staging);
      List<String> quoted = quoted(dir);
      throw new DataCheckException(String.format(Locale.ROOT,
          "%d of %d label rows (%.2f%%) were rejected, more than the allowed %.2f%% (feedback.labels.max_rejected_fraction); all are in %s%n  %s%s",
          rejected, labels, 100 * fraction, 100 * allowed, deadLetter, String.join(System.lineSeparator() + "  ", quoted),
          rejected > quoted.size() ? System.lineSeparator() + "  ..." : ""));
    }
    writeIfNone(Storage.resolve(staging, JoinedTraffic.DEAD_LETTER_DIR), EMPTY_DEAD_LETTER);
    writeIfNone(Storage.resolve(staging, JoinedTraffic.UNJOINED_DIR), EMPTY_UNJOINED);
    Storage.writeString(Storage.resolve(staging, JoinedTraffic.SCHEMA_FILE), inputs.traffic().toAvro().toString(true));
    Storage.writeString(Storage.resolve(staging, JoinedTraffic.SUMMARY_FILE), summary(all, read));
    output.writeProvenance();
    Storage.publish(staging, dir);
    LOG.info("join_feedback published {}: {} logged rows, {} joined, {} without a label, {} labels without a request, {} rejected label rows",
        dir, all.get(JoinCounts.REQUESTS), all.get(JoinCounts.JOINED), all.get(JoinCounts.WITHOUT_LABEL), all.get(JoinCounts.ORPHAN_LABELS),
        rejected);
    c.output(dir);
  }

  private String summary(JoinCounts all, List<FileRead> read) {
    ObjectNode root = JSON.createObjectNode();
    root.put("run_id", output.runId());
    root.put("model", inputs.model());
    root.put("request_log", inputs.segments().pattern());
    ArrayNode versions = root.putArray("versions");
    inputs.versions().forEach(versions::add);
    LabelSource source = inputs.config().labels();
    ObjectNode labels = root.putObject("labels");
    labels.put("input", inputs.labelFiles().pattern());
    labels.put("key", source.key());
    labels.put("label", source.label());
    labels.put("time", source.time());
    labels.put("max_rejected_fraction", source.files().maxRejectedFraction());
    root.put("max_delay", inputs.config().maxDelay() == null ? null : DurationText.format(inputs.config().maxDelay()));
    root.set("counts", all.toJson());
    ArrayNode fileNodes = root.putArray("files");
    for (FileRead f : read) {
      fileNodes.addObject().put("role", f.role()).put("path", f.path()).put("sha256", f.sha256()).put("bytes", f.bytes())
          .put("rows", f.rows()).put("rejected", f.rejected());
    }
    ArrayNode schema = root.putArray("schema");
    for (FeatureSpec f : inputs.traffic().features()) {
      schema.addObject().put("name", f.name()).put("type", f.type().configName());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + JoinedTraffic.SUMMARY_FILE, e);
    }
  }

  /** Writes an empty {@code name} into {@code folder} when the sink wrote no shard there: an empty file says "none". */
  private static void writeIfNone(String folder, String name) {
    boolean none = !Storage.exists(folder) || Storage.list(folder).stream().allMatch(f -> Storage.fileName(f).startsWith("."));
    if (none) {
      Storage.write(Storage.resolve(folder, name), new byte[0]);
    }
  }

  /** The first bad rows, as people read them. */
  private static List<String> quoted(String dir) {
    List<String> out = new ArrayList<>();
    for (String line : JoinedTraffic.lines(dir, JoinedTraffic.DEAD_LETTER_DIR)) {
      if (out.size() == QUOTED) {
        break;
      }
      try {
        out.add(RejectedRow.fromJson(line).describe());
      } catch (IOException e) {
        out.add(line);
      }
    }
    return out;
  }

  /** Removes what an earlier, failed attempt at the same output left in {@code staging}: only this run's files are published. */
  private static void removeStaleFiles(String staging, List<String> written) {
    Set<String> keep = new HashSet<>();
    written.forEach(f -> keep.add(FileSystems.matchNewResource(f, false).toString()));
    for (String f : Storage.listRecursively(staging)) {
      if (!keep.contains(FileSystems.matchNewResource(f, false).toString())) {
        LOG.warn("join_feedback: removing {}, left in {} by an earlier attempt", f, staging);
        Storage.deleteRecursively(f);
      }
    }
  }
}
