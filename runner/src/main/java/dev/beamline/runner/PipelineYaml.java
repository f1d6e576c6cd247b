package dev.beamline.runner;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.SplitConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private PipelineYaml() {}

  // The file's shape. Field names are the YAML keys.

  /** The whole file. */
  public static final class FileDoc {
    public PipelineDoc pipeline;
    public IngestDoc ingest;
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
    FileDoc doc;
    Map<String, Integer> lines = lineIndex(text);
    try {
      doc = YAML.readValue(text, FileDoc.class);
    } catch (UnrecognizedPropertyException e) {
      List<String> known = new ArrayList<>();
      e.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      known.sort(Comparator.naturalOrder());
      String closest = closest(e.getPropertyName(), known);
      throw new ConfigException(
          where(source, e, lines)
              + "unknown key '" + dotted(e) + "'"
              + (closest == null ? "" : "; did you mean '" + closest + "'?")
              + " (known keys here: " + String.join(", ", known) + ")");
    } catch (JsonMappingException e) {
      if (e.getCause() instanceof JsonProcessingException cause && !(cause instanceof JsonMappingException)) {
        // A syntax error (such as a duplicate key) found while binding: the parser knows where.
        throw new ConfigException(where(source, cause.getLocation()) + "not valid YAML: " + cause.getOriginalMessage());
      }
      throw new ConfigException(where(source, e, lines) + "bad value for '" + dotted(e) + "': " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new ConfigException(where(source, e.getLocation()) + "not valid YAML: " + e.getOriginalMessage());
    }
    if (doc == null) {
      throw new ConfigException(source + ": the file is empty");
    }
    return new Converter(source, baseDir, lines).convert(doc);
  }

  /** Turns the parsed document into a spec, naming the line of any value that the stages refuse. */
  private static final class Converter {
    private final String source;
    private final Path baseDir;
    private final Map<String, Integer> lines;

    Converter(String source, Path baseDir, Map<String, Integer> lines) {
      this.source = source;
      this.baseDir = baseDir;
      this.lines = lines;
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
      String pointer = "/" + key.replace('.', '/');
      Integer line = null;
      for (String p = pointer; line == null && !p.isEmpty(); p = p.substring(0, Math.max(0, p.lastIndexOf('/')))) {
        line = lines.get(p);
      }
      return source + (line == null ? ": " : " line " + line + ": ");
    }
  }

  /** The line of every key in {@code text}, by JSON pointer ({@code /ingest/csv/delimiter}). */
  static Map<String, Integer> lineIndex(String text) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser p = YAML.getFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          lines.putIfAbsent(p.getParsingContext().pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
        }
      }
    } catch (IOException e) {
      // Already parsed once: cannot fail here. Messages fall back to naming the file alone.
    }
    return lines;
  }

  private static String where(String source, JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? source + ": " : source + " line " + location.getLineNr() + ": ";
  }

  /** The line of the key that {@code e} is about, from the key index, else from the parser's location. */
  private static String where(String source, JsonMappingException e, Map<String, Integer> lines) {
    Integer line = lines.get("/" + dotted(e).replace('.', '/'));
    return line != null ? source + " line " + line + ": " : where(source, e.getLocation());
  }

  private static String dotted(JsonMappingException e) {
    StringBuilder s = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        s.append(s.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        s.append('[').append(r.getIndex()).append(']');
      }
    }
    return s.toString();
  }

  /** The known key nearest to {@code key} by edit distance, if near enough to be a likely misspelling. */
  static String closest(String key, List<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
