package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.beamline.core.crypto.EncryptingSink;
import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.parquet.ExampleBatchParquetSink;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Ingests raw files as versioned, split examples: reads CSV, JSON lines, Avro or Parquet, types every
 * value (declared or inferred schema), splits examples deterministically by hash, writes each split as
 * Parquet shards, sends rows that do not fit to a dead-letter file, fingerprints the input, and
 * publishes it all atomically under {@code <pipeline-root>/<pipeline>/ingest/<run-id>/}.
 *
 * <pre>{@code
 * IngestResult r = pipeline.apply(
 *     IngestExamples.from(IngestExamples.Config.of("data/span-{SPAN}/*.csv"))
 *         .to(RunLayout.of(Paths.get("runs"), "penguins", RunLayout.newRunId())));
 * PCollection<GenericRecord> train = r.split("train");
 * }</pre>
 *
 * <p>Input files are listed, checked and, unless a declared schema gives every column's type, scanned for types when the transform
 * is made ({@link #from} or {@link ResolvedInput#of}); {@code expand()} only builds the graph. The rows
 * are read on the workers, one whole file per element, and the output is written, checked and
 * published when the pipeline runs.
 */
public final class IngestExamples extends PTransform<PBegin, IngestResult> {
  private static final long serialVersionUID = 1L;
  /** The stage name in the run layout. */
  public static final String STAGE = "ingest";
  /** Examples per batch between the read and the writes: large enough that per-element costs vanish. */
  static final int BATCH_SIZE = 2048;

  /**
   * The configuration of an ingestion. Built with {@link #of(String)} and {@code withX} methods, each of
   * which checks its argument.
   */
  public record Config(
      String input,
      InputFormat format,
      CsvFormat csv,
      ExampleSchema schema,
      long inferRows,
      InputFiles.SpanSelection spans,
      SplitConfig splits,
      double maxRejectedFraction,
      int shards)
      implements Serializable {

    public Config {
      checkNotNull(input, "input");
      checkNotNull(csv, "csv");
      checkNotNull(spans, "spans");
      checkNotNull(splits, "splits");
    }

    /**
     * Reads {@code input} (a path or glob, with optional {@code {SPAN}} and {@code {VERSION}}), format
     * taken from the file extension, CSV defaults, inferred schema, newest span, train:eval = 2:1, no
     * rejected row allowed, shards chosen by the runner.
     */
    public static Config of(String input) {
      checkArgument(input != null && !input.isBlank(), "input pattern must not be empty");
      return new Config(
          input, null, CsvFormat.defaults(), null, 0, InputFiles.SpanSelection.latest(), SplitConfig.defaults(), 0.0, 0);
    }

    public Config withInput(String input) {
      checkArgument(input != null && !input.isBlank(), "input pattern must not be empty");
      return new Config(input, format, csv, schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    public Config withFormat(InputFormat format) {
      return new Config(input, format, csv, schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    public Config withCsv(CsvFormat csv) {
      return new Config(input, format, checkNotNull(csv, "csv"), schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    /**
     * Declares the types of some or all columns; the others are inferred (every column declared: nothing
     * is inferred). Null infers them all.
     */
    public Config withSchema(ExampleSchema schema) {
      return new Config(input, format, csv, schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    /** How many rows type inference looks at, in all; 0 (the default) reads every row. */
    public Config withInferRows(long inferRows) {
      checkArgument(inferRows >= 0, "infer_rows must be 0 (all rows) or more, got %s", inferRows);
      return new Config(input, format, csv, schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    public Config withSpans(InputFiles.SpanSelection spans) {
      return new Config(input, format, csv, schema, inferRows, checkNotNull(spans, "spans"), splits, maxRejectedFraction, shards);
    }

    public Config withSplits(SplitConfig splits) {
      return new Config(input, format, csv, schema, inferRows, spans, checkNotNull(splits, "splits"), maxRejectedFraction, shards);
    }

    /** The largest fraction of rows that may be rejected before the run fails; 0 (default) allows none. */
    public Config withMaxRejectedFraction(double fraction) {
      checkArgument(
          fraction >= 0 && fraction <= 1, "max_rejected_fraction must be between 0 and 1, got %s", fraction);
      return new Config(input, format, csv, schema, inferRows, spans, splits, fraction, shards);
    }

    /** Parquet files per split; 0 (default) lets the runner choose. */
    public Config withShards(int shards) {
      checkArgument(shards >= 0, "shards must be 0 (runner decides) or more, got %s", shards);
      return new Config(input, format, csv, schema, inferRows, spans, splits, maxRejectedFraction, shards);
    }

    /** The format to read {@code inputs} with: the declared one, else the one the first file's extension implies. */
    public InputFormat format(InputFiles inputs) {
      if (format != null) {
        return format;
      }
      String first = inputs.files().get(0).path();
      InputFormat implied = InputFormat.fromFileName(first);
      if (implied == null) {
        throw new ConfigException(
            "cannot tell the format of " + first + " from its extension; set ingest.format (csv, jsonl, avro, parquet)");
      }
      return implied;
    }
  }

  private final ResolvedInput input;
  private final StageOutput output;

  private IngestExamples(ResolvedInput input, StageOutput output) {
    this.input = input;
    this.output = output;
  }

  /**
   * Ingestion with {@code config}; say where it writes with {@link #to(StageOutput)}. Lists the input
   * files and reads (or checks) their schema now, before the graph is built.
   *
   * @throws DataCheckException for an empty or unreadable file, files that disagree on their columns, or
   *     a declared column missing from a file
   * @throws ConfigException when nothing matches the input pattern
   */
  public static IngestExamples from(Config config) {
    return of(ResolvedInput.of(checkNotNull(config, "config")));
  }

  /** Ingestion of an input resolved already; say where it writes with {@link #to(StageOutput)}. */
  public static IngestExamples of(ResolvedInput input) {
    return new IngestExamples(checkNotNull(input, "input"), null);
  }

  /** Writes into the {@value #STAGE} stage of {@code layout}: {@code <root>/<pipeline>/ingest/<run-id>}. */
  public IngestExamples to(RunLayout layout) {
    return to(checkNotNull(layout, "layout").output(STAGE));
  }

  /** Writes into {@code output}. */
  public IngestExamples to(StageOutput output) {
    return new IngestExamples(input, checkNotNull(output, "output"));
  }

  public Config config() {
    return input.config();
  }

  /** The input files, their reader and the schema, as resolved when this transform was made. */
  public ResolvedInput input() {
    return input;
  }

  /**
   * Builds the graph, and only that: nothing is read, created or deleted here. The writes create the
   * staging folder when the pipeline runs; {@link PublishIngestFn} checks and publishes it.
   */
  @Override
  public IngestResult expand(PBegin begin) {
    checkState(output != null, "IngestExamples needs an output: call to(RunLayout) or to(StageOutput)");
    Config config = input.config();
    InputFiles inputs = input.files();
    ExampleSchema schema = input.schema();
    int partitionField = -1;
    if (config.splits().partitionFeature() != null) {
      partitionField = schema.indexOf(config.splits().partitionFeature());
      if (partitionField < 0) {
        throw new ConfigException(
            "split partition feature '" + config.splits().partitionFeature() + "' is not in the schema " + schema.names());
      }
    }
    String outputDir = output.dir();
    String staging = Storage.stagingOf(outputDir);
    // The sinks' temporary files go under one folder of their own, removed before publishing, so that
    // the folders published (the dead letters too, when the run fails its threshold) hold none.
    String sinkTemp = Storage.resolve(staging, PublishIngestFn.SINK_TEMP_DIR);

    Pipeline p = begin.getPipeline();
    Schema avroSchema = schema.toAvro();
    SplitConfig splitConfig = config.splits();
    ReadExamplesFn readFn =
        new ReadExamplesFn(input.reader(), schema, new SplitFn(splitConfig, partitionField), splitConfig.names(), BATCH_SIZE);
    List<String> paths = inputs.files().stream().map(InputFiles.InputFile::path).toList();
    PCollectionTuple read =
        p.apply("ListFiles", Create.of(paths).withCoder(StringUtf8Coder.of()))
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply("ReadFiles", ParDo.of(readFn).withOutputTags(readFn.splitTag(0), readFn.additionalTags()));
    PCollection<RejectedRow> rejected =
        read.get(ReadExamplesFn.REJECTED).setCoder(SerializableCoder.of(RejectedRow.class));
    PCollection<FileFingerprint> fingerprints =
        read.get(ReadExamplesFn.FINGERPRINTS).setCoder(SerializableCoder.of(FileFingerprint.class));

    Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
    List<PCollection<KV<Void, String>>> written = new ArrayList<>();
    for (int i = 0; i < splitConfig.names().size(); i++) {
      String name = splitConfig.names().get(i);
      PCollection<ExampleBatch> split = read.get(readFn.splitTag(i)).setCoder(ExampleBatch.coder(avroSchema));
      splits.put(name, split);
      FileIO.Write<Void, ExampleBatch> write =
          FileIO.<ExampleBatch>write()
              .via(EncryptingSink.of(new ExampleBatchParquetSink(avroSchema), Storage.resolve(staging, PublishIngestFn.EXAMPLES_DIR + "/" + name)))
              .to(Storage.resolve(staging, PublishIngestFn.EXAMPLES_DIR + "/" + name))
              .withTempDirectory(Storage.resolve(sinkTemp, name))
              .withPrefix("part")
              .withSuffix(".parquet");
      if (config.shards() > 0) {
        write = write.withNumShards(config.shards());
      }
      written.add(split.apply("Write-" + name, write).getPerDestinationOutputFilenames());
    }
    written.add(
        rejected
            .apply("RejectedAsJson", MapElements.into(TypeDescriptors.strings()).via(RejectedRow::toJson))
            .apply(
                "WriteDeadLetter",
                FileIO.<String>write()
                    .via(EncryptingSink.of(TextIO.sink(), Storage.resolve(staging, PublishIngestFn.DEAD_LETTER_DIR)))
                    .to(Storage.resolve(staging, PublishIngestFn.DEAD_LETTER_DIR))
                    .withTempDirectory(Storage.resolve(sinkTemp, PublishIngestFn.DEAD_LETTER_DIR))
                    .withPrefix("rejected")
                    .withSuffix(".jsonl")
                    .withNumShards(1))
            .getPerDestinationOutputFilenames());

    // Side inputs are complete before the publishing step starts: it runs once every file is written.
    PCollectionView<List<String>> writtenView =
        PCollectionList.of(written)
            .apply("WrittenFiles", Flatten.pCollections())
            .apply("WrittenNames", Values.create())
            .apply("WrittenView", View.asList());
    PCollectionView<List<FileFingerprint>> fingerprintView = fingerprints.apply("FingerprintsView", View.asList());
    PCollection<String> published =
        p.apply("OutputDir", Create.of(outputDir).withCoder(StringUtf8Coder.of()))
            .apply(
                "Publish",
                ParDo.of(new PublishIngestFn(fingerprintView, writtenView, config, schema, inputs, output))
                    .withSideInputs(fingerprintView, writtenView))
            .setCoder(StringUtf8Coder.of());
    return new IngestResult(p, splits, avroSchema, rejected, fingerprints, published, schema, inputs, outputDir);
  }
}
