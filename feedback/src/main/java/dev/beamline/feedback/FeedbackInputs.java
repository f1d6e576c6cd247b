package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.Storage;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.ResolvedInput;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What a feedback join reads, resolved on the driver before the graph is built: first listed ({@link
 * #list}, cheap: paths, sizes and times, for the cache key), then resolved ({@link #resolve}: each
 * segment's columns from its footer, their union, the label files' schema and reader, the joined
 * traffic's columns). Serializable, so that the stage keeps it in its plan.
 *
 * <pre>{@code
 * FeedbackInputs in = FeedbackInputs.list(config, "penguins").resolve();
 * pipeline.apply(JoinFeedback.of(in).to(output));
 * }</pre>
 *
 * @param config the configuration
 * @param model the model whose requests are read
 * @param segments the request log's published segments of that model, every version
 * @param labelFiles the label files
 * @param labelFileTimes per label file, its modification time in microseconds (the labels' time when no column gives it)
 * @param segmentSchemas per segment, its columns; null until resolved
 * @param requests the columns of every segment together; null until resolved
 * @param labels the label files resolved for reading (reader and schema); null until resolved
 * @param traffic the joined traffic's columns; null until resolved
 */
public record FeedbackInputs(
    FeedbackConfig config,
    String model,
    InputFiles segments,
    InputFiles labelFiles,
    TreeMap<String, Long> labelFileTimes,
    TreeMap<String, ExampleSchema> segmentSchemas,
    ExampleSchema requests,
    ResolvedInput labels,
    ExampleSchema traffic)
    implements Serializable {

  public FeedbackInputs {
    checkNotNull(config, "config");
    checkNotNull(model, "model");
    checkNotNull(segments, "segments");
    checkNotNull(labelFiles, "labelFiles");
    checkNotNull(labelFileTimes, "labelFileTimes");
  }

  /** The pattern of {@code model}'s published segments under the request-log folder {@code requestLog}, every version. */
  public static String segmentPattern(String requestLog, String model) {
    return Storage.resolve(Storage.resolve(requestLog, model), "*/*.parquet");
  }

  /**
   * Lists the request log's segments of {@code model} (hidden, unpublished ones are not matched) and the
   * label files, with their modification times. A request-log folder holding no segment of the model
   * yet, or a label pattern matching no file yet while its folder exists, is no traffic or no label so
   * far (a loop's first run, before anything is served): read as empty.
   *
   * @throws ConfigException when the request-log folder, or the folder of the label pattern, does not exist
   */
  public static FeedbackInputs list(FeedbackConfig config, String model) {
    InputFiles segments;
    try {
      segments = InputFiles.resolve(segmentPattern(config.requestLog(), model), InputFiles.SpanSelection.latest());
    } catch (ConfigException e) {
      if (!Storage.exists(config.requestLog())) {
        throw new ConfigException("feedback.request_log: no such folder: " + config.requestLog() + " (the model server's --request-log folder)");
      }
      segments = InputFiles.none(segmentPattern(config.requestLog(), model));
    }
    IngestExamples.Config files = config.labels().files();
    InputFiles labels;
    try {
      labels = InputFiles.resolve(files.input(), files.spans());
    } catch (ConfigException e) {
      String folder = fixedFolder(files.input());
      if (folder == null || !Storage.exists(folder)) {
        throw new ConfigException("feedback.labels.input: " + e.getMessage());
      }
      labels = InputFiles.none(files.input());
    }
    TreeMap<String, Long> times = new TreeMap<>();
    for (InputFiles.InputFile f : labels.files()) {
      times.put(f.path(), Math.multiplyExact(modifiedMillis(f.path()), 1000L));
    }
    return new FeedbackInputs(config, model, segments, labels, times, null, null, null, null);
  }

  /** The folder of {@code pattern} before its first wildcard or placeholder; null for none. */
  static String fixedFolder(String pattern) {
    int wild = pattern.length();
    for (String w : new String[] {"*", "?", "[", "{"}) {
      int i = pattern.indexOf(w);
      if (i >= 0) {
        wild = Math.min(wild, i);
      }
    }
    int slash = pattern.lastIndexOf('/', wild - 1);
    return slash <= 0 ? null : pattern.substring(0, slash);
  }

  /** Whether nothing has been logged yet: no segment of the model. */
  public boolean noTraffic() {
    return segments.files().isEmpty();
  }

  /** Whether no label file has landed yet. */
  public boolean noLabels() {
    return labelFiles.files().isEmpty();
  }

  /** The modification time of {@code path} in milliseconds, 0 where the file system keeps none. */
  static long modifiedMillis(String path) {
    try {
      MatchResult.Metadata m = FileSystems.matchSingleFileSpec(path);
      return Math.max(0, m.lastModifiedMillis());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the modification time of " + path + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@link #resolve} has run. */
  public boolean resolved() {
    return traffic != null;
  }

  /**
   * Reads each segment's columns from its footer and the label files' schema (inferred, or declared in
   * {@code feedback.labels.schema}; the time column is read as a timestamp), and checks that the key,
   * label and time columns are there.
   *
   * @throws DataCheckException for a segment that is not a request log segment, an unreadable file
   * @throws ConfigException for a key, label or time column the files lack
   */
  public FeedbackInputs resolve() {
    FormatReader parquet = FormatReader.of(InputFormat.PARQUET, CsvFormat.defaults());
    TreeMap<String, ExampleSchema> schemas = new TreeMap<>();
    try {
      for (InputFiles.InputFile f : segments.files()) {
        schemas.put(f.path(), parquet.inferSchema(List.of(f), 0));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request log: " + e.getMessage(), e);
    }
    ExampleSchema union = schemas.isEmpty() ? ExampleSchema.of(TrafficSchema.FIXED) : TrafficSchema.union(schemas);
    LabelSource source = config.labels();
    if (!schemas.isEmpty() && union.indexOf(source.key()) < 0) {
      throw new ConfigException("feedback.labels.key: the request log of model '" + model + "' has no column '" + source.key()
          + "' to join the labels by (its columns: " + String.join(", ", union.names()) + ")");
    }
    ResolvedInput labels = labelFiles.files().isEmpty() ? noLabelFile(source, labelFiles) : ResolvedInput.of(labelConfig(source), labelFiles);
    for (String[] column : new String[][] {{"key", source.key()}, {"label", source.label()}, {"time", source.time()}}) {
      if (column[1] != null && labels.schema().indexOf(column[1]) < 0) {
        throw new ConfigException("feedback.labels." + column[0] + ": the label files have no column '" + column[1] + "' (their columns: "
            + String.join(", ", labels.schema().names()) + ")");
      }
    }
    FeatureType labelType = labels.schema().feature(source.label()).orElseThrow().type();
    return new FeedbackInputs(config, model, segments, labelFiles, labelFileTimes, schemas, union, labels, TrafficSchema.joined(union, labelType));
  }

  /**
   * The label files before any has landed: read as declared ({@code feedback.labels.schema}) or else as
   * text key and label and a timestamp time, the format from the configuration or the pattern's extension.
   */
  static ResolvedInput noLabelFile(LabelSource source, InputFiles none) {
    IngestExamples.Config files = labelConfig(source);
    InputFormat format = files.format() != null ? files.format() : InputFormat.fromFileName(files.input());
    if (format == null) {
      throw new ConfigException("feedback.labels.format: no label file has landed yet and the format cannot be told from '" + files.input()
          + "'; set feedback.labels.format (csv, jsonl, avro, parquet)");
    }
    List<FeatureSpec> columns = new ArrayList<>(files.schema() == null ? List.of() : files.schema().features());
    for (String name : new String[] {source.key(), source.label()}) {
      if (columns.stream().noneMatch(f -> f.name().equals(name))) {
        columns.add(FeatureSpec.of(name, FeatureType.STRING));
      }
    }
    ExampleSchema schema = ExampleSchema.of(columns);
    if (source.time() != null && schema.indexOf(source.time()) < 0) {
      columns.add(FeatureSpec.of(source.time(), FeatureType.TIMESTAMP));
      schema = ExampleSchema.of(columns);
    }
    return new ResolvedInput(files, none, FormatReader.of(format, files.csv()), schema);
  }

  /** How the label files are read: as configured, the time column declared a timestamp unless declared otherwise. */
  static IngestExamples.Config labelConfig(LabelSource source) {
    IngestExamples.Config files = source.files();
    if (source.time() == null || (files.schema() != null && files.schema().indexOf(source.time()) >= 0)) {
      return files;
    }
    List<FeatureSpec> declared = new ArrayList<>(files.schema() == null ? List.of() : files.schema().features());
    declared.add(FeatureSpec.of(source.time(), FeatureType.TIMESTAMP));
    return files.withSchema(ExampleSchema.of(declared));
  }

  /**
   * The model versions whose segments are read, from the folders they lie in ({@code <model>/<version>/}).
   *
   * @throws DataCheckException for a segment in a folder that is not a version number
   */
  public List<Long> versions() {
    TreeSet<Long> out = new TreeSet<>();
    for (InputFiles.InputFile f : segments.files()) {
      String folder = Storage.fileName(Storage.parent(f.path()));
      try {
        out.add(Long.parseLong(folder));
      } catch (NumberFormatException e) {
        throw new DataCheckException(f.path() + ": a request log segment must lie in its model version's folder, not in '" + folder + "'");
      }
    }
    return List.copyOf(out);
  }

  /** Each segment's columns; only once resolved. */
  public Map<String, ExampleSchema> segmentColumns() {
    checkState(resolved(), "the feedback inputs are listed, not resolved: call resolve()");
    return segmentSchemas;
  }
}
