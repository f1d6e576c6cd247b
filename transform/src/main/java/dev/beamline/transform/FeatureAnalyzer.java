package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * The mergeable analysis state of one transformed feature: it sees the raw values of the analyze split,
 * keeps only what its transform needs, and fits the constants of a {@link FittedFeature}.
 */
interface FeatureAnalyzer {
  /** Adds one raw value (null when missing). */
  void add(Object raw);

  /** Adds the state of {@code other}, an analyzer of the same transform; {@code other} is left unchanged. */
  void merge(FeatureAnalyzer other);

  /** The fitted feature, after {@code rows} analysis rows; does not change the state. */
  FittedFeature fit(long rows);

  /**
   * What the fit should tell the user, one sentence each naming the transformed feature: a default
   * cap that cut a vocabulary, counts that are estimates. Empty by default.
   */
  default List<String> warnings() {
    return List.of();
  }

  /** Writes the state deterministically: equal states have equal bytes. */
  void encode(DataOutputStream out) throws IOException;

  /** Replaces the state of this fresh analyzer with one written by {@link #encode}. */
  void decode(DataInputStream in) throws IOException;

  /** A fresh analyzer of {@code f}, whose raw input has type {@code input}. */
  static FeatureAnalyzer of(FeatureTransform f, FeatureType input) {
    switch (input) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        return new NumericAnalyzer(f, input);
      case TIMESTAMP:
        return new TimePartAnalyzer(f);
      case STRING:
        return new StringAnalyzer(f);
      default:
        throw new AssertionError(input);
    }
  }
}
