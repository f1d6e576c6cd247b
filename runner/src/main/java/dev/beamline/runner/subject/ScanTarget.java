package dev.beamline.runner.subject;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.ingest.CsvFormat;
import java.io.Serializable;
import java.util.Set;

/**
 * One file to scan for a data subject's rows, and the recorded artifact it belongs to: a raw input file
 * ({@code RAW_DATA}: read as ingestion read it, by its format, CSV settings and the ingested schema), or
 * a Parquet shard of a published output ({@code EXAMPLES}, {@code JOINED_TRAFFIC}) or of the request log.
 *
 * <pre>{@code
 * ScanTarget t = ScanTarget.parquet(7, "EXAMPLES", "examples", "/runs/penguins/ingest/1/examples/train/part-0.parquet");
 * }</pre>
 *
 * @param format {@code csv}, {@code jsonl}, {@code avro} or {@code parquet}
 * @param csv the CSV settings of a {@code csv} file, else null
 * @param avroSchema the ingested examples' Avro schema (JSON) that a {@code csv} or {@code jsonl} file is
 *     parsed with, else null (Avro and Parquet files carry their own)
 */
public record ScanTarget(long artifactId, String artifactType, String role, String file, String format, CsvFormat csv, String avroSchema)
    implements Serializable {
  private static final Set<String> FORMATS = Set.of("csv", "jsonl", "avro", "parquet");

  public ScanTarget {
    checkNotNull(artifactType, "artifactType");
    checkNotNull(role, "role");
    checkNotNull(file, "file");
    checkArgument(FORMATS.contains(format), "format must be one of %s, got '%s'", FORMATS, format);
    checkArgument(!format.equals("csv") || csv != null, "a csv file needs its CSV settings: %s", file);
    checkArgument(!(format.equals("csv") || format.equals("jsonl")) || avroSchema != null,
        "a %s file needs the ingested schema to be parsed with: %s", format, file);
  }

  /** A Parquet file of a published output or of the request log. */
  public static ScanTarget parquet(long artifactId, String artifactType, String role, String file) {
    return new ScanTarget(artifactId, artifactType, role, file, "parquet", null, null);
  }

  /** Whether rows are told apart by their first line in the file (CSV, JSON lines), not by their record number. */
  public boolean lineBased() {
    return format.equals("csv") || format.equals("jsonl");
  }
}
