package dev.beamline.feedback;

import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The live metrics of one key as a mergeable {@link Combine.CombineFn}: every row of joined traffic
 * ({@link LiveExample}) into a {@link WindowTally}, whose metric tallies are the evaluation's, so that
 * merging in any order gives the same metrics.
 *
 * <pre>{@code
 * PCollection<KV<String, WindowTally>> perKey = examples.apply(Combine.perKey(new LiveMetricsFn()));
 * }</pre>
 */
public final class LiveMetricsFn extends Combine.CombineFn<LiveExample, WindowTally, WindowTally> {
  private static final long serialVersionUID = 1L;

  @Override
  public WindowTally createAccumulator() {
    return new WindowTally();
  }

  @Override
  public WindowTally addInput(WindowTally acc, LiveExample input) {
    acc.add(input);
    return acc;
  }

  @Override
  public WindowTally mergeAccumulators(Iterable<WindowTally> accumulators) {
    WindowTally out = new WindowTally();
    accumulators.forEach(out::merge);
    return out;
  }

  @Override
  public WindowTally extractOutput(WindowTally acc) {
    return acc;
  }

  @Override
  public Coder<WindowTally> getAccumulatorCoder(CoderRegistry registry, Coder<LiveExample> inputCoder) throws CannotProvideCoderException {
    return WindowTally.coder();
  }

  @Override
  public Coder<WindowTally> getDefaultOutputCoder(CoderRegistry registry, Coder<LiveExample> inputCoder) throws CannotProvideCoderException {
    return WindowTally.coder();
  }
}
