package dev.beamline.ingest;

import java.util.Locale;

/** The file formats that {@link IngestExamples} reads. */
public enum InputFormat {
  /** Delimited text with optional header, quoting and null tokens; see {@link CsvFormat}. */
  CSV,
  /** One JSON object per line; keys are feature names, values scalars or null. */
  JSONL,
  /** Avro object container files; the writer schema must be a record of scalar fields. */
  AVRO,
  /** Parquet files; the schema must be a flat record of scalar columns. */
  PARQUET;

  /** Parses a format name from configuration: csv, tsv (CSV), jsonl / json / ndjson, avro, parquet. */
  public static InputFormat parse(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "csv":
      case "tsv":
        return CSV;
      case "jsonl":
      case "json":
      case "ndjson":
        return JSONL;
      case "avro":
        return AVRO;
      case "parquet":
        return PARQUET;
      default:
        throw new IllegalArgumentException(
            "unknown input format '" + name + "'; expected one of csv, jsonl, avro, parquet");
    }
  }

  /** The format implied by a file name's extension, or null when it implies none. */
  public static InputFormat fromFileName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".csv") || n.endsWith(".tsv") || n.endsWith(".txt")) {
      return CSV;
    }
    if (n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json")) {
      return JSONL;
    }
    if (n.endsWith(".avro")) {
      return AVRO;
    }
    if (n.endsWith(".parquet")) {
      return PARQUET;
    }
    return null;
  }
}
