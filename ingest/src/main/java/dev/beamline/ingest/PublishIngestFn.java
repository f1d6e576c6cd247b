package dev.beamline.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of ingestion, run once all files are written: writes {@code fingerprint.json} and
 * {@code schema.avsc}, applies the rejected-rows threshold, and publishes the staging folder with one
 * atomic rename. When the data fails the threshold only the dead-letter folder is published, and the
 * step fails with a {@link DataCheckException} that quotes the first rejected rows. Every file goes
 * through {@link Storage}, so any file system Beam supports works.
 */
final class PublishIngestFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishIngestFn.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final String EXAMPLES_DIR = "examples";
  static final String DEAD_LETTER_DIR = "dead_letter";
  static final String FINGERPRINT_FILE = "fingerprint.json";
  static final String SCHEMA_FILE = "schema.avsc";
  /** The folder in staging where the file sinks keep their temporary files; removed before publishing. */
  static final String SINK_TEMP_DIR = ".sink-temp";
  /** The name of the one dead-letter shard (see {@code IngestExamples}: one shard, prefix and suffix). */
  static final String EMPTY_DEAD_LETTER = "rejected-00000-of-00001.jsonl";
  private static final int QUOTED_REJECTS = 5;

  private final PCollectionView<List<FileFingerprint>> fingerprints;
  private final PCollectionView<List<String>> written;
  private final IngestExamples.Config config;
  private final ExampleSchema schema;
  private final InputFiles inputs;
  private final StageOutput output;

  /**
   * @param fingerprints the fingerprint of every input file
   * @param written every file the sinks wrote into staging: anything else there is left from an
   *     earlier attempt at the same output, and removed
   */
  PublishIngestFn(
      PCollectionView<List<FileFingerprint>> fingerprints,
      PCollectionView<List<String>> written,
      IngestExamples.Config config,
      ExampleSchema schema,
      InputFiles inputs,
      StageOutput output) {
    this.fingerprints = fingerprints;
    this.written = written;
    this.config = config;
    this.schema = schema;
    this.inputs = inputs;
    this.output = output;
  }

  @ProcessElement
  public void process(ProcessContext c) {
    String outputDir = output.dir();
    String staging = Storage.stagingOf(outputDir);
    if (Storage.exists(outputDir)) {
      if (Storage.exists(staging)) {
        // This run wrote its files, so the output is another run's.
        Storage.deleteRecursively(staging);
        throw new ConfigException("output " + outputDir + " exists already: run ids must not be reused");
      }
      if (Storage.exists(Storage.resolve(outputDir, FINGERPRINT_FILE))) {
        c.output(outputDir); // A retry of a step that had already published.
        return;
      }
      // Else a retry of a step that failed the threshold below, and fails it again.
    }
    List<FileFingerprint> files = new ArrayList<>(c.sideInput(fingerprints));
    files.sort(Comparator.comparing(FileFingerprint::path));
    Map<String, Long> splits = new java.util.LinkedHashMap<>();
    List<String> names = config.splits().names();
    for (int i = 0; i < names.size(); i++) {
      int split = i;
      splits.put(names.get(i), files.stream().mapToLong(f -> f.splitRows().get(split)).sum());
    }
    long rows = files.stream().mapToLong(FileFingerprint::rows).sum();
    long rejected = files.stream().mapToLong(FileFingerprint::rejected).sum();

    Storage.deleteRecursively(Storage.resolve(staging, SINK_TEMP_DIR));
    removeStaleFiles(staging, c.sideInput(written));
    if (rows + rejected == 0) {
      Storage.deleteRecursively(staging);
      throw new DataCheckException("input '" + inputs.pattern() + "' holds no rows");
    }
    double fraction = (double) rejected / (rows + rejected);
    if (fraction > config.maxRejectedFraction()) {
      String deadLetter = Storage.resolve(outputDir, DEAD_LETTER_DIR);
      if (!Storage.exists(deadLetter)) { // Else a retry of this step has published them already.
        Storage.publish(Storage.resolve(staging, DEAD_LETTER_DIR), deadLetter);
      }
      Storage.deleteRecursively(staging);
      List<String> quoted = firstRejects(deadLetter);
      throw new DataCheckException(
          String.format(
              "%d of %d rows (%.2f%%) were rejected, more than the allowed %.2f%% (ingest.max_rejected_fraction);"
                  + " all are in %s%n  %s%s",
              rejected,
              rows + rejected,
              100 * fraction,
              100 * config.maxRejectedFraction(),
              deadLetter,
              String.join(System.lineSeparator() + "  ", quoted),
              rejected > quoted.size() ? System.lineSeparator() + "  ..." : ""));
    }
    String deadLetterFile = Storage.resolve(staging, DEAD_LETTER_DIR + "/" + EMPTY_DEAD_LETTER);
    if (rejected == 0 && !Storage.exists(deadLetterFile)) {
      // With no rejected row no shard may be written; an empty file says "none" more clearly than no file.
      Storage.write(deadLetterFile, new byte[0]);
    }
    Storage.writeString(Storage.resolve(staging, SCHEMA_FILE), schema.toAvro().toString(true));
    if (output.provenanceJson() != null) {
      Storage.writeString(Storage.resolve(staging, StageOutput.PROVENANCE_FILE), output.provenanceJson());
    }
    Storage.writeString(Storage.resolve(staging, FINGERPRINT_FILE), fingerprintJson(files, splits, rows, rejected));
    Storage.publish(staging, outputDir);
    LOG.info("ingest published {}: {} rows, {} rejected, splits {}", outputDir, rows, rejected, splits);
    c.output(outputDir);
  }

  /** A written file: not a hidden one, such as a sink's or {@link Storage#write}'s temporary file. */
  static boolean isShard(String uri) {
    return !Storage.fileName(uri).startsWith(".");
  }

  /**
   * Removes every file in {@code staging} that the sinks of this run did not write ({@code written}):
   * shards left by an earlier, failed attempt at the same output must not be published with these.
   */
  private static void removeStaleFiles(String staging, List<String> written) {
    Set<String> keep = new HashSet<>();
    written.forEach(f -> keep.add(canonical(f)));
    List<ResourceId> stale = new ArrayList<>();
    for (String f : Storage.listRecursively(staging)) {
      if (!keep.contains(canonical(f))) {
        stale.add(FileSystems.matchNewResource(f, false));
      }
    }
    if (stale.isEmpty()) {
      return;
    }
    LOG.warn("ingest: removing {} file(s) left in {} by an earlier attempt", stale.size(), staging);
    try {
      FileSystems.delete(stale, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + staging + ": " + e.getMessage(), e);
    }
  }

  /** {@code uri} as Beam names the resource, so that a path and its {@code file:} form compare equal. */
  private static String canonical(String uri) {
    return FileSystems.matchNewResource(uri, false).toString();
  }

  private static List<String> firstRejects(String deadLetterDir) {
    List<String> out = new ArrayList<>();
    for (String f : Storage.list(deadLetterDir)) {
      if (!isShard(f)) {
        continue;
      }
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(
                  Storage.open(f), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null && out.size() < QUOTED_REJECTS; line = in.readLine()) {
          out.add(RejectedRow.fromJson(line).describe());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private String fingerprintJson(List<FileFingerprint> files, Map<String, Long> splits, long rows, long rejected) {
    ObjectNode root = JSON.createObjectNode();
    root.put("run_id", output.runId());
    root.put("input_pattern", inputs.pattern());
    root.put("format", config.format(inputs).name().toLowerCase());
    ArrayNode spans = root.putArray("spans");
    inputs.spans().forEach((span, version) -> {
      ObjectNode s = spans.addObject();
      s.put("span", span);
      if (version == null) {
        s.putNull("version");
      } else {
        s.put("version", version);
      }
    });
    root.put("rows", rows);
    root.put("rejected", rejected);
    ObjectNode splitNode = root.putObject("splits");
    for (String name : config.splits().names()) {
      splitNode.put(name, splits.getOrDefault(name, 0L));
    }
    root.put("fingerprint", datasetFingerprint(files));
    ArrayNode fileNodes = root.putArray("files");
    for (FileFingerprint f : files) {
      ObjectNode n = fileNodes.addObject();
      n.put("path", f.path());
      n.put("sha256", f.sha256());
      n.put("bytes", f.bytes());
      n.put("rows", f.rows());
      n.put("rejected", f.rejected());
    }
    ArrayNode features = root.putArray("schema");
    for (FeatureSpec f : schema.features()) {
      features.addObject().put("name", f.name()).put("type", f.type().configName());
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write fingerprint.json", e);
    }
  }

  /**
   * The dataset's fingerprint: SHA-256 over the sorted SHA-256s of its files' contents, so that it
   * depends on the bytes read and not on where the files lie.
   */
  static String datasetFingerprint(List<FileFingerprint> files) {
    List<String> hashes = files.stream().map(FileFingerprint::sha256).sorted().toList();
    return com.google.common.hash.Hashing.sha256()
        .hashString(String.join("\n", hashes), StandardCharsets.UTF_8)
        .toString();
  }
}
