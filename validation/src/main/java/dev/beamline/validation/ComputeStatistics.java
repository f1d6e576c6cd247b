package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;

/**
 * Computes the statistics of one split: a single {@link DatasetStatistics} for a bounded collection of
 * example batches in the global window, with {@code numExamples = 0} (and zero counts) for an empty
 * split. The algorithm is {@link FeatureStatisticsFn}.
 *
 * <pre>{@code
 * PCollection<DatasetStatistics> train =
 *     trainBatches.apply("TrainStatistics", ComputeStatistics.of(schema, "train"));
 * }</pre>
 */
public final class ComputeStatistics extends PTransform<PCollection<ExampleBatch>, PCollection<DatasetStatistics>> {
  private static final long serialVersionUID = 1L;

  private final ExampleSchema schema;
  private final String split;

  private ComputeStatistics(ExampleSchema schema, String split) {
    this.schema = schema;
    this.split = split;
  }

  /** Statistics of examples of {@code schema}, reported as split {@code split}. */
  public static ComputeStatistics of(ExampleSchema schema, String split) {
    checkNotNull(schema, "schema");
    checkArgument(split != null && !split.isBlank(), "split name must not be empty, got '%s'", split);
    return new ComputeStatistics(schema, split);
  }

  public ExampleSchema schema() {
    return schema;
  }

  public String split() {
    return split;
  }

  @Override
  public PCollection<DatasetStatistics> expand(PCollection<ExampleBatch> batches) {
    checkArgument(
        batches.getWindowingStrategy().getWindowFn() instanceof GlobalWindows,
        "ComputeStatistics needs examples in the global window (one result per split), got %s",
        batches.getWindowingStrategy().getWindowFn());
    // With defaults (not withoutDefaults()): an empty split still yields statistics, with zero counts.
    return batches
        .apply("Combine", Combine.globally(FeatureStatisticsFn.of(schema, split)))
        .setCoder(DatasetStatistics.coder());
  }
}
