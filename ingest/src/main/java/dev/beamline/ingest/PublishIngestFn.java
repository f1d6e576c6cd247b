package dev.beamline.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.Publisher;
import dev.beamline.core.StageOutput;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of ingestion, run once all files are written: writes {@code fingerprint.json} and
 * {@code schema.avsc}, applies the rejected-rows threshold, and publishes the staging folder with one
 * atomic rename. When the data fails the threshold only the dead-letter folder is published, and the
 * step fails with a {@link DataCheckException} that quotes the first rejected rows.
 */
final class PublishIngestFn extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PublishIngestFn.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final String DEAD_LETTER_DIR = "dead_letter";
  /** The name of the one dead-letter shard (see {@code IngestExamples}: one shard, prefix and suffix). */
  static final String EMPTY_DEAD_LETTER = "rejected-00000-of-00001.jsonl";
  private static final int QUOTED_REJECTS = 5;

  private final PCollectionView<List<FileFingerprint>> fingerprints;
  private final IngestExamples.Config config;
  private final ExampleSchema schema;
  private final InputFiles inputs;
  private final StageOutput output;

  PublishIngestFn(
      PCollectionView<List<FileFingerprint>> fingerprints,
      IngestExamples.Config config,
      ExampleSchema schema,
      InputFiles inputs,
      StageOutput output) {
    this.fingerprints = fingerprints;
    this.config = config;
    this.schema = schema;
    this.inputs = inputs;
    this.output = output;
  }

  @ProcessElement
  public void process(ProcessContext c) throws IOException {
    Path staging = output.stagingPath();
    Path outputDir = output.path();
    if (!Files.exists(staging) && Files.exists(outputDir)) {
      c.output(outputDir.toString()); // A retry of a step that had already published.
      return;
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

    removeSinkTempDirs(staging);
    Path deadLetterFile = staging.resolve(DEAD_LETTER_DIR).resolve(EMPTY_DEAD_LETTER);
    if (rejected == 0 && !Files.exists(deadLetterFile)) {
      // With no rejected row no shard is written; an empty file says "none" more clearly than no file.
      Publisher.writeAtomically(deadLetterFile, new byte[0]);
    }
    Publisher.writeAtomically(staging.resolve("schema.avsc"), schema.toAvro().toString(true));
    output.writeProvenance();
    Publisher.writeAtomically(staging.resolve("fingerprint.json"), fingerprintJson(files, splits, rows, rejected));

    if (rows + rejected == 0) {
      Publisher.deleteRecursively(staging);
      throw new DataCheckException("input '" + inputs.pattern() + "' holds no rows");
    }
    double fraction = (double) rejected / (rows + rejected);
    if (fraction > config.maxRejectedFraction()) {
      Path deadLetter = outputDir.resolve(DEAD_LETTER_DIR);
      Files.createDirectories(outputDir);
      Publisher.publishDirectory(staging.resolve(DEAD_LETTER_DIR), deadLetter);
      List<String> quoted = firstRejects(deadLetter);
      Publisher.deleteRecursively(staging);
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
    Publisher.publishDirectory(staging, outputDir);
    LOG.info("ingest published {}: {} rows, {} rejected, splits {}", outputDir, rows, rejected, splits);
    c.output(outputDir.toString());
  }

  /** A written file, not a hidden one or a folder left by the file sinks. */
  static boolean isShard(Path p) {
    return Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".");
  }

  /** Removes the temporary folders that Beam's file sinks leave behind once their files are finalized. */
  private static void removeSinkTempDirs(Path staging) throws IOException {
    try (Stream<Path> paths = Files.walk(staging)) {
      for (Path p : paths.filter(x -> Files.isDirectory(x) && x.getFileName().toString().startsWith(".temp-beam")).toList()) {
        Publisher.deleteRecursively(p);
      }
    }
  }

  private static List<String> firstRejects(Path deadLetterDir) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(deadLetterDir)) {
      for (Path f : files.filter(PublishIngestFn::isShard).sorted().toList()) {
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null && out.size() < QUOTED_REJECTS; line = in.readLine()) {
            out.add(RejectedRow.fromJson(line).describe());
          }
        }
      }
    }
    return out;
  }

  private String fingerprintJson(List<FileFingerprint> files, Map<String, Long> splits, long rows, long rejected)
      throws IOException {
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
    return JSON.writeValueAsString(root) + "\n";
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
