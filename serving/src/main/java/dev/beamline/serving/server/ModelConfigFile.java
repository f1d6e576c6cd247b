package dev.beamline.serving.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.YamlFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model server's {@code --model-config} file: the models to serve, their version policies and
 * labels. Re-read by the server when it changes, so labels move without a restart.
 *
 * <pre>{@code
 * models:
 *   - name: penguins
 *     base_path: beamline-runs/serving/penguins   # relative to this file's folder
 *     version_policy: {latest: 2}                  # or: all, or {specific: [1, 2]}; default latest: 1
 *     labels: {stable: 1, canary: 2}
 * }</pre>
 *
 * Errors are {@link ConfigException}s naming the file, the line and the key.
 */
public final class ModelConfigFile {
  private ModelConfigFile() {}

  /** The file's document: public fields are its keys. */
  public static final class Doc {
    public List<ModelDoc> models;
  }

  /** One entry of {@code models}. */
  public static final class ModelDoc {
    public String name;
    public String base_path;
    public JsonNode version_policy;
    public Map<String, Long> labels;
  }

  /** Reads the file at {@code path}. */
  public static List<ModelConfig> read(Path path) {
    String text;
    try {
      text = java.nio.file.Files.readString(path);
    } catch (java.io.IOException e) {
      throw new ConfigException("cannot read the model config " + path + ": " + e.getMessage(), e);
    }
    Path dir = path.toAbsolutePath().getParent();
    return parse(text, path.toString(), dir);
  }

  /** Parses {@code text}; {@code source} names it in messages, relative base paths resolve against {@code dir}. */
  public static List<ModelConfig> parse(String text, String source, Path dir) {
    YamlFiles.Parsed<Doc> parsed = YamlFiles.read(text, source, Doc.class);
    Doc doc = parsed.value();
    if (doc.models == null || doc.models.isEmpty()) {
      throw new ConfigException(parsed.at("models") + "no models: list at least one under 'models'");
    }
    List<ModelConfig> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < doc.models.size(); i++) {
      ModelDoc m = doc.models.get(i);
      String key = "models[" + i + "]";
      String at = parsed.at("models." + i);
      if (m == null) {
        throw new ConfigException(at + key + " is empty");
      }
      int index = i;
      java.util.function.Function<String, String> atKey = k -> parsed.at("models." + index + "." + k);
      if (m.name == null || !ModelConfig.validName(m.name)) {
        throw new ConfigException(atKey.apply("name") + key + ".name: " + (m.name == null ? "missing" : "'" + m.name + "' is not a valid model name")
            + " (letters, digits, '.', '_', '-', starting with a letter or digit)");
      }
      if (!names.add(m.name)) {
        throw new ConfigException(atKey.apply("name") + "model '" + m.name + "' is listed twice");
      }
      if (m.base_path == null || m.base_path.isBlank()) {
        throw new ConfigException(atKey.apply("base_path") + key + ".base_path: missing (the folder of the model's numbered versions)");
      }
      String base = Storage.isLocal(m.base_path) && !m.base_path.startsWith("file:") ? dir.resolve(m.base_path).normalize().toString() : m.base_path;
      VersionPolicy policy = policy(m.version_policy, atKey.apply("version_policy") + key + ".version_policy: ");
      Map<String, Long> labels = new LinkedHashMap<>();
      if (m.labels != null) {
        for (Map.Entry<String, Long> l : m.labels.entrySet()) {
          if (!ModelConfig.validName(l.getKey())) {
            throw new ConfigException(atKey.apply("labels") + key + ".labels: '" + l.getKey() + "' is not a valid label");
          }
          if (l.getValue() == null || l.getValue() < 0) {
            throw new ConfigException(atKey.apply("labels." + l.getKey()) + key + ".labels." + l.getKey() + ": give a version number");
          }
          labels.put(l.getKey(), l.getValue());
        }
      }
      out.add(new ModelConfig(m.name, base, policy, labels));
    }
    return out;
  }

  private static VersionPolicy policy(JsonNode node, String at) {
    if (node == null || node.isNull()) {
      return VersionPolicy.latest(1);
    }
    if (node.isTextual() && node.asText().equals("all")) {
      return VersionPolicy.all();
    }
    if (node.isObject() && node.size() == 1) {
      String kind = node.fieldNames().next();
      JsonNode v = node.get(kind);
      switch (kind) {
        case "latest":
          if (v.isInt() && v.asInt() >= 1) {
            return VersionPolicy.latest(v.asInt());
          }
          throw new ConfigException(at + "latest: give a number of versions, at least 1 (not " + v + ")");
        case "all":
          return VersionPolicy.all();
        case "specific":
          List<Long> versions = new ArrayList<>();
          if (v.isArray() && !v.isEmpty()) {
            for (JsonNode x : v) {
              if (!x.canConvertToLong() || !x.isIntegralNumber() || x.asLong() < 0) {
                throw new ConfigException(at + "specific: " + x + " is not a version number");
              }
              versions.add(x.asLong());
            }
            return VersionPolicy.specific(versions);
          }
          throw new ConfigException(at + "specific: give a list of versions, e.g. [1, 2]");
        default:
          String closest = YamlFiles.closest(kind, List.of("latest", "all", "specific"));
          throw new ConfigException(at + "unknown policy '" + kind + "'" + (closest == null ? "" : "; did you mean '" + closest + "'?")
              + " (one of: latest: N, all, specific: [..])");
      }
    }
    throw new ConfigException(at + "one of {latest: N}, all, {specific: [..]}; not " + node);
  }
}
