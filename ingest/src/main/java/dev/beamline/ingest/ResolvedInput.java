package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The input of an ingestion, resolved on the driver: the files (globs, spans, versions), the reader of
 * their format, and the schema, declared (and checked against every file) or inferred.
 */
record ResolvedInput(InputFiles files, FormatReader reader, ExampleSchema schema) {
  /**
   * @throws DataCheckException for an empty file or files that disagree with the schema
   * @throws dev.beamline.core.ConfigException when nothing matches the input pattern
   */
  static ResolvedInput of(IngestExamples.Config config) {
    InputFiles files = InputFiles.resolve(config.input(), config.spans());
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
        return new ResolvedInput(files, reader, config.schema());
      }
      return new ResolvedInput(files, reader, reader.inferSchema(files.files(), config.inferRows()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input: " + e.getMessage(), e);
    }
  }
}
