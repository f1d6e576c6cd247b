package dev.beamline.evaluation;

import java.io.Serializable;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * A {@link Combine.CombineFn} whose accumulator takes each input and merges other accumulators into
 * itself: the adding and merging every metric combiner of this module shares. Accumulators and outputs
 * are coded with Java serialisation.
 *
 * <pre>{@code
 * final class CountFn extends MergingCombineFn<String, Count, Long> { ... }
 * }</pre>
 */
abstract class MergingCombineFn<I, A extends MergingCombineFn.Accumulator<I, A>, O extends Serializable> extends Combine.CombineFn<I, A, O> {
  /** An accumulator that adds one input, or merges another accumulator, into itself. */
  interface Accumulator<I, A> extends Serializable {
    void add(I input);

    void merge(A other);
  }

  private final Class<A> accumulatorClass;
  private final Class<O> outputClass;

  MergingCombineFn(Class<A> accumulatorClass, Class<O> outputClass) {
    this.accumulatorClass = accumulatorClass;
    this.outputClass = outputClass;
  }

  @Override
  public final A addInput(A acc, I input) {
    acc.add(input);
    return acc;
  }

  @Override
  public final A mergeAccumulators(Iterable<A> accumulators) {
    A merged = null;
    for (A a : accumulators) {
      if (merged == null) {
        merged = a;
      } else {
        merged.merge(a);
      }
    }
    return merged == null ? createAccumulator() : merged;
  }

  @Override
  public Coder<A> getAccumulatorCoder(CoderRegistry registry, Coder<I> inputCoder) throws CannotProvideCoderException {
    return SerializableCoder.of(accumulatorClass);
  }

  @Override
  public Coder<O> getDefaultOutputCoder(CoderRegistry registry, Coder<I> inputCoder) throws CannotProvideCoderException {
    return SerializableCoder.of(outputClass);
  }
}
