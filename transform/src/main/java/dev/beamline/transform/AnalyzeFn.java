package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.Iterator;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * The full-pass analyzers of a {@link TransformSpec} as one mergeable {@code CombineFn}: over the raw
 * examples of the analyze split it computes, for every transformed feature, only the constants its
 * transform needs (see {@link FeatureTransform} for their definitions), and returns the {@link
 * FittedTransform}.
 *
 * <p>What each analyzer keeps: the raw mean with a compensated sum (impute MEAN); exact counts of raw
 * values (impute MOST_FREQUENT) and of time parts; count, mean and M2 merged by Chan et al.'s formula
 * (z-score); minimum and maximum (min-max); a KLL sketch (bucketize: exact up to {@value Quantiles#K}
 * values, then a rank error of about 1.33%, see {@link Quantiles}); exact token counts (vocabulary) and
 * document frequencies (tf-idf). Exact counts grow with the number of distinct values.
 *
 * <pre>{@code
 * PCollection<FittedTransform> fitted = train.apply(Combine.globally(AnalyzeFn.of(rawSchema, spec)));
 * FittedTransform local = AnalyzeFn.fitInMemory(rawSchema, spec, records);
 * }</pre>
 */
public final class AnalyzeFn extends Combine.CombineFn<ExampleBatch, AnalysisAccumulator, FittedTransform> {
  private static final long serialVersionUID = 1L;

  private final ExampleSchema raw;
  private final TransformSpec spec;

  private AnalyzeFn(ExampleSchema raw, TransformSpec spec) {
    this.raw = raw;
    this.spec = spec;
  }

  /**
   * The analyzers of {@code spec} over examples of {@code raw}.
   *
   * @throws dev.beamline.core.ConfigException when {@code spec} does not fit {@code raw}
   */
  public static AnalyzeFn of(ExampleSchema raw, TransformSpec spec) {
    checkNotNull(raw, "raw");
    checkNotNull(spec, "spec").check(raw);
    return new AnalyzeFn(raw, spec);
  }

  /** Fits {@code spec} on {@code examples} in this thread, without Beam: for tools and tests. */
  public static FittedTransform fitInMemory(ExampleSchema raw, TransformSpec spec, Iterable<? extends GenericRecord> examples) {
    AnalysisAccumulator acc = of(raw, spec).createAccumulator();
    for (GenericRecord r : examples) {
      acc.add(r);
    }
    return acc.fit();
  }

  @Override
  public AnalysisAccumulator createAccumulator() {
    return AnalysisAccumulator.empty(raw, spec);
  }

  @Override
  public AnalysisAccumulator addInput(AnalysisAccumulator acc, ExampleBatch batch) {
    for (GenericRecord r : batch) {
      acc.add(r);
    }
    return acc;
  }

  /** Merges into the first accumulator and returns it; the others are left unchanged. */
  @Override
  public AnalysisAccumulator mergeAccumulators(Iterable<AnalysisAccumulator> accumulators) {
    Iterator<AnalysisAccumulator> it = accumulators.iterator();
    if (!it.hasNext()) {
      return createAccumulator();
    }
    AnalysisAccumulator merged = it.next();
    while (it.hasNext()) {
      merged.merge(it.next());
    }
    return merged;
  }

  @Override
  public FittedTransform extractOutput(AnalysisAccumulator acc) {
    return acc.fit();
  }

  @Override
  public Coder<AnalysisAccumulator> getAccumulatorCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return AnalysisAccumulator.coder(raw, spec);
  }

  @Override
  public Coder<FittedTransform> getDefaultOutputCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return SerializableCoder.of(FittedTransform.class);
  }
}
