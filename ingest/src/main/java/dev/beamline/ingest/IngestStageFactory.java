package dev.beamline.ingest;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes the {@link IngestStage} from the {@code ingest:} section of a pipeline file. The section's keys
 * are the fields of {@link IngestDoc}; every default is {@link IngestExamples.Config#of}'s.
 *
 * <pre>{@code
 * ingest:
 *   input: data/span-{SPAN}/*.csv
 *   csv: {delimiter: ";", null_values: ["", NA], max_record_bytes: 4194304}
 *   splits: {train: 8, eval: 1, test: 1}
 *   max_rejected_fraction: 0.01
 * }</pre>
 */
public final class IngestStageFactory implements StageFactory {
  // The section's shape. Field names are the YAML keys.

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
    public Long max_record_bytes;
  }

  @Override
  public String section() {
    return IngestExamples.STAGE;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return List.of(new IngestStage(config(section)));
  }

  /**
   * The ingestion configuration that {@code section} describes.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a bad value
   */
  public static IngestExamples.Config config(ConfigSection section) {
    IngestDoc d = section.bind(IngestDoc.class);
    if (d.input == null) {
      throw section.error("", "'" + section.key("input") + "' is required: the file or pattern to read");
    }
    IngestExamples.Config c = IngestExamples.Config.of(section.path(d.input));
    if (d.format != null) {
      InputFormat format = section.check("format", () -> InputFormat.parse(d.format));
      c = c.withFormat(format);
      if (d.format.equalsIgnoreCase("tsv") && (d.csv == null || d.csv.delimiter == null)) {
        c = c.withCsv(c.csv().withDelimiter('\t'));
      }
    }
    if (d.csv != null) {
      c = c.withCsv(csv(section, c.csv(), d.csv));
    }
    if (d.schema != null) {
      List<FeatureSpec> features = new ArrayList<>();
      d.schema.forEach(
          (name, type) -> features.add(section.check("schema." + name, () -> FeatureSpec.of(name, FeatureType.parse(type)))));
      c = c.withSchema(section.check("schema", () -> ExampleSchema.of(features)));
    }
    if (d.infer_rows != null) {
      IngestExamples.Config before = c;
      c = section.check("infer_rows", () -> before.withInferRows(d.infer_rows));
    }
    if (d.span != null) {
      IngestExamples.Config before = c;
      c = section.check("span", () -> before.withSpans(span(d.span)));
    }
    if (d.splits != null || d.partition_feature != null) {
      SplitConfig splits = d.splits == null ? SplitConfig.defaults() : section.check("splits", () -> SplitConfig.of(d.splits));
      if (d.partition_feature != null) {
        splits = splits.withPartitionFeature(d.partition_feature);
      }
      c = c.withSplits(splits);
    }
    if (d.max_rejected_fraction != null) {
      IngestExamples.Config before = c;
      c = section.check("max_rejected_fraction", () -> before.withMaxRejectedFraction(d.max_rejected_fraction));
    }
    if (d.shards != null) {
      IngestExamples.Config before = c;
      c = section.check("shards", () -> before.withShards(d.shards));
    }
    return c;
  }

  private static CsvFormat csv(ConfigSection section, CsvFormat base, CsvDoc d) {
    CsvFormat f = base;
    if (d.delimiter != null) {
      f = f.withDelimiter(singleChar(section, "csv.delimiter", d.delimiter));
    }
    if (d.quote != null) {
      CsvFormat before = f;
      char quote = singleChar(section, "csv.quote", d.quote);
      f = section.check("csv.quote", () -> before.withQuote(quote));
    }
    if (d.header != null) {
      f = f.withHeader(d.header);
    }
    if (d.null_values != null) {
      f = f.withNullValues(d.null_values);
    }
    if (d.columns != null) {
      CsvFormat before = f;
      f = section.check("csv.columns", () -> before.withColumnNames(d.columns));
    }
    if (d.max_record_bytes != null) {
      CsvFormat before = f;
      f = section.check("csv.max_record_bytes", () -> before.withMaxRecordBytes(d.max_record_bytes));
    }
    if (f.header() && !f.columnNames().isEmpty()) {
      throw section.error(
          "csv.columns", "'" + section.key("csv.columns") + "' is only for files without a header: set 'header: false'");
    }
    return f;
  }

  /** {@code value} as one character; {@code \t} written out is a tab. */
  private static char singleChar(ConfigSection section, String key, String value) {
    String v = value.equals("\\t") ? "\t" : value;
    if (v.length() != 1) {
      throw section.error(key, "'" + section.key(key) + "' must be one character, got '" + value + "'");
    }
    return v.charAt(0);
  }

  private static InputFiles.SpanSelection span(Object value) {
    if ("latest".equals(value)) {
      return InputFiles.SpanSelection.latest();
    }
    if (value instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k.equals("from") || k.equals("to"))
        && m.get("from") instanceof Number from) {
      if (m.get("to") instanceof Number to) {
        return InputFiles.SpanSelection.range(from.longValue(), to.longValue());
      }
      if (m.get("to") == null || "latest".equals(m.get("to"))) {
        return InputFiles.SpanSelection.from(from.longValue());
      }
    }
    throw new IllegalArgumentException("expected 'latest', {from: <span>, to: <span>} or {from: <span>} (through the newest), got " + value);
  }
}
