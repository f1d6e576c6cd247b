package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beamline.core.ConfigException;
import dev.beamline.core.crypto.EncryptionConfig;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.StageFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a pipeline configuration file (YAML) into a {@link PipelineSpec}.
 *
 * <p>The {@code pipeline:} section is the runner's own; every other top-level section belongs to the
 * {@link StageFactory} registered for it ({@link StageRegistry}), which binds it and makes its stages.
 * Strict: an unknown or misspelled key, a value of the wrong type, or a value out of range is rejected
 * with a message naming the file, the line and the key (and the closest known key for a misspelling).
 * Relative paths in the file are relative to the file's folder. The format is documented in the README.
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineYaml.load(Paths.get("examples/penguins/pipeline.yaml"));
 * }</pre>
 */
public final class PipelineYaml {
  /** The runner's own section's key. */
  static final String PIPELINE = "pipeline";

  private PipelineYaml() {}

  /** {@code pipeline:} */
  public static final class PipelineDoc {
    public String name;
    public String root;
    public String metadata;
    public EncryptionDoc encryption;
  }

  /** {@code pipeline.encryption:} */
  public static final class EncryptionDoc {
    public String keyset;
    public String master_key_env;
  }

  /** Reads {@code file}. */
  public static PipelineSpec load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("pipeline file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException("cannot read pipeline file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString(), file.toAbsolutePath().getParent());
  }

  /**
   * Reads the YAML {@code text}; {@code source} names it in messages and {@code baseDir} anchors its
   * relative paths.
   */
  public static PipelineSpec parse(String text, String source, Path baseDir) {
    YamlFiles.Parsed<JsonNode> doc = YamlFiles.read(text, source, JsonNode.class);
    JsonNode root = doc.value();
    if (!root.isObject()) {
      throw new ConfigException(source + ": expected sections such as 'pipeline:' and 'ingest:', got " + root.getNodeType());
    }
    Map<String, StageFactory> factories = StageRegistry.factories();
    List<String> known = new ArrayList<>(factories.keySet());
    known.add(PIPELINE);
    known.sort(null);
    // Every mistake of the file at once, one per line: each section is read even when another failed.
    List<String> errors = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        String closest = YamlFiles.closest(key, known);
        errors.add(
            doc.at(key) + "unknown key '" + key + "'" + (closest == null ? "" : "; did you mean '" + closest + "'?")
                + " (known keys here: " + String.join(", ", known) + ")");
      }
    }
    PipelineSpec spec = null;
    try {
      spec = pipelineSection(doc, source, baseDir);
    } catch (ConfigException e) {
      errors.add(e.getMessage());
    }
    // Sections in the file's order; the runner orders their stages by what they consume and produce.
    List<dev.beamline.core.stage.Stage<?>> stages = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals(PIPELINE) && factories.containsKey(key)) {
        try {
          stages.addAll(factories.get(key).create(section(doc, key, baseDir)));
        } catch (ConfigException e) {
          errors.add(e.getMessage());
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), errors));
    }
    return spec.withStages(stages);
  }

  /** The runner's own {@code pipeline:} section: name, root and metadata store. */
  private static PipelineSpec pipelineSection(YamlFiles.Parsed<JsonNode> doc, String source, Path baseDir) {
    JsonNode root = doc.value();
    PipelineDoc p = root.hasNonNull(PIPELINE) ? section(doc, PIPELINE, baseDir).bind(PipelineDoc.class) : null;
    if (p == null || p.name == null) {
      throw new ConfigException(source + ": 'pipeline.name' is required");
    }
    ConfigSection pipeline = section(doc, PIPELINE, baseDir);
    PipelineSpec spec = pipeline.check("name", () -> PipelineSpec.named(p.name));
    if (p.root != null) {
      spec = spec.withRoot(pipeline.path(p.root));
    }
    if (p.metadata != null) {
      String url = p.metadata;
      if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
        throw pipeline.error("metadata", "'pipeline.metadata' must be a jdbc:sqlite: or jdbc:postgresql: URL, got '" + url + "'");
      }
      if (url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:sqlite:/")) {
        url = "jdbc:sqlite:" + baseDir.resolve(url.substring("jdbc:sqlite:".length())).normalize();
      }
      spec = spec.withMetadataUrl(url);
    }
    if (p.encryption != null) {
      if (p.encryption.keyset == null) {
        throw pipeline.error("encryption", "'pipeline.encryption.keyset' is required: the Tink keyset file (`beamline keyset create` makes one)");
      }
      String keyset = pipeline.path(p.encryption.keyset).toString();
      spec = spec.withEncryption(pipeline.check("encryption", () -> new EncryptionConfig(keyset, p.encryption.master_key_env)));
    }
    return spec;
  }

  /** The section {@code key} of {@code doc}; an empty section ({@code validation:}) takes every default. */
  private static ConfigSection section(YamlFiles.Parsed<JsonNode> doc, String key, Path baseDir) {
    JsonNode node = doc.value().get(key);
    if (node == null || node.isNull()) {
      node = JsonNodeFactory.instance.objectNode();
    }
    return new ConfigSection(key, node, doc.source(), doc.lines(), baseDir, doc.value());
  }
}
