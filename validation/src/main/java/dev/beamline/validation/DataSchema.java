package dev.beamline.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import dev.beamline.core.Storage;
import dev.beamline.core.YamlFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The expected shape of a dataset, as an editable YAML file: what TFX calls the schema. Inferred from
 * statistics ({@code InferSchema}), or written or edited by a person and imported in its place.
 *
 * <pre>{@code
 * # Beamline schema ...
 * features:
 *   species:
 *     type: string
 *     presence: 1.0              # the least fraction of examples that must have a value
 *     domain: [Adelie, Chinstrap, Gentoo]
 *   body_mass_g:
 *     type: int
 *     presence: 0.99
 *     range: {min: 2700, max: 6300}
 *     allow_nan: false
 *     distinct: {min: 1, max: 1000}
 *     drift_threshold: 0.1       # overrides the default of its kind
 *     skew_threshold: 0.1
 * }</pre>
 *
 * Errors in a schema file name the file, line and key, like errors in a pipeline file.
 */
public final class DataSchema implements Serializable {
  private static final ObjectMapper YAML_OUT =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));

  private final ImmutableList<SchemaFeature> features;

  private DataSchema(List<SchemaFeature> features) {
    this.features = ImmutableList.copyOf(features);
  }

  public static DataSchema of(List<SchemaFeature> features) {
    return new DataSchema(features);
  }

  public ImmutableList<SchemaFeature> features() {
    return features;
  }

  public Optional<SchemaFeature> feature(String name) {
    return features.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /** A copy with {@code feature} replacing the feature of the same name (or added at the end). */
  public DataSchema with(SchemaFeature feature) {
    List<SchemaFeature> out = new ArrayList<>();
    boolean replaced = false;
    for (SchemaFeature f : features) {
      if (f.name().equals(feature.name())) {
        out.add(feature);
        replaced = true;
      } else {
        out.add(f);
      }
    }
    if (!replaced) {
      out.add(feature);
    }
    return new DataSchema(out);
  }

  // ---- file format

  /** The file's shape; field names are the YAML keys. */
  public static final class FileDoc {
    public LinkedHashMap<String, FeatureDoc> features;
  }

  /** One feature in the file. */
  public static final class FeatureDoc {
    public String type;
    public Double presence;
    public List<String> domain;
    public RangeDoc range;
    public Boolean allow_nan;
    public DistinctDoc distinct;
    public Double drift_threshold;
    public Double skew_threshold;
  }

  /** {@code range: {min, max}} */
  public static final class RangeDoc {
    public Double min;
    public Double max;
  }

  /** {@code distinct: {min, max}} */
  public static final class DistinctDoc {
    public Long min;
    public Long max;
  }

  /** Reads a schema file. */
  public static DataSchema load(Path file) {
    try {
      return parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("schema file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException("cannot read schema file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the schema file at {@code uri}, on any file system Beam supports (see {@link Storage}).
   *
   * @throws ConfigException when the file is missing, unreadable or not a valid schema
   */
  public static DataSchema load(String uri) {
    String text;
    try {
      text = Storage.readString(uri);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileNotFoundException) {
        throw new ConfigException("schema file not found: " + uri);
      }
      Throwable reason = e.getCause() != null ? e.getCause() : e;
      throw new ConfigException("cannot read schema file " + uri + ": " + reason.getMessage(), e);
    }
    return parse(text, uri);
  }

  /** Reads the YAML {@code text}; {@code source} names it in messages. */
  public static DataSchema parse(String text, String source) {
    YamlFiles.Parsed<FileDoc> doc = YamlFiles.read(text, source, FileDoc.class);
    if (doc.value().features == null || doc.value().features.isEmpty()) {
      throw new ConfigException(doc.at("features") + "a schema needs 'features' with at least one feature");
    }
    List<SchemaFeature> features = new ArrayList<>();
    for (Map.Entry<String, FeatureDoc> e : doc.value().features.entrySet()) {
      String name = e.getKey();
      FeatureDoc d = e.getValue();
      String key = "features." + name;
      if (d == null || d.type == null) {
        throw new ConfigException(doc.at(key) + "feature '" + name + "' needs a type (int, float, string, boolean, timestamp)");
      }
      SchemaFeature f = check(doc, key + ".type", () -> SchemaFeature.of(name, FeatureType.parse(d.type)));
      SchemaFeature base = f;
      if (d.presence != null) {
        f = check(doc, key + ".presence", () -> base.withMinPresence(d.presence));
      }
      if (d.domain != null) {
        if (f.type() != FeatureType.STRING && f.type() != FeatureType.BOOLEAN) {
          throw new ConfigException(doc.at(key + ".domain") + "'" + key + ".domain' is for string features; '" + name + "' is " + f.type().configName());
        }
        f = f.withDomain(d.domain);
      }
      if (d.range != null) {
        if (!f.isNumeric()) {
          throw new ConfigException(doc.at(key + ".range") + "'" + key + ".range' is for numeric features; '" + name + "' is " + f.type().configName());
        }
        SchemaFeature r = f;
        f = check(doc, key + ".range", () -> r.withRange(d.range.min, d.range.max));
      }
      if (d.allow_nan != null) {
        f = f.withNanAllowed(d.allow_nan);
      }
      if (d.distinct != null) {
        SchemaFeature r = f;
        f = check(doc, key + ".distinct", () -> r.withDistinct(d.distinct.min, d.distinct.max));
      }
      if (d.drift_threshold != null) {
        SchemaFeature r = f;
        f = check(doc, key + ".drift_threshold", () -> r.withDriftThreshold(d.drift_threshold));
      }
      if (d.skew_threshold != null) {
        SchemaFeature r = f;
        f = check(doc, key + ".skew_threshold", () -> r.withSkewThreshold(d.skew_threshold));
      }
      features.add(f);
    }
    return new DataSchema(features);
  }

  private static <T> T check(YamlFiles.Parsed<?> doc, String key, Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(doc.at(key) + "bad value for '" + key + "': " + e.getMessage());
    }
  }

  /** The schema as an editable YAML file, with a header saying what each key means. */
  public String toYaml() {
    ObjectNode root = YAML_OUT.createObjectNode();
    ObjectNode fs = root.putObject("features");
    for (SchemaFeature f : features) {
      ObjectNode n = fs.putObject(f.name());
      n.put("type", f.type().configName());
      n.put("presence", f.minPresence());
      if (f.domain() != null) {
        ArrayNode domain = n.putArray("domain");
        f.domain().forEach(domain::add);
      }
      if (f.min() != null || f.max() != null) {
        ObjectNode range = n.putObject("range");
        if (f.min() != null) {
          range.put("min", f.min());
        }
        if (f.max() != null) {
          range.put("max", f.max());
        }
      }
      if (f.isNumeric() && f.type() == FeatureType.FLOAT) {
        n.put("allow_nan", f.nanAllowed());
      }
      if (f.minDistinct() != null || f.maxDistinct() != null) {
        ObjectNode distinct = n.putObject("distinct");
        if (f.minDistinct() != null) {
          distinct.put("min", f.minDistinct());
        }
        if (f.maxDistinct() != null) {
          distinct.put("max", f.maxDistinct());
        }
      }
      if (f.driftThreshold() != null) {
        n.put("drift_threshold", f.driftThreshold());
      }
      if (f.skewThreshold() != null) {
        n.put("skew_threshold", f.skewThreshold());
      }
    }
    try {
      return HEADER + YAML_OUT.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final String HEADER =
      "# Beamline schema: what the data must look like. Edit freely; validation checks the data against it.\n"
          + "# Per feature: type (int, float, string, boolean, timestamp); presence: the least fraction of examples\n"
          + "# with a value (1.0 = required); domain: the allowed values of a string feature; range: {min, max} of a\n"
          + "# numeric one; allow_nan; distinct: {min, max} number of distinct values; drift_threshold and\n"
          + "# skew_threshold: override the defaults (L-infinity distance for strings, Jensen-Shannon divergence\n"
          + "# for numbers).\n";

  @Override
  public boolean equals(Object o) {
    return o instanceof DataSchema && ((DataSchema) o).features.equals(features);
  }

  @Override
  public int hashCode() {
    return features.hashCode();
  }

  @Override
  public String toString() {
    return "DataSchema" + features;
  }
}
