package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Releases the exact sums of every split ({@link ComputeDpSums}, one element per split) as one {@link
 * DpStatistics}: gathers them, then adds the noise once ({@link NoisyRelease}, from a secure source).
 *
 * <pre>{@code
 * PCollection<DpStatistics> dp = PCollectionList.of(perSplitSums).apply(Flatten.pCollections())
 *     .apply("Release", ReleaseDpStatistics.of(plan));
 * }</pre>
 */
public final class ReleaseDpStatistics extends PTransform<PCollection<DpSums>, PCollection<DpStatistics>> {
  private static final long serialVersionUID = 1L;

  private final DpQueryPlan plan;

  private ReleaseDpStatistics(DpQueryPlan plan) {
    this.plan = plan;
  }

  public static ReleaseDpStatistics of(DpQueryPlan plan) {
    return new ReleaseDpStatistics(checkNotNull(plan, "plan"));
  }

  @Override
  public PCollection<DpStatistics> expand(PCollection<DpSums> sums) {
    return sums
        .apply("CollectSplits", Combine.globally(new ToListFn()))
        .setCoder(ListCoder.of(SerializableCoder.of(DpSums.class)))
        .apply("AddNoise", ParDo.of(new NoiseFn(plan)))
        .setCoder(SerializableCoder.of(DpStatistics.class));
  }

  /** Gathers the per-split sums into one list. */
  private static final class ToListFn extends Combine.CombineFn<DpSums, List<DpSums>, List<DpSums>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<DpSums> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<DpSums> addInput(List<DpSums> acc, DpSums s) {
      acc.add(s);
      return acc;
    }

    @Override
    public List<DpSums> mergeAccumulators(Iterable<List<DpSums>> accs) {
      List<DpSums> all = new ArrayList<>();
      accs.forEach(all::addAll);
      return all;
    }

    @Override
    public List<DpSums> extractOutput(List<DpSums> acc) {
      return acc;
    }

    @Override
    public Coder<List<DpSums>> getAccumulatorCoder(CoderRegistry registry, Coder<DpSums> inputCoder) {
      return ListCoder.of(SerializableCoder.of(DpSums.class));
    }
  }

  /** Draws the noise, once: the input is one element, the list of every split's sums. */
  private static final class NoiseFn extends DoFn<List<DpSums>, DpStatistics> {
    private static final long serialVersionUID = 1L;
    private final DpQueryPlan plan;

    NoiseFn(DpQueryPlan plan) {
      this.plan = plan;
    }

    @ProcessElement
    public void process(@Element List<DpSums> sums, OutputReceiver<DpStatistics> out) {
      out.output(NoisyRelease.of(plan, sums));
    }
  }
}
