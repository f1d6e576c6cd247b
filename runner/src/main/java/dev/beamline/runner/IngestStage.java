package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.StageOutput;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.IngestResult;
import dev.beamline.ingest.InputFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;

/** The ingestion stage ({@link IngestExamples}) as the orchestrator sees it. */
final class IngestStage implements Stage {
  /** The artifact type of raw input files in the metadata store. */
  static final String RAW_DATA = "RAW_DATA";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final IngestExamples.Config config;

  IngestStage(IngestExamples.Config config) {
    this.config = config;
  }

  @Override
  public String name() {
    return IngestExamples.STAGE;
  }

  /** The configuration, key for key as in the YAML file, with defaults filled in. */
  @Override
  public ObjectNode parameters() {
    ObjectNode p = JSON.createObjectNode();
    p.put("input", config.input());
    p.put("format", config.format() == null ? null : config.format().name().toLowerCase());
    ObjectNode csv = p.putObject("csv");
    csv.put("delimiter", String.valueOf(config.csv().delimiter()));
    csv.put("quote", String.valueOf(config.csv().quote()));
    csv.put("header", config.csv().header());
    config.csv().nullValues().forEach(csv.putArray("null_values")::add);
    config.csv().columnNames().forEach(csv.putArray("columns")::add);
    if (config.schema() == null) {
      p.putNull("schema");
    } else {
      ObjectNode schema = p.putObject("schema");
      config.schema().features().forEach(f -> schema.put(f.name(), f.type().configName()));
    }
    p.put("infer_rows", config.inferRows());
    if (config.spans().isLatest()) {
      p.put("span", "latest");
    } else {
      p.putObject("span").put("from", config.spans().from()).put("to", config.spans().to());
    }
    ObjectNode splits = p.putObject("splits");
    config.splits().asMap().forEach(splits::put);
    p.put("partition_feature", config.splits().partitionFeature());
    p.put("max_rejected_fraction", config.maxRejectedFraction());
    p.put("shards", config.shards());
    return p;
  }

  /**
   * Each input file, fingerprinted as TFX does by its path, size and modification time, which is cheap
   * however large the data; the content SHA-256 is taken while ingesting and lands in fingerprint.json.
   */
  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    InputFiles files = InputFiles.resolve(config.input(), config.spans());
    List<Input> inputs = new ArrayList<>();
    for (InputFiles.InputFile f : files.files()) {
      long modified = 0;
      try {
        modified = Files.getLastModifiedTime(Paths.get(f.path())).toMillis();
      } catch (IOException | RuntimeException e) {
        // Not a local file: size and path alone.
      }
      String fingerprint =
          Hashing.sha256().hashString(f.path() + "\n" + f.bytes() + "\n" + modified, StandardCharsets.UTF_8).toString();
      ObjectNode props = JSON.createObjectNode().put("bytes", f.bytes()).put("modified_ms", modified);
      inputs.add(new Input("raw_data", RAW_DATA, f.path(), fingerprint, props, null));
    }
    return inputs;
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.EXAMPLES;
  }

  @Override
  public String outputRole() {
    return "examples";
  }

  @Override
  public Expanded expand(Pipeline pipeline, StageOutput output, Map<String, Upstream> upstream) {
    IngestResult result = pipeline.apply("IngestExamples", IngestExamples.from(config).to(output));
    return new Expanded(result.published(), result);
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    return IngestOutput.open(outputDir).fingerprint().get("fingerprint").asText();
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    JsonNode f = IngestOutput.open(outputDir).fingerprint();
    ObjectNode p = JSON.createObjectNode();
    p.put("rows", f.get("rows").asLong());
    p.put("rejected", f.get("rejected").asLong());
    p.set("splits", f.get("splits"));
    p.set("spans", f.get("spans"));
    p.put("format", f.get("format").asText());
    p.put("input_pattern", f.get("input_pattern").asText());
    var files = p.putArray("input_files");
    for (JsonNode file : f.get("files")) {
      files.addObject().put("path", file.get("path").asText()).put("sha256", file.get("sha256").asText()).put("rows", file.get("rows").asLong());
    }
    return p;
  }

  @Override
  public List<String> summary(Path outputDir) {
    JsonNode f = IngestOutput.open(outputDir).fingerprint();
    StringBuilder splits = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = f.get("splits").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      splits.append(splits.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().asLong());
    }
    return List.of(
        String.format(
            "%d rows (%d rejected) from %d file(s), dataset fingerprint %s",
            f.get("rows").asLong(), f.get("rejected").asLong(), f.get("files").size(), f.get("fingerprint").asText().substring(0, 16)),
        "splits: " + splits);
  }
}
