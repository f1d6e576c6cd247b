package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One classified example as {@link ClassificationMetricsFn} reads it: the true class index, the model's
 * probability for every class, and the example's weight (1 unless given).
 *
 * <pre>{@code
 * Prediction p = Prediction.of(1, new double[] {0.3, 0.7});
 * Prediction weighted = Prediction.of(0, new double[] {0.9, 0.1}, 2.5);
 * }</pre>
 *
 * @param label the true class, in {@code [0, number of classes)}
 * @param probabilities the model's probability of each class, finite and in {@code [0, 1]}
 * @param weight the example's weight, finite and not negative
 */
public record Prediction(int label, double[] probabilities, double weight) implements Serializable {
  public Prediction {
    checkArgument(probabilities != null && probabilities.length >= 2,
        "probabilities must hold one value per class, at least 2; got %s", Arrays.toString(probabilities));
    for (double p : probabilities) {
      checkArgument(p >= 0 && p <= 1, "probabilities must be in [0, 1]; got %s", Arrays.toString(probabilities));
    }
    checkArgument(weight >= 0 && Double.isFinite(weight), "weight must be finite and >= 0; got %s", weight);
    checkArgument(label >= 0 && label < probabilities.length,
        "label must be in [0, %s), one per probability; got %s", probabilities.length, label);
    probabilities = probabilities.clone();
  }

  /** An example of weight 1. */
  public static Prediction of(int label, double[] probabilities) {
    return new Prediction(label, probabilities, 1.0);
  }

  /** An example of the given weight. */
  public static Prediction of(int label, double[] probabilities, double weight) {
    return new Prediction(label, probabilities, weight);
  }

  @Override
  public double[] probabilities() {
    return probabilities.clone();
  }

  /** The probability of class {@code k}, without copying the array. */
  public double probability(int k) {
    return probabilities[k];
  }

  /** The number of classes. */
  public int numClasses() {
    return probabilities.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Prediction p && label == p.label && Double.compare(weight, p.weight) == 0
        && Arrays.equals(probabilities, p.probabilities);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * label + Arrays.hashCode(probabilities)) + Double.hashCode(weight);
  }

  @Override
  public String toString() {
    return "Prediction[label=" + label + ", probabilities=" + Arrays.toString(probabilities) + ", weight=" + weight + "]";
  }
}
