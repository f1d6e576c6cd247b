package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.List;

/**
 * A model's outputs on a batch of rows: class probabilities, class ids and class names for
 * classification, or the predicted values for regression: in the label's own units (the inverse of
 * its scale and log steps applied, see {@link LabelUnits}), and in the transformed units the network
 * was trained on.
 *
 * <pre>{@code
 * Predictions p = model.predict(dir, "eval");
 * float pAdelie = p.probability(0, 0);
 * long id = p.classIds()[0];
 * float grams = regression.values()[0];             // e.g. 4250.0, the label's own units
 * float z = regression.transformedValues()[0];      // e.g. 0.06, the z-score the network output
 * }</pre>
 */
public final class Predictions {
  private final int rows;
  private final List<String> classNames;
  private final float[] probabilities;
  private final long[] classIds;
  private final float[] values;
  private final float[] transformedValues;

  private Predictions(int rows, List<String> classNames, float[] probabilities, long[] classIds, float[] values, float[] transformedValues) {
    this.rows = rows;
    this.classNames = classNames;
    this.probabilities = probabilities;
    this.classIds = classIds;
    this.values = values;
    this.transformedValues = transformedValues;
  }

  static Predictions classes(List<String> classNames, float[] probabilities, long[] classIds) {
    checkArgument(probabilities.length == classIds.length * classNames.size(), "probabilities do not match the class ids");
    return new Predictions(classIds.length, List.copyOf(classNames), probabilities, classIds, null, null);
  }

  /** Regression values in the label's own units and, row for row, in its transformed units. */
  static Predictions values(float[] values, float[] transformedValues) {
    checkArgument(values.length == transformedValues.length, "%s values but %s transformed values", values.length, transformedValues.length);
    return new Predictions(values.length, List.of(), null, null, values, transformedValues);
  }

  /** The predictions of several batches, in order. */
  static Predictions concat(List<Predictions> parts, List<String> classNames, boolean classification) {
    int n = parts.stream().mapToInt(Predictions::rows).sum();
    if (classification) {
      float[] p = new float[n * classNames.size()];
      long[] ids = new long[n];
      int at = 0;
      for (Predictions part : parts) {
        System.arraycopy(part.probabilities, 0, p, at * classNames.size(), part.probabilities.length);
        System.arraycopy(part.classIds, 0, ids, at, part.rows);
        at += part.rows;
      }
      return classes(classNames, p, ids);
    }
    float[] v = new float[n];
    float[] t = new float[n];
    int at = 0;
    for (Predictions part : parts) {
      System.arraycopy(part.values, 0, v, at, part.rows);
      System.arraycopy(part.transformedValues, 0, t, at, part.rows);
      at += part.rows;
    }
    return values(v, t);
  }

  public int rows() {
    return rows;
  }

  public boolean classification() {
    return classIds != null;
  }

  public int numClasses() {
    return classNames.size();
  }

  /** The probability of class {@code k} for row {@code row}. */
  public float probability(int row, int k) {
    return probabilities[row * classNames.size() + k];
  }

  /** All probabilities, {@code [rows, classes]} row-major; a copy. */
  public float[] probabilities() {
    return probabilities == null ? null : probabilities.clone();
  }

  /** The most probable class of each row; a copy. */
  public long[] classIds() {
    return classIds == null ? null : classIds.clone();
  }

  /** The name of the most probable class of each row. */
  public String[] classes() {
    return classIds == null ? null : Arrays.stream(classIds).mapToObj(id -> classNames.get((int) id)).toArray(String[]::new);
  }

  /**
   * The regressed value of each row in the label's own units (the scale and log steps of its transform
   * undone; a clipped label's values are in the units of the clipped range); a copy.
   */
  public float[] values() {
    return values == null ? null : values.clone();
  }

  /**
   * The regressed value of each row in the label's transformed units, as the network outputs it (equal
   * to {@link #values()} when the label has no scale or log step); a copy.
   */
  public float[] transformedValues() {
    return transformedValues == null ? null : transformedValues.clone();
  }
}
