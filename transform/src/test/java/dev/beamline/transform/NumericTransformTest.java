package dev.beamline.transform;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.transform.TestData.apply;
import static dev.beamline.transform.TestData.column;
import static dev.beamline.transform.TestData.fit;
import static dev.beamline.transform.TestData.floats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Numeric analyzers and steps, each against values computed by hand. */
class NumericTransformTest {
  private static final ExampleSchema X = TestData.schema("x", FLOAT);
  private static final FeatureTransform NUMERIC = FeatureTransform.numeric("x");
  /** Non-missing values 1, 2, 4, 9: mean 4, squared deviations 9 + 4 + 0 + 25 = 38, variance 9.5. */
  private static final List<GenericRecord> TRAIN = column(X, 1.0, 2.0, null, 4.0, Double.NaN, 9.0);

  @Test
  void zScoreUsesTheTrainingMeanAndPopulationStdAndImputesTheRawMean() {
    FittedTransform t = fit(X, NUMERIC.withScale(Scale.Z_SCORE), TRAIN);
    FittedFeature f = t.feature("x");
    assertThat(f.kind()).isEqualTo(OutputKind.FLOAT);
    assertThat(f.cardinality()).isZero();
    assertThat(f.rows()).isEqualTo(6);
    assertThat(f.mean()).isCloseTo(4.0, within(1e-12));
    assertThat(f.std()).isCloseTo(Math.sqrt(9.5), within(1e-12));
    assertThat(f.imputeNumber()).isEqualTo(4.0);
    assertThat((float) apply(t, X, 2.0)).isCloseTo((float) (-2 / Math.sqrt(9.5)), within(1e-7f));
    assertThat((float) apply(t, X, 9.0)).isCloseTo((float) (5 / Math.sqrt(9.5)), within(1e-7f));
    // Missing (null or NaN) becomes the mean: z = 0.
    assertThat((float) apply(t, X, null)).isCloseTo(0f, within(1e-7f));
    assertThat((float) apply(t, X, Double.NaN)).isCloseTo(0f, within(1e-7f));
  }

  @Test
  void zScoreWithZeroStdSubtractsTheMeanOnly() {
    FittedTransform t = fit(X, NUMERIC.withScale(Scale.Z_SCORE), column(X, 3.0, 3.0));
    assertThat(t.feature("x").std()).isEqualTo(0.0);
    assertThat(apply(t, X, 5.5)).isEqualTo(2.5f);
  }

  @Test
  void minMaxScalesWithTheTrainingExtremes() {
    FittedTransform t = fit(X, NUMERIC.withScale(Scale.MIN_MAX), TRAIN);
    assertThat(t.feature("x").min()).isEqualTo(1.0);
    assertThat(t.feature("x").max()).isEqualTo(9.0);
    assertThat(t.feature("x").mean()).isNull();
    assertThat(apply(t, X, 5.0)).isEqualTo(0.5f);
    assertThat(apply(t, X, 11.0)).isEqualTo(1.25f); // outside the training range: not clipped
    assertThat(apply(t, X, null)).isEqualTo(0.375f); // mean 4: (4 - 1) / 8
  }

  @Test
  void minMaxOfAConstantIsZero() {
    FittedTransform t = fit(X, NUMERIC.withScale(Scale.MIN_MAX), column(X, 3.0, 3.0));
    assertThat(apply(t, X, 7.0)).isEqualTo(0f);
  }

  @Test
  void logThenZScoreAnalyzesTheLoggedValues() {
    // ln(0 + 1) = 0 and ln(3 + 1) = L: mean L/2, std L/2.
    FittedTransform t = fit(X, NUMERIC.withLog(1.0).withScale(Scale.Z_SCORE), column(X, 0.0, 3.0, null));
    double l = Math.log(4);
    assertThat(t.feature("x").mean()).isCloseTo(l / 2, within(1e-12));
    assertThat(t.feature("x").std()).isCloseTo(l / 2, within(1e-12));
    assertThat(t.feature("x").imputeNumber()).isEqualTo(1.5); // the raw mean
    assertThat(apply(t, X, 3.0)).isEqualTo(1f);
    assertThat(apply(t, X, 0.0)).isEqualTo(-1f);
    // Missing: the raw mean 1.5, then the log.
    assertThat((float) apply(t, X, null)).isCloseTo((float) ((Math.log(2.5) - l / 2) / (l / 2)), within(1e-6f));
  }

  @Test
  void logPassThrough() {
    FittedTransform t = fit(X, NUMERIC.withLog(1.0), column(X, 1.0));
    assertThat(apply(t, X, Math.E - 1)).isEqualTo(1f);
    assertThat(apply(t, X, 0.0)).isEqualTo(0f);
  }

  @Test
  void valuesThatAreNotFiniteAfterTheLogAreLeftOutOfTheAnalyzers() {
    // ln(0) = -inf is left out; ln(1) = 0 and ln(e^2) = 2 remain: mean 1, std 1.
    FittedTransform t = fit(X, NUMERIC.withLog(0.0).withScale(Scale.Z_SCORE), column(X, 0.0, 1.0, Math.exp(2)));
    assertThat(t.feature("x").mean()).isCloseTo(1.0, within(1e-12));
    assertThat(t.feature("x").std()).isCloseTo(1.0, within(1e-12));
    assertThat((float) apply(t, X, 1.0)).isCloseTo(-1f, within(1e-6f));
  }

  @Test
  void clipBeforeTheAnalyzersAndAfterTheRawImputation() {
    // Clipped to [0, 10]: -5 -> 0, 5, 20 -> 10: mean 5, variance (25 + 0 + 25) / 3.
    FittedTransform t = fit(X, NUMERIC.withClip(0.0, 10.0).withScale(Scale.Z_SCORE), column(X, -5.0, 5.0, 20.0, null));
    double std = Math.sqrt(50.0 / 3);
    assertThat(t.feature("x").mean()).isCloseTo(5.0, within(1e-12));
    assertThat(t.feature("x").std()).isCloseTo(std, within(1e-12));
    assertThat((float) apply(t, X, -100.0)).isCloseTo((float) (-5 / std), within(1e-6f));
    assertThat((float) apply(t, X, 100.0)).isCloseTo((float) (5 / std), within(1e-6f));
    // Missing: the raw mean 20/3, inside the clip range.
    assertThat((float) apply(t, X, null)).isCloseTo((float) ((20.0 / 3 - 5) / std), within(1e-6f));
  }

  @Test
  void clipWithOneBound() {
    FittedTransform t = fit(X, NUMERIC.withClip(0.0, null), column(X, 1.0));
    assertThat(apply(t, X, -3.0)).isEqualTo(0f);
    assertThat(apply(t, X, 1e6)).isEqualTo(1e6f);
  }

  @Test
  void bucketizeByTrainingQuantiles() {
    // 1..10: the quantile i/4 is the smallest value with at least 10 * i / 4 values <= it: 3, 5, 8.
    List<GenericRecord> train = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      train.add(TestData.record(X, (double) i));
    }
    FittedTransform t = fit(X, NUMERIC.withBucketize(4), train);
    FittedFeature f = t.feature("x");
    assertThat(f.boundaries()).containsExactly(3.0, 5.0, 8.0);
    assertThat(f.kind()).isEqualTo(OutputKind.ID);
    assertThat(f.cardinality()).isEqualTo(4);
    assertThat(apply(t, X, 2.0)).isEqualTo(0L);
    assertThat(apply(t, X, 3.0)).isEqualTo(1L);
    assertThat(apply(t, X, 5.0)).isEqualTo(2L);
    assertThat(apply(t, X, 7.9)).isEqualTo(2L);
    assertThat(apply(t, X, 8.0)).isEqualTo(3L);
    assertThat(apply(t, X, 100.0)).isEqualTo(3L);
    assertThat(apply(t, X, null)).isEqualTo(2L); // mean 5.5
  }

  @Test
  void bucketizeDropsRepeatedBoundaries() {
    // 1,1,1,1,2,2,3,4: quantiles at ranks 2, 4, 6 of 8 are 1, 1, 2.
    FittedTransform t = fit(X, NUMERIC.withBucketize(4), column(X, 4.0, 1.0, 2.0, 1.0, 3.0, 1.0, 2.0, 1.0));
    assertThat(t.feature("x").boundaries()).containsExactly(1.0, 2.0);
    assertThat(t.feature("x").cardinality()).isEqualTo(3);
  }

  @Test
  void bucketizeOneHot() {
    List<GenericRecord> train = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      train.add(TestData.record(X, (double) i));
    }
    FittedTransform t = fit(X, NUMERIC.withBucketize(4).withEncode(Encoding.ONE_HOT), train);
    assertThat(t.feature("x").kind()).isEqualTo(OutputKind.VECTOR);
    assertThat(t.feature("x").width()).isEqualTo(4);
    assertThat(apply(t, X, 5.0)).isEqualTo(floats(0, 0, 1, 0));
  }

  @Test
  void binarizeAboveTheThreshold() {
    FittedTransform t = fit(X, NUMERIC.withBinarize(2.5), TRAIN);
    assertThat(t.feature("x").cardinality()).isEqualTo(2);
    assertThat(apply(t, X, 3.0)).isEqualTo(1L);
    assertThat(apply(t, X, 2.5)).isEqualTo(0L);
    assertThat(apply(t, X, null)).isEqualTo(1L); // mean 4
    FittedTransform oneHot = fit(X, NUMERIC.withBinarize(2.5).withEncode(Encoding.ONE_HOT), TRAIN);
    assertThat(apply(oneHot, X, 0.0)).isEqualTo(floats(1, 0));
  }

  @Test
  void booleansAreOneAndZero() {
    ExampleSchema b = TestData.schema("b", BOOLEAN);
    FittedTransform t = fit(b, FeatureTransform.numeric("b"), column(b, true, false, true, null));
    assertThat(apply(t, b, true)).isEqualTo(1f);
    assertThat(apply(t, b, false)).isEqualTo(0f);
    assertThat(apply(t, b, null)).isEqualTo((float) (2.0 / 3));
  }

  @Test
  void mostFrequentImputationTakesTheSmallestValueOnATie() {
    ExampleSchema n = TestData.schema("n", INT);
    FeatureTransform f = FeatureTransform.numeric("n").withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null));
    FittedTransform t = fit(n, f, column(n, 3L, 1L, 3L, 1L, 2L, null));
    assertThat(t.feature("n").imputeNumber()).isEqualTo(1.0);
    assertThat(apply(t, n, null)).isEqualTo(1f);
    assertThat(apply(t, n, 7L)).isEqualTo(7f);
  }

  @Test
  void mostFrequentCountsMinusZeroAsZero() {
    FeatureTransform f = NUMERIC.withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null));
    FittedTransform t = fit(X, f, column(X, -0.0, 0.0, 5.0, 5.0, -0.0));
    assertThat(t.feature("x").imputeNumber()).isEqualTo(0.0);
  }

  @Test
  void constantImputation() {
    FittedTransform t = fit(X, NUMERIC.withImpute(new Impute(Impute.Strategy.CONSTANT, "7.5")), TRAIN);
    assertThat(apply(t, X, null)).isEqualTo(7.5f);
    ExampleSchema b = TestData.schema("b", BOOLEAN);
    FittedTransform bt = fit(b, FeatureTransform.numeric("b").withImpute(new Impute(Impute.Strategy.CONSTANT, "true")), column(b, false));
    assertThat(apply(bt, b, null)).isEqualTo(1f);
  }

  @Test
  void withoutTrainingValuesTheConstantsAreNaN() {
    FittedTransform t = fit(X, NUMERIC.withScale(Scale.Z_SCORE), column(X, null, Double.NaN));
    assertThat(t.feature("x").mean()).isNaN();
    assertThat(t.feature("x").std()).isNaN();
    assertThat(t.feature("x").imputeNumber()).isNaN();
    assertThat((float) apply(t, X, 1.0)).isNaN();
  }
}
