package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The analyzer of a timestamp feature: exact counts of its time part. For an id part (a fixed number of
 * ids) the most frequent id (the smallest on a tie) replaces a missing timestamp unless a constant is
 * given; without any timestamp in the analyze split the replacement is -1, "no id". A cyclical part
 * needs no constant (missing is {@code [0, 0]}). For the year, a number, the counts are per year seen
 * (at most about 585,000 years fit in 64-bit microseconds), so the most frequent year and the
 * scaling constants are exact and the same in every merge order.
 */
final class TimePartAnalyzer implements FeatureAnalyzer {
  private final FeatureTransform spec;
  /** Counts per id of an id part; null for the year. */
  private final long[] counts;
  /** Counts per year, ascending; null for an id part. */
  private final TreeMap<Long, Long> years;

  TimePartAnalyzer(FeatureTransform spec) {
    this.spec = spec;
    boolean year = spec.timePart() == TimePart.YEAR;
    this.counts = year ? null : new long[TimeParts.cardinality(spec.timePart())];
    this.years = year ? new TreeMap<>() : null;
  }

  @Override
  public void add(Object raw) {
    if (raw == null) {
      return;
    }
    long part = TimeParts.part(spec.timePart(), RawValue.micros(raw));
    if (counts != null) {
      counts[(int) part]++;
    } else {
      years.merge(part, 1L, Long::sum);
    }
  }

  @Override
  public void merge(FeatureAnalyzer o) {
    TimePartAnalyzer other = (TimePartAnalyzer) o;
    if (counts != null) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += other.counts[i];
      }
    } else {
      other.years.forEach((y, c) -> years.merge(y, c, Long::sum));
    }
  }

  @Override
  public FittedFeature fit(long rows) {
    OutputKind kind = OutputKind.of(spec, FeatureType.TIMESTAMP);
    int cardinality = TimeParts.cardinality(spec.timePart());
    boolean constant = spec.impute() != null && spec.impute().strategy() == Impute.Strategy.CONSTANT;
    if (counts == null) {
      return fitYear(kind, constant, rows);
    }
    Double impute;
    if (spec.effectiveEncoding() == Encoding.CYCLICAL) {
      impute = null;
    } else if (constant) {
      impute = (double) Long.parseLong(spec.impute().constant().trim());
    } else {
      int best = -1;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) {
          best = i;
        }
      }
      impute = (double) best;
    }
    return new FittedFeature(spec, FeatureType.TIMESTAMP, kind, cardinality, impute,
        null, null, null, null, null, null, null, null, null, rows);
  }

  private FittedFeature fitYear(OutputKind kind, boolean constant, long rows) {
    double impute = Double.NaN;
    long n = 0;
    long bestCount = 0;
    for (Map.Entry<Long, Long> e : years.entrySet()) {
      n += e.getValue();
      if (e.getValue() > bestCount) {
        bestCount = e.getValue();
        impute = e.getKey();
      }
    }
    if (constant) {
      impute = Long.parseLong(spec.impute().constant().trim());
    }
    Double mean = null;
    Double std = null;
    Double min = null;
    Double max = null;
    if (spec.scale() == Scale.Z_SCORE) {
      // Two passes over the exact counts, in ascending year order: the same bits in every merge order.
      double sum = 0;
      for (Map.Entry<Long, Long> e : years.entrySet()) {
        sum += (double) e.getKey() * e.getValue();
      }
      double m = n == 0 ? Double.NaN : sum / n;
      double squares = 0;
      for (Map.Entry<Long, Long> e : years.entrySet()) {
        double d = e.getKey() - m;
        squares += d * d * e.getValue();
      }
      mean = m;
      std = n == 0 ? Double.NaN : Math.sqrt(squares / n);
    } else if (spec.scale() == Scale.MIN_MAX) {
      min = years.isEmpty() ? Double.NaN : (double) years.firstKey();
      max = years.isEmpty() ? Double.NaN : (double) years.lastKey();
    }
    return new FittedFeature(spec, FeatureType.TIMESTAMP, kind, 0, impute,
        null, mean, std, min, max, null, null, null, null, rows);
  }

  @Override
  public void encode(DataOutputStream out) throws IOException {
    if (counts != null) {
      for (long c : counts) {
        out.writeLong(c);
      }
      return;
    }
    out.writeInt(years.size());
    for (Map.Entry<Long, Long> e : years.entrySet()) {
      out.writeLong(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  @Override
  public void decode(DataInputStream in) throws IOException {
    if (counts != null) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] = in.readLong();
      }
      return;
    }
    years.clear();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      years.put(in.readLong(), in.readLong());
    }
  }
}
