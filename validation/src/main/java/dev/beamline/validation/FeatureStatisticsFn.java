package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.Iterator;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Computes the statistics of every feature of a split in one pass, as a mergeable {@code CombineFn}
 * (the algorithm of TFDV's {@code GenerateStatistics}, on Apache DataSketches).
 *
 * <p>Counts, extremes, moments and lengths are exact; quantiles and histograms come from a KLL sketch,
 * distinct counts past {@value #EXACT_DISTINCT_LIMIT} values from an HLL sketch and value counts past
 * that from a frequent-items sketch. {@link NumericStatistics} and {@link StringStatistics} state each
 * field's error. Merging accumulators in any order gives the same exact fields (means and standard
 * deviations to the last digit in practice, see {@link NumericStatistics}) and sketch fields within the
 * same bounds. Examples come in as records ({@link #addInput}) or as columns ({@link #addColumns}, for
 * columnar readers); both update the same accumulator. The work per
 * value is constant (amortized), and an accumulator's size is bounded by the schema, not the data: up to
 * {@value #EXACT_DISTINCT_LIMIT} exact strings per feature, then fixed-size sketches (about 5 KB per
 * numeric feature; 2.5 KB plus up to 3,072 strings per string feature).
 *
 * <pre>{@code
 * PCollection<DatasetStatistics> stats =
 *     batches.apply(Combine.globally(FeatureStatisticsFn.of(schema, "train")));   // or ComputeStatistics
 * DatasetStatistics local = FeatureStatisticsFn.computeInMemory(schema, "train", records);
 *
 * FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "train");   // driven directly, e.g. by threads
 * StatsAccumulator a = fn.addColumns(fn.createAccumulator(), columnBatch);
 * StatsAccumulator b = fn.addInput(fn.createAccumulator(), exampleBatch);
 * DatasetStatistics stats = fn.extractOutput(fn.mergeAccumulators(List.of(a, b)));
 * }</pre>
 */
public final class FeatureStatisticsFn extends Combine.CombineFn<ExampleBatch, StatsAccumulator, DatasetStatistics> {
  private static final long serialVersionUID = 1L;

  /** Distinct values of a string feature that are counted exactly; past this, sketches take over. */
  public static final int EXACT_DISTINCT_LIMIT = 1000;
  /** Log2 of the number of HLL registers: relative standard error about 1.3% (1.6% after merges). */
  public static final int HLL_LG_K = 12;
  /** Size of the frequent-items sketch's map: count error at most 3.5 / 4096 of the values. */
  public static final int FREQUENT_ITEMS_MAP_SIZE = 4096;
  /** The KLL sketch's k: normalized rank error about 1.33% for one quantile (99% confidence). */
  public static final int KLL_K = 200;
  /** The number of most frequent values reported. */
  public static final int TOP_VALUES = 20;
  /** The most values with counts reported, for categorical drift. */
  public static final int MAX_CATEGORY_COUNTS = 1000;
  /** Buckets of the equal-width histogram. */
  public static final int EQUAL_WIDTH_BUCKETS = 10;

  private final ExampleSchema schema;
  private final String split;

  private FeatureStatisticsFn(ExampleSchema schema, String split) {
    this.schema = schema;
    this.split = split;
  }

  /** Statistics of examples of {@code schema}, reported as split {@code split}. */
  public static FeatureStatisticsFn of(ExampleSchema schema, String split) {
    checkNotNull(schema, "schema");
    checkArgument(split != null && !split.isBlank(), "split name must not be empty, got '%s'", split);
    return new FeatureStatisticsFn(schema, split);
  }

  /**
   * The statistics of {@code examples}, computed in this thread without Beam: for tools and tests.
   *
   * @throws IllegalArgumentException when an example lacks a feature of {@code schema} or holds a value
   *     of the wrong type
   */
  public static DatasetStatistics computeInMemory(
      ExampleSchema schema, String split, Iterable<? extends GenericRecord> examples) {
    FeatureStatisticsFn fn = of(schema, split);
    StatsAccumulator acc = fn.createAccumulator();
    for (GenericRecord r : examples) {
      acc.add(r);
    }
    return fn.extractOutput(acc);
  }

  public ExampleSchema schema() {
    return schema;
  }

  public String split() {
    return split;
  }

  @Override
  public StatsAccumulator createAccumulator() {
    return StatsAccumulator.empty(schema);
  }

  @Override
  public StatsAccumulator addInput(StatsAccumulator acc, ExampleBatch batch) {
    for (GenericRecord r : batch) {
      acc.add(r);
    }
    return acc;
  }

  /**
   * Adds the examples of a column batch (for readers that decode columns rather than records) and
   * returns {@code acc}: the same statistics as {@link #addInput} of the same examples, within the
   * error each field states.
   *
   * @throws IllegalArgumentException when the batch has another schema
   */
  public StatsAccumulator addColumns(StatsAccumulator acc, ColumnBatch batch) {
    acc.add(batch);
    return acc;
  }

  /** Merges into the first accumulator and returns it; the others are left unchanged. */
  @Override
  public StatsAccumulator mergeAccumulators(Iterable<StatsAccumulator> accumulators) {
    Iterator<StatsAccumulator> it = accumulators.iterator();
    if (!it.hasNext()) {
      return createAccumulator();
    }
    StatsAccumulator merged = it.next();
    while (it.hasNext()) {
      merged.merge(it.next());
    }
    return merged;
  }

  @Override
  public DatasetStatistics extractOutput(StatsAccumulator acc) {
    return acc.extract(split);
  }

  @Override
  public Coder<StatsAccumulator> getAccumulatorCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return StatsAccumulator.coder(schema);
  }

  @Override
  public Coder<DatasetStatistics> getDefaultOutputCoder(CoderRegistry registry, Coder<ExampleBatch> inputCoder) {
    return DatasetStatistics.coder();
  }
}
