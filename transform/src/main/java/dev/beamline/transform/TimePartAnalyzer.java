package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Impute;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * The analyzer of a timestamp feature: exact counts of its time part (24 hours or 7 days), whose most
 * frequent value (the smallest on a tie) replaces a missing timestamp unless a constant part is given.
 * Without any timestamp in the analyze split the replacement is -1, "no id".
 */
final class TimePartAnalyzer implements FeatureAnalyzer {
  private final FeatureTransform spec;
  private long[] counts;

  TimePartAnalyzer(FeatureTransform spec) {
    this.spec = spec;
    this.counts = new long[TimeParts.cardinality(spec.timePart())];
  }

  @Override
  public void add(Object raw) {
    if (raw != null) {
      counts[TimeParts.part(spec.timePart(), RawValue.micros(raw))]++;
    }
  }

  @Override
  public void merge(FeatureAnalyzer o) {
    long[] other = ((TimePartAnalyzer) o).counts;
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other[i];
    }
  }

  @Override
  public FittedFeature fit(long rows) {
    double impute;
    if (spec.impute() != null && spec.impute().strategy() == Impute.Strategy.CONSTANT) {
      impute = Long.parseLong(spec.impute().constant().trim());
    } else {
      int best = -1;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0 && (best < 0 || counts[i] > counts[best])) {
          best = i;
        }
      }
      impute = best;
    }
    return new FittedFeature(
        spec,
        FeatureType.TIMESTAMP,
        OutputKind.of(spec, FeatureType.TIMESTAMP),
        counts.length,
        impute,
        null, null, null, null, null, null, null, null, null,
        rows);
  }

  @Override
  public void encode(DataOutputStream out) throws IOException {
    for (long c : counts) {
      out.writeLong(c);
    }
  }

  @Override
  public void decode(DataInputStream in) throws IOException {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = in.readLong();
    }
  }
}
