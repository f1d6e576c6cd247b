package dev.beamline.evaluation;

import java.io.Serializable;
import java.math.BigDecimal;

/**
 * A sum of doubles kept exactly, so that the metrics' accumulators give bit-identical results in any
 * order of adding and merging. The running value is a double plus the exact rounding errors of the
 * additions (Knuth's TwoSum, TAOCP vol. 2, 4.2.2), held in a {@link BigDecimal} that is only touched when
 * an addition was inexact: sums of integer weights never allocate. {@link #value()} is the exact sum
 * rounded once to the nearest double.
 *
 * <pre>{@code
 * ExactSum s = new ExactSum();
 * s.add(1e100); s.add(1.0); s.add(-1e100);
 * s.value(); // 1.0
 * }</pre>
 */
final class ExactSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private double head;
  private BigDecimal tail = BigDecimal.ZERO;

  /** Adds a finite double exactly. */
  void add(double x) {
    double s = head + x;
    double bb = s - head;
    double err = (head - (s - bb)) + (x - bb);
    head = s;
    if (err != 0) {
      tail = tail.add(new BigDecimal(err));
    }
  }

  /** Adds an exact decimal, such as a product of doubles computed without rounding. */
  void add(BigDecimal x) {
    tail = tail.add(x);
  }

  /** Adds everything {@code other} holds. */
  void add(ExactSum other) {
    add(other.head);
    tail = tail.add(other.tail);
  }

  /** The exact sum. */
  BigDecimal exact() {
    return new BigDecimal(head).add(tail);
  }

  /** The exact sum, rounded once to the nearest double. */
  double value() {
    return tail.signum() == 0 ? head : exact().doubleValue();
  }
}
