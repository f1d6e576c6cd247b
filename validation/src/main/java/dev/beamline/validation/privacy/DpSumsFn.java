package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import java.util.Iterator;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The exact aggregates of a split that a {@link DpQueryPlan} releases, as a mergeable {@code CombineFn}
 * over example batches (already bounded per user when a user is the unit of privacy).
 *
 * <pre>{@code
 * PCollection<DpSums> sums = batches.apply(Combine.globally(new DpSumsFn(plan, "train")));
 * }</pre>
 */
public final class DpSumsFn extends Combine.CombineFn<ExampleBatch, DpSums, DpSums> {
  private static final long serialVersionUID = 1L;

  private final DpQueryPlan plan;
  private final String split;

  public DpSumsFn(DpQueryPlan plan, String split) {
    this.plan = checkNotNull(plan, "plan");
    this.split = checkNotNull(split, "split");
  }

  @Override
  public DpSums createAccumulator() {
    return DpSums.empty(plan, split);
  }

  @Override
  public DpSums addInput(DpSums acc, ExampleBatch batch) {
    for (GenericRecord r : batch) {
      acc.add(r);
    }
    return acc;
  }

  /** Merges into the first accumulator and returns it. */
  @Override
  public DpSums mergeAccumulators(Iterable<DpSums> accumulators) {
    Iterator<DpSums> it = accumulators.iterator();
    if (!it.hasNext()) {
      return createAccumulator();
    }
    DpSums merged = it.next();
    while (it.hasNext()) {
      merged.merge(it.next());
    }
    return merged;
  }

  @Override
  public DpSums extractOutput(DpSums acc) {
    return acc;
  }

  @Override
  public Coder<DpSums> getAccumulatorCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return SerializableCoder.of(DpSums.class);
  }

  @Override
  public Coder<DpSums> getDefaultOutputCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return SerializableCoder.of(DpSums.class);
  }
}
