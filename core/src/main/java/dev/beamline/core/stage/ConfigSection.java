package dev.beamline.core.stage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One top-level section of a pipeline file (e.g. {@code ingest:}), handed to the {@link StageFactory}
 * that owns it: binds it strictly to the stage's document type and turns refused values into messages
 * that name the file, the line and the dotted key.
 *
 * <pre>{@code
 * IngestDoc d = section.bind(IngestDoc.class);
 * InputFormat f = section.check("format", () -> InputFormat.parse(d.format));
 * String input = section.path(d.input);   // relative to the pipeline file's folder
 * }</pre>
 */
public final class ConfigSection {
  private final String name;
  private final JsonNode node;
  private final String source;
  private final Map<String, Integer> lines;
  private final Path baseDir;
  /** The whole file, for {@link #sibling}; null when the section stands alone. */
  private final JsonNode document;

  /**
   * @param name the section's key
   * @param node its content
   * @param source the file's name, for messages
   * @param lines the file's key index ({@link YamlFiles#lineIndex})
   * @param baseDir the folder relative paths are resolved against
   */
  public ConfigSection(String name, JsonNode node, String source, Map<String, Integer> lines, Path baseDir) {
    this(name, node, source, lines, baseDir, null);
  }

  /**
   * A section of the file whose whole content is {@code document}, so that the stage may read the
   * other sections it depends on ({@link #sibling}).
   */
  public ConfigSection(String name, JsonNode node, String source, Map<String, Integer> lines, Path baseDir, JsonNode document) {
    this.name = name;
    this.node = node;
    this.source = source;
    this.lines = lines;
    this.baseDir = baseDir;
    this.document = document;
  }

  /**
   * Another top-level section of the same file, read-only, with the same messages: for a stage whose
   * configuration builds on another's (the tune stage's trials start from the {@code train:}
   * section). Empty when the file has no such section.
   */
  public java.util.Optional<ConfigSection> sibling(String key) {
    JsonNode other = document == null ? null : document.get(key);
    if (other == null || other.isNull()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ConfigSection(key, other, source, lines, baseDir, document));
  }

  /**
   * The part {@code key} of this section as a section of its own, named by its dotted key ({@code
   * feedback.labels}) so that its messages name the right line and key: for a section that embeds
   * another's shape (the label files of {@code feedback:} are bound as {@code ingest:} binds its input).
   * An absent or null part is an empty one.
   */
  public ConfigSection child(String key) {
    JsonNode part = node.get(key);
    if (part == null || part.isNull()) {
      part = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    return new ConfigSection(name + "." + key, part, source, lines, baseDir, document);
  }

  /** The section's content as written (a copy), e.g. to merge values into and bind again. */
  public JsonNode node() {
    return node.deepCopy();
  }

  /** The same section with {@code content} instead of its own (values merged in), for binding again. */
  public ConfigSection withContent(JsonNode content) {
    return new ConfigSection(name, content, source, lines, baseDir, document);
  }

  /** The section's key in the file. */
  public String name() {
    return name;
  }

  /** Binds the section to {@code type}, refusing unknown keys and values of the wrong type. */
  public <T> T bind(Class<T> type) {
    List<String> unknown = YamlFiles.unknownKeys(node, type, source, name, lines);
    if (!unknown.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), unknown));
    }
    T value = YamlFiles.bind(node, type, source, name, lines);
    if (value == null) {
      throw new ConfigException(at("") + "'" + name + "' is empty");
    }
    return value;
  }

  /** {@code "<file> line <n>: "} for {@code key} inside this section (or its nearest enclosing key). */
  public String at(String key) {
    return new YamlFiles.Parsed<>(null, source, lines).at(key.isEmpty() ? name : name + "." + key);
  }

  /** The dotted key of {@code key} inside this section, as messages name it. */
  public String key(String key) {
    return key.isEmpty() ? name : name + "." + key;
  }

  /** A configuration error about {@code key} inside this section. */
  public ConfigException error(String key, String message) {
    return new ConfigException(at(key) + message);
  }

  /** {@code value} as a path or URI: a URI ({@code scheme://...}) as is, else resolved against the file's folder. */
  public String path(String value) {
    return value.contains("://") ? value : baseDir.resolve(value).normalize().toString();
  }

  /** Builds a value, turning a refused argument into a message naming {@code key}. */
  public <T> T check(String key, Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw error(key, "bad value for '" + key(key) + "': " + e.getMessage());
    }
  }

  /** The constant of {@code type} written as {@code value} (case-insensitive, {@code z-score} for {@code Z_SCORE}). */
  public <E extends Enum<E>> E choice(String key, String value, Class<E> type) {
    List<String> names = new ArrayList<>();
    String wanted = value.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      String n = e.name().toLowerCase(Locale.ROOT);
      if (n.equals(wanted)) {
        return e;
      }
      names.add(n);
    }
    String closest = YamlFiles.closest(value, names);
    throw error(
        key,
        "unknown value '" + value + "' for '" + key(key) + "'"
            + (closest == null ? "" : "; did you mean '" + closest + "'?")
            + " (one of: " + String.join(", ", names) + ")");
  }
}
