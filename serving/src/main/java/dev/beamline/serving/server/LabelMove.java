package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.YamlFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Moves a label of a model in the server's {@code --model-config} file ({@link ModelConfigFile}) to the
 * version another label points at, as {@code beamline promote <model> --label canary --to stable} does:
 * afterwards {@code stable} serves the canary's version and {@code canary} is left where it was (both
 * name the same version until the next canary is deployed), so clients that call either label keep
 * being answered. The file is edited in place, only the version number of the moved label changing (or
 * one entry added when the label is new), so comments and every other key stay as they were; the new
 * text is parsed back and checked before it replaces the file, through a temporary file and one atomic
 * rename, so the server, which polls the file, never reads half of it.
 *
 * <pre>{@code
 * LabelMove.Moved m = LabelMove.of("penguins", "canary", "stable").apply(Path.of("models.yaml"));
 * m.version();          // the canary's version, which stable now names
 * m.previousVersion();  // what stable named before, or null
 * }</pre>
 *
 * @param model the model whose label moves
 * @param from the label whose version is taken
 * @param to the label that moves (created if the model has none by that name)
 */
public record LabelMove(String model, String from, String to) {
  public LabelMove {
    checkArgument(ModelConfig.validName(model), "model must be a model name, got '%s'", model);
    checkArgument(ModelConfig.validName(from), "the label to promote must be a label name, got '%s'", from);
    checkArgument(ModelConfig.validName(to), "the label to move must be a label name, got '%s'", to);
    checkArgument(!from.equals(to), "the labels must differ, both are '%s'", from);
  }

  public static LabelMove of(String model, String from, String to) {
    return new LabelMove(model, from, to);
  }

  /**
   * A label moved.
   *
   * @param version the version {@code to} names now (the one {@code from} names)
   * @param versionDir that version's folder
   * @param previousVersion the version {@code to} named before, null when it is new
   * @param labels the model's labels afterwards
   * @param text the file's new text
   * @param commentsKept whether the file was edited in place (else it was written anew, without its comments)
   */
  public record Moved(String model, String from, String to, long version, String versionDir, Long previousVersion, Map<String, Long> labels,
      String text, boolean commentsKept) {}

  /**
   * Moves the label in the file at {@code file} and replaces the file atomically.
   *
   * @throws ConfigException when the file does not parse, has no such model or no label {@code from}, or
   *     {@code to} names that version already
   */
  public Moved apply(Path file) {
    checkNotNull(file, "file");
    String text = read(file);
    Moved m = edit(text, file.toString(), file.toAbsolutePath().getParent());
    write(file, m.text());
    return m;
  }

  /** The move applied to {@code text} (named {@code source} in messages; relative base paths against {@code dir}). */
  public Moved edit(String text, String source, Path dir) {
    List<ModelConfig> models = ModelConfigFile.parse(text, source, dir);
    ModelConfig m = find(models, source);
    Long version = m.labels().get(from);
    if (version == null) {
      throw new ConfigException(source + ": model '" + model + "' has no label '" + from + "'"
          + (m.labels().isEmpty() ? "; it has no labels" : "; its labels: " + labelText(m.labels())));
    }
    String versionDir = Storage.resolve(m.basePath(), Long.toString(version));
    if (!Storage.exists(versionDir)) {
      throw new ConfigException(source + ": label '" + from + "' of model '" + model + "' names version " + version + ", which is not in "
          + m.basePath() + " (no folder " + versionDir + "): the server could not serve it under '" + to + "'");
    }
    return change(text, source, dir, models, m, version, versionDir, ", as '" + from + "' does");
  }

  /**
   * Points label {@code to} at {@code version} in the file at {@code file} (the label {@code from} is not
   * read), as the push stage labels a version it has just pushed; replaces the file atomically.
   *
   * @throws ConfigException when the file does not parse, has no such model, has no folder of that
   *     version under the model's base path, or {@code to} names that version already
   */
  public Moved applyTo(Path file, long version) {
    checkNotNull(file, "file");
    String text = read(file);
    String source = file.toString();
    Path dir = file.toAbsolutePath().getParent();
    List<ModelConfig> models = ModelConfigFile.parse(text, source, dir);
    ModelConfig m = find(models, source);
    String versionDir = Storage.resolve(m.basePath(), Long.toString(version));
    if (!Storage.exists(versionDir)) {
      throw new ConfigException(source + ": model '" + model + "' has no version " + version + " in " + m.basePath() + " (no folder " + versionDir
          + "): the server could not serve it under '" + to + "'");
    }
    Moved moved = change(text, source, dir, models, m, version, versionDir, "");
    write(file, moved.text());
    return moved;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read the model config " + file + ": " + e.getMessage(), e);
    }
  }

  private ModelConfig find(List<ModelConfig> models, String source) {
    return models.stream().filter(c -> c.name().equals(model)).findFirst().orElseThrow(() -> new ConfigException(
        source + ": no model '" + model + "'; models there: " + String.join(", ", new TreeSet<>(models.stream().map(ModelConfig::name).toList()))));
  }

  private Moved change(String text, String source, Path dir, List<ModelConfig> models, ModelConfig m, long version, String versionDir, String asFrom) {
    Long previous = m.labels().get(to);
    if (previous != null && previous == version) {
      throw new ConfigException(source + ": label '" + to + "' of model '" + model + "' names version " + version + " already" + asFrom + ": nothing to move");
    }
    Map<String, Long> expected = new LinkedHashMap<>(m.labels());
    expected.put(to, version);
    Map<String, Map<String, Long>> wanted = new LinkedHashMap<>();
    models.forEach(c -> wanted.put(c.name(), c.labels()));
    wanted.put(model, Map.copyOf(expected));
    String edited;
    try {
      edited = editInPlace(text, version);
    } catch (RuntimeException e) {
      // A layout the in-place edit does not know (tags, complex keys): the file is written anew instead.
      edited = null;
    }
    // Checked on every model: an edit is kept only when it changed that one label and nothing else.
    boolean kept = edited != null && allLabels(edited, source, dir).equals(wanted);
    if (!kept) {
      edited = rewrite(text, version);
    }
    Map<String, Map<String, Long>> after = allLabels(edited, source, dir);
    if (!after.equals(wanted)) {
      throw new IllegalStateException("moving label '" + to + "' of model '" + model + "' in " + source + " gave labels " + after + ", not "
          + wanted);
    }
    return new Moved(model, from, to, version, versionDir, previous, new TreeMap<>(expected), edited, kept);
  }

  private static Map<String, Map<String, Long>> allLabels(String text, String source, Path dir) {
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    ModelConfigFile.parse(text, source, dir).forEach(c -> out.put(c.name(), c.labels()));
    return out;
  }

  /**
   * The text with only the label's version number replaced, or its entry added after the last label:
   * offsets come from SnakeYAML's nodes (in code points, hence the conversion). Null when the layout is
   * one this does not edit (no {@code labels} key at all).
   */
  private String editInPlace(String text, long version) {
    Node root = new Yaml().compose(new StringReader(text));
    MappingNode labels = null;
    for (Node entry : ((SequenceNode) value((MappingNode) root, "models")).getValue()) {
      MappingNode e = (MappingNode) entry;
      Node name = value(e, "name");
      if (name instanceof ScalarNode s && s.getValue().equals(model)) {
        Node l = value(e, "labels");
        labels = l instanceof MappingNode mn ? mn : null;
      }
    }
    if (labels == null) {
      return null;
    }
    List<NodeTuple> entries = labels.getValue();
    for (NodeTuple t : entries) {
      if (((ScalarNode) t.getKeyNode()).getValue().equals(to)) {
        int start = offset(text, t.getValueNode().getStartMark().getIndex());
        int end = offset(text, t.getValueNode().getEndMark().getIndex());
        return text.substring(0, start) + version + text.substring(end);
      }
    }
    String entry = to + ": " + version;
    if (labels.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
      int close = text.lastIndexOf('}', offset(text, labels.getEndMark().getIndex()));
      return close < 0 ? null : text.substring(0, close) + (entries.isEmpty() ? entry : ", " + entry) + text.substring(close);
    }
    if (entries.isEmpty()) {
      return null;
    }
    NodeTuple last = entries.get(entries.size() - 1);
    // A line of its own after the last entry's line, so a comment ending that line stays with it.
    int end = text.indexOf('\n', offset(text, last.getValueNode().getEndMark().getIndex()));
    String newline = text.contains("\r\n") ? "\r\n" : "\n";
    String indent = " ".repeat(entries.get(0).getKeyNode().getStartMark().getColumn());
    return end < 0 ? text + newline + indent + entry + newline : text.substring(0, end + 1) + indent + entry + newline + text.substring(end + 1);
  }

  /** The file written anew by Jackson with the label set: every key kept, comments lost. */
  private String rewrite(String text, long version) {
    try {
      JsonNode doc = YamlFiles.YAML.readTree(text);
      for (JsonNode e : doc.path("models")) {
        if (model.equals(e.path("name").asText())) {
          JsonNode labels = e.get("labels");
          ObjectNode l = labels instanceof ObjectNode o ? o : ((ObjectNode) e).putObject("labels");
          l.put(to, version);
        }
      }
      return YamlFiles.YAML.writeValueAsString(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Node value(MappingNode map, String key) {
    for (NodeTuple t : map.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return t.getValueNode();
      }
    }
    return null;
  }

  /** The char offset of code point {@code index}. */
  private static int offset(String text, int index) {
    return text.offsetByCodePoints(0, index);
  }

  private static String labelText(Map<String, Long> labels) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(labels).forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(" -> ").append(v));
    return b.toString();
  }

  /** Replaces {@code file} with {@code text}: a temporary file beside it, then one atomic rename. */
  static void write(Path file, String text) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
      Files.writeString(tmp, text);
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace the model config " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The rename failed already; that error is the one reported.
        }
      }
    }
  }
}
