package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * The input of an ingestion, resolved on the driver before the graph is built: the configuration, the
 * files (globs, spans, versions), the reader of their format, and the schema, declared (and checked
 * against every file) or inferred. Serializable, so that a stage can keep it in its plan.
 *
 * <pre>{@code
 * ResolvedInput in = ResolvedInput.of(IngestExamples.Config.of("data/*.csv"));
 * pipeline.apply(IngestExamples.of(in).to(output));
 * }</pre>
 */
public record ResolvedInput(IngestExamples.Config config, InputFiles files, FormatReader reader, ExampleSchema schema)
    implements Serializable {
  public ResolvedInput {
    checkNotNull(config, "config");
    checkNotNull(files, "files");
    checkNotNull(reader, "reader");
    checkNotNull(schema, "schema");
  }

  /**
   * Lists the files of {@code config} and reads the schema from them.
   *
   * @throws DataCheckException for an empty or unreadable file, or files that disagree with the schema
   * @throws dev.beamline.core.ConfigException when nothing matches the input pattern, or when a declared
   *     schema leaves out some of a file's columns
   */
  public static ResolvedInput of(IngestExamples.Config config) {
    return of(config, InputFiles.resolve(config.input(), config.spans()));
  }

  /**
   * Reads the schema of {@code files}, already listed from {@code config} (so that the files read are
   * those that were fingerprinted).
   *
   * @throws DataCheckException for an empty or unreadable file, or files that disagree with the schema
   * @throws dev.beamline.core.ConfigException when a declared schema leaves out some of a file's columns
   */
  public static ResolvedInput of(IngestExamples.Config config, InputFiles files) {
    for (InputFiles.InputFile f : files.files()) {
      if (f.bytes() == 0) {
        throw new DataCheckException(f.path() + ": the input file is empty");
      }
    }
    FormatReader reader = FormatReader.of(config.format(files), config.csv());
    try {
      if (config.schema() != null) {
        for (InputFiles.InputFile f : files.files()) {
          reader.checkFile(f, config.schema());
        }
        return new ResolvedInput(config, files, reader, config.schema());
      }
      return new ResolvedInput(config, files, reader, reader.inferSchema(files.files(), config.inferRows()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input: " + e.getMessage(), e);
    }
  }
}
