package dev.beamline.evaluation;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;

/**
 * Everything an evaluation counts, mergeable: per key ({@code model|sample|spec|slice}, see {@link
 * ScoreExamplesFn#key}) the slice's {@link SliceAccumulator}, and the row counts. The scoring step
 * emits one per bundle and {@link MergeFn} merges them into one, a single combine rather than one per
 * slice key: Beam's DirectRunner spends time per key and timer, and an evaluation with bootstrap has
 * thousands of keys that are small to merge.
 *
 * <pre>{@code
 * PCollection<Tallies> all = perBundle.apply(Combine.globally(new Tallies.MergeFn()));
 * Map<String, Serializable> metrics = all.metrics();
 * }</pre>
 */
public final class Tallies implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Map<String, SliceAccumulator> slices = new HashMap<>();
  private final Map<String, Long> counts = new TreeMap<>();
  private final boolean classification;

  public Tallies(boolean classification) {
    this.classification = classification;
  }

  /** The tally of {@code key}, created empty on first use. */
  SliceAccumulator slice(String key) {
    return slices.computeIfAbsent(key, k -> classification ? SliceAccumulator.forClassification() : SliceAccumulator.forRegression());
  }

  void count(String what, long n) {
    counts.merge(what, n, Long::sum);
  }

  public long count(String what) {
    return counts.getOrDefault(what, 0L);
  }

  public boolean isEmpty() {
    return slices.isEmpty() && counts.isEmpty();
  }

  /** Adds {@code other}'s tallies to these, leaving {@code other} as it was. */
  public Tallies merge(Tallies other) {
    other.slices.forEach((k, v) -> slice(k).merge(v));
    other.counts.forEach(this::count);
    return this;
  }

  /** Per key, the metrics of its tally ({@link SliceAccumulator#metrics()}). */
  public Map<String, Serializable> metrics() {
    Map<String, Serializable> out = new HashMap<>();
    slices.forEach((k, v) -> {
      Serializable m = v.metrics();
      if (m != null) {
        out.put(k, m);
      }
    });
    return out;
  }

  /**
   * Codes tallies with Java serialisation, as {@link SerializableCoder} does, without its warning that
   * the class has no value equality: tallies are merged, never compared.
   */
  public static final class TalliesCoder extends CustomCoder<Tallies> {
    private static final long serialVersionUID = 1L;
    private static final TalliesCoder INSTANCE = new TalliesCoder();

    public static TalliesCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(Tallies value, OutputStream out) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
        o.writeObject(value);
      }
      ByteArrayCoder.of().encode(bytes.toByteArray(), out);
    }

    @Override
    public Tallies decode(InputStream in) throws IOException {
      byte[] bytes = ByteArrayCoder.of().decode(in);
      try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
        return (Tallies) o.readObject();
      } catch (ClassNotFoundException e) {
        throw new IOException("cannot decode tallies: " + e.getMessage(), e);
      }
    }
  }

  /** Merges every bundle's tallies into one. */
  public static final class MergeFn extends Combine.CombineFn<Tallies, Tallies, Tallies> {
    private static final long serialVersionUID = 1L;
    private final boolean classification;

    public MergeFn(boolean classification) {
      this.classification = classification;
    }

    @Override
    public Tallies createAccumulator() {
      return new Tallies(classification);
    }

    @Override
    public Tallies addInput(Tallies acc, Tallies input) {
      return acc.merge(input);
    }

    @Override
    public Tallies mergeAccumulators(Iterable<Tallies> accumulators) {
      Tallies merged = createAccumulator();
      accumulators.forEach(merged::merge);
      return merged;
    }

    @Override
    public Tallies extractOutput(Tallies acc) {
      return acc;
    }

    @Override
    public Coder<Tallies> getAccumulatorCoder(CoderRegistry registry, Coder<Tallies> inputCoder) throws CannotProvideCoderException {
      return TalliesCoder.of();
    }

    @Override
    public Coder<Tallies> getDefaultOutputCoder(CoderRegistry registry, Coder<Tallies> inputCoder) throws CannotProvideCoderException {
      return TalliesCoder.of();
    }
  }
}
