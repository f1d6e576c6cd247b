package dev.beamline.transform;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Count, mean and sum of squared differences from the mean (M2) of finite values, mergeable: the state
 * of the z-score analyzer. The population standard deviation is {@code sqrt(M2 / count)}.
 *
 * <p>Values are added with Welford's update (Technometrics 4(3), 1962) and accumulators are merged with
 * the pairwise formula of Chan, Golub and LeVeque ("Updating formulae and a pairwise algorithm for
 * computing sample variances", COMPSTAT 1982; Stanford report STAN-CS-79-773): exact in real arithmetic,
 * stable in floating point, and equal in every merge order up to rounding in the last digits.
 *
 * <pre>{@code
 * Moments m = new Moments();
 * m.add(1); m.add(3);
 * m.mean();   // 2.0
 * m.std();    // 1.0
 * }</pre>
 */
final class Moments {
  private long count;
  private double mean;
  private double m2;

  void add(double x) {
    count++;
    double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }

  /** Adds {@code other} into this; {@code other} is left unchanged. */
  void merge(Moments other) {
    if (other.count == 0) {
      return;
    }
    if (count == 0) {
      count = other.count;
      mean = other.mean;
      m2 = other.m2;
      return;
    }
    double na = count;
    double nb = other.count;
    double n = na + nb;
    double delta = other.mean - mean;
    mean += delta * (nb / n);
    m2 += other.m2 + delta * delta * (na * nb / n);
    count += other.count;
  }

  long count() {
    return count;
  }

  /** The mean, NaN without values. */
  double mean() {
    return count == 0 ? Double.NaN : mean;
  }

  /** The population standard deviation, NaN without values. */
  double std() {
    return count == 0 ? Double.NaN : Math.sqrt(Math.max(0, m2) / count);
  }

  void encode(DataOutputStream out) throws IOException {
    out.writeLong(count);
    out.writeDouble(mean);
    out.writeDouble(m2);
  }

  static Moments decode(DataInputStream in) throws IOException {
    Moments m = new Moments();
    m.count = in.readLong();
    m.mean = in.readDouble();
    m.m2 = in.readDouble();
    return m;
  }
}
