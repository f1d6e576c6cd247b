package dev.beamline.transform;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The mean of the non-missing values, from a sum with Neumaier's compensation (ZAMM 54(1), 1974), whose
 * error does not grow with the number of values, so that it hardly depends on the merge order: the state
 * of mean imputation. Infinite values count: the mean is then infinite, or NaN with both signs.
 *
 * <pre>{@code
 * CompensatedMean m = new CompensatedMean();
 * m.add(1); m.add(2);
 * m.mean();   // 1.5
 * }</pre>
 */
final class CompensatedMean {
  private long count;
  private double sum;
  private double compensation;

  void add(double x) {
    count++;
    addToSum(x);
  }

  /** Adds {@code other} into this; {@code other} is left unchanged. */
  void merge(CompensatedMean other) {
    count += other.count;
    addToSum(other.sum);
    compensation += other.compensation;
  }

  private void addToSum(double x) {
    double t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) {
      compensation += (sum - t) + x;
    } else {
      compensation += (x - t) + sum;
    }
    sum = t;
  }

  /** The mean, NaN without values. */
  double mean() {
    if (count == 0) {
      return Double.NaN;
    }
    // Past an infinity the compensation is NaN; the plain sum then says all there is to say.
    return Double.isFinite(sum) ? (sum + compensation) / count : sum / count;
  }

  void encode(DataOutputStream out) throws IOException {
    out.writeLong(count);
    out.writeDouble(sum);
    out.writeDouble(compensation);
  }

  static CompensatedMean decode(DataInputStream in) throws IOException {
    CompensatedMean m = new CompensatedMean();
    m.count = in.readLong();
    m.sum = in.readDouble();
    m.compensation = in.readDouble();
    return m;
  }
}
