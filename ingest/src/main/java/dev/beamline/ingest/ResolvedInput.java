package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The input of an ingestion, resolved on the driver before the graph is built: the configuration, the
 * files (globs, spans, versions), the reader of their format, and the schema. A declared schema ({@code
 * ingest.schema}) gives the types of some or all columns, each checked to be in every file: when it
 * declares every column of every file, it is the schema (in its order) and nothing is inferred;
 * otherwise the files' columns are inferred as without a declaration (in file order) and the declared
 * ones take their declared types. JSON lines have no header, so with a declaration their keys are
 * still found by inference. Serializable, so that a stage can keep it in its plan.
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
   * @throws DataCheckException for an empty or unreadable file, files that disagree on their columns,
   *     or a declared column missing from a file
   * @throws dev.beamline.core.ConfigException when nothing matches the input pattern
   */
  public static ResolvedInput of(IngestExamples.Config config) {
    return of(config, InputFiles.resolve(config.input(), config.spans()));
  }

  /**
   * Reads the schema of {@code files}, already listed from {@code config} (so that the files read are
   * those that were fingerprinted).
   *
   * @throws DataCheckException for an empty or unreadable file, files that disagree on their columns,
   *     or a declared column missing from a file
   */
  public static ResolvedInput of(IngestExamples.Config config, InputFiles files) {
    for (InputFiles.InputFile f : files.files()) {
      if (f.bytes() == 0) {
        throw new DataCheckException(f.path() + ": the input file is empty");
      }
    }
    FormatReader reader = FormatReader.of(config.format(files), config.csv());
    try {
      ExampleSchema declared = config.schema();
      if (declared == null) {
        return new ResolvedInput(config, files, reader, reader.inferSchema(files.files(), config.inferRows()));
      }
      boolean complete = true;
      for (InputFiles.InputFile f : files.files()) {
        List<String> columns = reader.checkFile(f, declared);
        complete &= columns != null && declared.names().containsAll(columns);
      }
      if (complete) {
        return new ResolvedInput(config, files, reader, declared);
      }
      return new ResolvedInput(config, files, reader, withDeclaredTypes(reader.inferSchema(files.files(), config.inferRows()), declared));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read input: " + e.getMessage(), e);
    }
  }

  /**
   * The {@code inferred} features in their order, each with its declared type where {@code declared}
   * has it, then the declared features that inference did not find (keys no JSON line held).
   */
  static ExampleSchema withDeclaredTypes(ExampleSchema inferred, ExampleSchema declared) {
    List<FeatureSpec> features = new ArrayList<>();
    for (FeatureSpec f : inferred.features()) {
      features.add(declared.feature(f.name()).orElse(f));
    }
    for (FeatureSpec f : declared.features()) {
      if (inferred.indexOf(f.name()) < 0) {
        features.add(f);
      }
    }
    return ExampleSchema.of(features);
  }
}
