package dev.beamline.ingest;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;

/**
 * Reads raw input files (any format {@link IngestExamples} reads) as one stream of example batches,
 * without splitting or writing anything: for looking at data, e.g. its statistics, before ingesting it.
 * A row that does not fit the schema fails the read with its file, line and reason: nothing is dropped
 * silently (ingest the data to keep such rows in a dead-letter file instead).
 *
 * <pre>{@code
 * ReadExamples read = ReadExamples.of(IngestExamples.Config.of("flights.parquet"));
 * PCollection<ExampleBatch> batches = pipeline.apply(read);
 * ExampleSchema schema = read.schema();
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

  @Override
  public PCollection<ExampleBatch> expand(PBegin begin) {
    ReadExamplesFn readFn =
        new ReadExamplesFn(reader, schema, new SplitFn(SplitConfig.of(Map.of("all", 1)), -1), List.of("all"), IngestExamples.BATCH_SIZE);
    List<String> paths = inputs.files().stream().map(InputFiles.InputFile::path).toList();
    PCollectionTuple read =
        begin.apply("ListFiles", Create.of(paths).withCoder(StringUtf8Coder.of()))
            .apply("SpreadFiles", Reshuffle.viaRandomKey())
            .apply("ReadFiles", ParDo.of(readFn).withOutputTags(readFn.splitTag(0), readFn.additionalTags()));
    read.get(ReadExamplesFn.REJECTED)
        .setCoder(org.apache.beam.sdk.coders.SerializableCoder.of(RejectedRow.class))
        .apply("FailOnRejected", ParDo.of(new DoFn<RejectedRow, Void>() {
          @ProcessElement
          public void process(@Element RejectedRow row) {
            throw new DataCheckException("a row does not fit the schema: " + row.describe() + " (ingest the data to keep such rows in a dead-letter file)");
          }
        }));
    read.get(ReadExamplesFn.FINGERPRINTS).setCoder(org.apache.beam.sdk.coders.SerializableCoder.of(FileFingerprint.class));
    return read.get(readFn.splitTag(0)).setCoder(ExampleBatch.coder(schema.toAvro()));
  }
}
