package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Reads raw input files (any format {@link IngestExamples} reads) as one stream of example batches,
 * without splitting or writing anything: for looking at data, e.g. its statistics, before ingesting it.
 * A row that does not fit the schema fails the read with its file, line and reason: nothing is dropped
 * silently. {@link #keepingRejected()} reads the same way but hands such rows on as an output of their
 * own, for a caller that writes them to a dead-letter file (ingestion, batch inference).
 *
 * <pre>{@code
 * ReadExamples read = ReadExamples.of(IngestExamples.Config.of("flights.parquet"));
 * PCollection<ExampleBatch> batches = pipeline.apply(read);
 * ExampleSchema schema = read.schema();
 *
 * ReadExamples.Result all = pipeline.apply(read.keepingRejected());
 * PCollection<RejectedRow> rejected = all.rejected();
 * }</pre>
 */
public final class ReadExamples extends PTransform<PBegin, PCollection<ExampleBatch>> {
  private static final long serialVersionUID = 1L;

  private final InputFiles inputs;
  private final FormatReader reader;
  private final ExampleSchema schema;

  private ReadExamples(IngestExamples.Config config) {
    ResolvedInput in = ResolvedInput.of(config);
    this.inputs = in.files();
    this.reader = in.reader();
    this.schema = in.schema();
  }

  /** Reads the files of {@code config} (input, format, CSV layout, schema); its splits are ignored. */
  public static ReadExamples of(IngestExamples.Config config) {
    return new ReadExamples(config);
  }

  /** The schema of the examples, declared or inferred (known once this transform is made). */
  public ExampleSchema schema() {
    return schema;
  }

  /** The same read, whose rejected rows are an output instead of a failure. */
  public KeepingRejected keepingRejected() {
    return new KeepingRejected(this);
  }

  @Override
  public PCollection<ExampleBatch> expand(PBegin begin) {
    Result read = read(begin);
    read.rejected()
        .apply("FailOnRejected", ParDo.of(new DoFn<RejectedRow, Void>() {
          @ProcessElement
          public void process(@Element RejectedRow row) {
            throw new DataCheckException("a row does not fit the schema: " + row.describe() + " (ingest the data to keep such rows in a dead-letter file)");
          }
        }));
    return read.examples();
  }

  /** The steps both forms share: list, spread and read the files. */
  private Result read(PBegin begin) {
    ReadExamplesFn readFn =
        new ReadExamplesFn(reader, schema, new SplitFn(SplitConfig.of(Map.of("all", 1)), -1), List.of("all"), IngestExamples.BATCH_SIZE);
    List<String> paths = inputs.files().stream().map(InputFiles.InputFile::path).toList();
    PCollectionTuple read =
        begin.apply("ListFiles", Create.of(paths).withCoder(StringUtf8Coder.of()))
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply("ReadFiles", ParDo.of(readFn).withOutputTags(readFn.splitTag(0), readFn.additionalTags()));
    read.get(ReadExamplesFn.FINGERPRINTS).setCoder(SerializableCoder.of(FileFingerprint.class));
    return new Result(begin.getPipeline(), read.get(readFn.splitTag(0)).setCoder(ExampleBatch.coder(schema.toAvro())),
        read.get(ReadExamplesFn.REJECTED).setCoder(SerializableCoder.of(RejectedRow.class)));
  }

  /**
   * {@link ReadExamples} whose rows that do not fit the schema are an output ({@link Result#rejected()}),
   * each with its file, line, field and reason, for the caller to count and write.
   */
  public static final class KeepingRejected extends PTransform<PBegin, Result> {
    private static final long serialVersionUID = 1L;

    private final ReadExamples read;

    private KeepingRejected(ReadExamples read) {
      this.read = read;
    }

    /** The schema of the examples, declared or inferred. */
    public ExampleSchema schema() {
      return read.schema;
    }

    @Override
    public Result expand(PBegin begin) {
      return read.read(begin);
    }
  }

  /** What {@link KeepingRejected} reads: the examples, and the rows that do not fit the schema. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<ExampleBatch> examples;
    private final PCollection<RejectedRow> rejected;

    private Result(Pipeline pipeline, PCollection<ExampleBatch> examples, PCollection<RejectedRow> rejected) {
      this.pipeline = pipeline;
      this.examples = examples;
      this.rejected = rejected;
    }

    public PCollection<ExampleBatch> examples() {
      return examples;
    }

    public PCollection<RejectedRow> rejected() {
      return rejected;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(new TupleTag<>("examples"), examples, new TupleTag<>("rejected"), rejected);
    }

    @Override
    public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
