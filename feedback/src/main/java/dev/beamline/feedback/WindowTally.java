package dev.beamline.feedback;

import dev.beamline.evaluation.SliceAccumulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.TreeSet;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * The live metrics of one key ({@link LiveKey}), mergeable: how many rows, how many had a label, how
 * many of those are in the metrics and why the others are not, and the evaluation's own metric tallies
 * ({@link SliceAccumulator}: exact, mergeable, equal to scikit-learn's) of the rows in the metrics.
 *
 * <pre>{@code
 * WindowTally t = new WindowTally();
 * t.add(LiveExample.scored(Prediction.of(1, new double[] {0.2, 0.8})));
 * Serializable metrics = t.metrics();   // a ClassificationMetrics
 * }</pre>
 */
public final class WindowTally implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The reasons kept for rows not in the metrics, at most: enough to say what went wrong. */
  static final int MAX_REASONS = 3;

  private long rows;
  private long labelled;
  private long scored;
  private long unscored;
  private long unknownLabel;
  private SliceAccumulator tally;
  private final TreeSet<String> reasons = new TreeSet<>();

  public void add(LiveExample e) {
    rows++;
    switch (e.kind()) {
      case UNLABELLED -> { }
      case SCORED -> {
        labelled++;
        scored++;
        if (e.classification() != null) {
          tally().add(e.classification());
        } else {
          tally(false).add(e.regression());
        }
      }
      case UNSCORED -> {
        labelled++;
        unscored++;
        reason(e.reason());
      }
      case UNKNOWN_LABEL -> {
        labelled++;
        unknownLabel++;
        reason(e.reason());
      }
    }
  }

  private SliceAccumulator tally() {
    return tally(true);
  }

  private SliceAccumulator tally(boolean classification) {
    if (tally == null) {
      tally = classification ? SliceAccumulator.forClassification() : SliceAccumulator.forRegression();
    }
    return tally;
  }

  private void reason(String r) {
    if (r != null && (reasons.size() < MAX_REASONS || reasons.contains(r))) {
      reasons.add(r);
    } else if (r != null && r.compareTo(reasons.last()) < 0) {
      // The smallest reasons, whatever the order of adding and merging.
      reasons.pollLast();
      reasons.add(r);
    }
  }

  /** Adds {@code other}'s counts and tallies to these, leaving {@code other} as it was. */
  public WindowTally merge(WindowTally other) {
    rows += other.rows;
    labelled += other.labelled;
    scored += other.scored;
    unscored += other.unscored;
    unknownLabel += other.unknownLabel;
    if (other.tally != null) {
      tally(other.tally.classification()).merge(other.tally);
    }
    other.reasons.forEach(this::reason);
    return this;
  }

  public long rows() {
    return rows;
  }

  public long labelled() {
    return labelled;
  }

  public long unlabelled() {
    return rows - labelled;
  }

  public long scored() {
    return scored;
  }

  public long unscored() {
    return unscored;
  }

  public long unknownLabel() {
    return unknownLabel;
  }

  /** Why some labelled rows are not in the metrics: at most {@value #MAX_REASONS}, the first in text order. */
  public java.util.List<String> reasons() {
    return java.util.List.copyOf(reasons);
  }

  /** The metrics of the scored rows: a {@code ClassificationMetrics}, a {@code RegressionMetrics}, or null for none. */
  public Serializable metrics() {
    return tally == null ? null : tally.metrics();
  }

  /** The coder of tallies. */
  public static Coder<WindowTally> coder() {
    return TallyCoder.INSTANCE;
  }

  /**
   * Codes tallies with Java serialisation, as {@code SerializableCoder} does, without its warning that the
   * class has no value equality: tallies are merged, never compared (as the evaluation's {@code Tallies}).
   */
  private static final class TallyCoder extends CustomCoder<WindowTally> {
    private static final long serialVersionUID = 1L;
    private static final TallyCoder INSTANCE = new TallyCoder();

    @Override
    public void encode(WindowTally value, OutputStream out) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
        o.writeObject(value);
      }
      ByteArrayCoder.of().encode(bytes.toByteArray(), out);
    }

    @Override
    public WindowTally decode(InputStream in) throws IOException {
      try (ObjectInputStream o = new ObjectInputStream(new ByteArrayInputStream(ByteArrayCoder.of().decode(in)))) {
        return (WindowTally) o.readObject();
      } catch (ClassNotFoundException e) {
        throw new IOException("cannot decode a live metrics tally: " + e.getMessage(), e);
      }
    }
  }
}
