package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.YamlFiles;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.SplitConfig;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.ValidationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads a pipeline configuration file (YAML) into a {@link PipelineSpec}.
 *
 * <p>Strict: an unknown or misspelled key, a value of the wrong type, or a value out of range is rejected
 * with a message naming the file, the line and the key (and the closest known key for a misspelling).
 * Relative paths in the file are relative to the file's folder. The format is documented in the README.
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineYaml.load(Paths.get("examples/penguins/pipeline.yaml"));
 * }</pre>
 */
public final class PipelineYaml {
  private PipelineYaml() {}

  // The file's shape. Field names are the YAML keys.

  /** The whole file. */
  public static final class FileDoc {
    public PipelineDoc pipeline;
    public IngestDoc ingest;
    public ValidationDoc validation;
  }

  /** {@code validation:} */
  public static final class ValidationDoc {
    public String schema;
    public String infer_from;
    public Integer max_domain_size;
    public Boolean drift;
    public String skew_statistics;
    public ThresholdsDoc thresholds;
  }

  /** {@code validation.thresholds:} */
  public static final class ThresholdsDoc {
    public Double categorical;
    public Double numeric;
  }

  /** {@code pipeline:} */
  public static final class PipelineDoc {
    public String name;
    public String root;
    public String metadata;
  }

  /** {@code ingest:} */
  public static final class IngestDoc {
    public String input;
    public String format;
    public CsvDoc csv;
    public LinkedHashMap<String, String> schema;
    public Long infer_rows;
    public Object span;
    public LinkedHashMap<String, Integer> splits;
    public String partition_feature;
    public Double max_rejected_fraction;
    public Integer shards;
  }

  /** {@code ingest.csv:} */
  public static final class CsvDoc {
    public String delimiter;
    public String quote;
    public Boolean header;
    public List<String> null_values;
    public List<String> columns;
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
    YamlFiles.Parsed<FileDoc> doc = YamlFiles.read(text, source, FileDoc.class);
    return new Converter(doc, baseDir).convert(doc.value());
  }

  /** Turns the parsed document into a spec, naming the line of any value that the stages refuse. */
  private static final class Converter {
    private final YamlFiles.Parsed<FileDoc> doc;
    private final String source;
    private final Path baseDir;

    Converter(YamlFiles.Parsed<FileDoc> doc, Path baseDir) {
      this.doc = doc;
      this.source = doc.source();
      this.baseDir = baseDir;
    }

    PipelineSpec convert(FileDoc doc) {
      if (doc.pipeline == null || doc.pipeline.name == null) {
        throw new ConfigException(source + ": 'pipeline.name' is required");
      }
      PipelineSpec spec = check("pipeline.name", () -> PipelineSpec.named(doc.pipeline.name));
      if (doc.pipeline.root != null) {
        spec = spec.withRoot(baseDir.resolve(doc.pipeline.root).normalize());
      }
      if (doc.pipeline.metadata != null) {
        String url = doc.pipeline.metadata;
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
          throw new ConfigException(
              at("pipeline.metadata") + "'pipeline.metadata' must be a jdbc:sqlite: or jdbc:postgresql: URL, got '" + url + "'");
        }
        if (url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:sqlite:/")) {
          url = "jdbc:sqlite:" + baseDir.resolve(url.substring("jdbc:sqlite:".length())).normalize();
        }
        spec = spec.withMetadataUrl(url);
      }
      if (doc.ingest != null) {
        spec = spec.withIngest(ingest(doc.ingest));
      }
      if (doc.validation != null) {
        spec = spec.withValidation(validation(doc.validation));
      }
      return spec;
    }

    private IngestExamples.Config ingest(IngestDoc d) {
      if (d.input == null) {
        throw new ConfigException(at("ingest") + "'ingest.input' is required: the file or pattern to read");
      }
      String input = d.input.contains("://") ? d.input : baseDir.resolve(d.input).normalize().toString();
      IngestExamples.Config c = IngestExamples.Config.of(input);
      if (d.format != null) {
        InputFormat format = check("ingest.format", () -> InputFormat.parse(d.format));
        c = c.withFormat(format);
        if (d.format.equalsIgnoreCase("tsv") && (d.csv == null || d.csv.delimiter == null)) {
          c = c.withCsv(c.csv().withDelimiter('\t'));
        }
      }
      if (d.csv != null) {
        c = c.withCsv(csv(c.csv(), d.csv));
      }
      if (d.schema != null) {
        List<FeatureSpec> features = new ArrayList<>();
        d.schema.forEach(
            (name, type) ->
                features.add(check("ingest.schema." + name, () -> FeatureSpec.of(name, FeatureType.parse(type)))));
        c = c.withSchema(check("ingest.schema", () -> ExampleSchema.of(features)));
      }
      if (d.infer_rows != null) {
        IngestExamples.Config before = c;
        c = check("ingest.infer_rows", () -> before.withInferRows(d.infer_rows));
      }
      if (d.span != null) {
        IngestExamples.Config before = c;
        c = check("ingest.span", () -> before.withSpans(span(d.span)));
      }
      if (d.splits != null || d.partition_feature != null) {
        SplitConfig splits =
            d.splits == null ? SplitConfig.defaults() : check("ingest.splits", () -> SplitConfig.of(d.splits));
        if (d.partition_feature != null) {
          splits = splits.withPartitionFeature(d.partition_feature);
        }
        c = c.withSplits(splits);
      }
      if (d.max_rejected_fraction != null) {
        IngestExamples.Config before = c;
        c = check("ingest.max_rejected_fraction", () -> before.withMaxRejectedFraction(d.max_rejected_fraction));
      }
      if (d.shards != null) {
        IngestExamples.Config before = c;
        c = check("ingest.shards", () -> before.withShards(d.shards));
      }
      return c;
    }

    private ValidationConfig validation(ValidationDoc d) {
      ValidationConfig v = ValidationConfig.defaults();
      if (d.schema != null) {
        Path file = baseDir.resolve(d.schema).normalize();
        try {
          DataSchema.load(file);
        } catch (ConfigException e) {
          throw new ConfigException(at("validation.schema") + "'validation.schema': " + e.getMessage(), e);
        }
        v = v.withSchemaFile(file.toString());
      }
      if (d.infer_from != null) {
        v = v.withInferFrom(d.infer_from);
      }
      if (d.max_domain_size != null) {
        ValidationConfig before = v;
        v = check("validation.max_domain_size", () -> before.withMaxDomainSize(d.max_domain_size));
      }
      if (d.drift != null) {
        v = v.withDrift(d.drift);
      }
      if (d.skew_statistics != null) {
        v = v.withSkewStatistics(baseDir.resolve(d.skew_statistics).normalize().toString());
      }
      if (d.thresholds != null) {
        DriftThresholds t = v.thresholds();
        double categorical = d.thresholds.categorical != null ? d.thresholds.categorical : t.categorical();
        double numeric = d.thresholds.numeric != null ? d.thresholds.numeric : t.numeric();
        ValidationConfig before = v;
        v = check("validation.thresholds", () -> before.withThresholds(new DriftThresholds(categorical, numeric)));
      }
      return v;
    }

    private CsvFormat csv(CsvFormat base, CsvDoc d) {
      CsvFormat f = base;
      if (d.delimiter != null) {
        char delimiter = singleChar("ingest.csv.delimiter", d.delimiter);
        f = f.withDelimiter(delimiter);
      }
      if (d.quote != null) {
        CsvFormat before = f;
        char quote = singleChar("ingest.csv.quote", d.quote);
        f = check("ingest.csv.quote", () -> before.withQuote(quote));
      }
      if (d.header != null) {
        f = f.withHeader(d.header);
      }
      if (d.null_values != null) {
        f = f.withNullValues(d.null_values);
      }
      if (d.columns != null) {
        f = f.withColumnNames(d.columns);
      }
      if (f.header() && !f.columnNames().isEmpty()) {
        throw new ConfigException(
            at("ingest.csv.columns") + "'ingest.csv.columns' is only for files without a header: set 'header: false'");
      }
      return f;
    }

    private char singleChar(String key, String value) {
      String v = value.equals("\\t") ? "\t" : value;
      if (v.length() != 1) {
        throw new ConfigException(at(key) + "'" + key + "' must be one character, got '" + value + "'");
      }
      return v.charAt(0);
    }

    private InputFiles.SpanSelection span(Object value) {
      if ("latest".equals(value)) {
        return InputFiles.SpanSelection.latest();
      }
      if (value instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k.equals("from") || k.equals("to"))
          && m.get("from") instanceof Number from && m.get("to") instanceof Number to) {
        return InputFiles.SpanSelection.range(from.longValue(), to.longValue());
      }
      throw new IllegalArgumentException("expected 'latest' or {from: <span>, to: <span>}, got " + value);
    }

    private <T> T check(String key, Supplier<T> build) {
      try {
        return build.get();
      } catch (IllegalArgumentException e) {
        throw new ConfigException(at(key) + "bad value for '" + key + "': " + e.getMessage());
      }
    }

    private String at(String key) {
      return doc.at(key);
    }
  }

}
