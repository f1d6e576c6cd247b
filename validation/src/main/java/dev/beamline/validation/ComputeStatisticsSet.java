package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.ingest.ReadPublishedExamples;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The statistics of every split of a dataset, gathered into one {@link StatisticsSet} in split order:
 * {@link ComputeStatistics} on each split, in one pass each. It reads a published ingestion output once
 * its folder is in {@code dirs} (what the statistics stage does), or files (what {@code beamline stats
 * --engine beam} does, one split called {@code data}).
 *
 * <pre>{@code
 * PCollection<StatisticsSet> s = examplesDir.apply(ComputeStatisticsSet.ofPublished(schema, List.of("train", "eval")));
 * PCollection<StatisticsSet> t = pipeline.apply(ComputeStatisticsSet.of("data/*.csv"));
 * }</pre>
 */
public final class ComputeStatisticsSet {
  private ComputeStatisticsSet() {}

  /** The statistics of the published ingestion output whose folder arrives in the input collection. */
  public static PTransform<PCollection<String>, PCollection<StatisticsSet>> ofPublished(ExampleSchema schema, List<String> splits) {
    checkArgument(!splits.isEmpty(), "at least one split is needed");
    return new PTransform<>() {
      @Override
      public PCollection<StatisticsSet> expand(PCollection<String> dirs) {
        List<PCollection<DatasetStatistics>> perSplit = new ArrayList<>();
        for (String s : splits) {
          perSplit.add(
              dirs.apply("ReadExamples-" + s, ReadPublishedExamples.split(s, schema.toAvro()))
                  .apply("Statistics-" + s, ComputeStatistics.of(schema, s)));
        }
        return collect(perSplit, splits);
      }
    };
  }

  /**
   * The statistics of {@code data}: a published ingestion output (every split), or a path or glob of
   * CSV, JSON lines, Avro or Parquet files (one split, {@code data}). The data's schema is read or
   * inferred now, before the graph is built.
   */
  public static PTransform<PBegin, PCollection<StatisticsSet>> of(String data) {
    if (IngestOutput.isPublished(data)) {
      IngestOutput o = IngestOutput.open(data);
      PTransform<PCollection<String>, PCollection<StatisticsSet>> published = ofPublished(o.schema(), o.splitNames());
      return new PTransform<>() {
        @Override
        public PCollection<StatisticsSet> expand(PBegin begin) {
          return begin.apply("ExamplesDir", Create.of(data).withCoder(StringUtf8Coder.of())).apply("Statistics", published);
        }
      };
    }
    ReadExamples read = ReadExamples.of(IngestExamples.Config.of(data));
    ExampleSchema schema = read.schema();
    return new PTransform<>() {
      @Override
      public PCollection<StatisticsSet> expand(PBegin begin) {
        PCollection<ExampleBatch> batches = begin.apply("ReadExamples", read);
        return collect(List.of(batches.apply("Statistics-data", ComputeStatistics.of(schema, "data"))), List.of("data"));
      }
    };
  }

  private static PCollection<StatisticsSet> collect(List<PCollection<DatasetStatistics>> perSplit, List<String> splits) {
    return PCollectionList.of(perSplit)
        .apply("AllSplits", Flatten.pCollections())
        .apply("Collect", Combine.globally(new StatisticsStage.CollectFn(List.copyOf(splits))))
        .setCoder(SerializableCoder.of(StatisticsSet.class));
  }
}
