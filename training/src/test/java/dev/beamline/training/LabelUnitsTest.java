package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The inverse of a regression label's transform: values by hand, round trips, and the graph ops against Java. */
class LabelUnitsTest {

  static FittedFeature label(FeatureTransform spec, Double mean, Double std, Double min, Double max) {
    return Fitted.numeric(spec, FeatureType.FLOAT, OutputKind.FLOAT, 0, 0.0, mean, std, min, max, null);
  }

  static final FittedFeature Z = label(FeatureTransform.numeric("y").withScale(Scale.Z_SCORE), 100.0, 4.0, null, null);
  static final FittedFeature Z_STD_0 = label(FeatureTransform.numeric("y").withScale(Scale.Z_SCORE), 100.0, 0.0, null, null);
  static final FittedFeature MIN_MAX = label(FeatureTransform.numeric("y").withScale(Scale.MIN_MAX), null, null, 10.0, 30.0);
  static final FittedFeature MIN_MAX_CONSTANT = label(FeatureTransform.numeric("y").withScale(Scale.MIN_MAX), null, null, 7.0, 7.0);
  static final FittedFeature LOG = label(FeatureTransform.numeric("y").withLog(1.0), null, null, null, null);
  static final FittedFeature LOG_Z = label(FeatureTransform.numeric("y").withLog(2.0).withScale(Scale.Z_SCORE), 3.0, 0.5, null, null);
  static final FittedFeature CLIP_LOG_MIN_MAX = label(FeatureTransform.numeric("y").withClip(1.0, 99.0).withLog(1.0).withScale(Scale.MIN_MAX),
      null, null, Math.log(2), Math.log(100));

  @Test
  void eachInvertibleStepIsUndoneByHand() {
    assertThat(LabelUnits.of(Z).toRaw(0.5)).isEqualTo(102.0);
    assertThat(LabelUnits.of(Z).toRaw(-1.25)).isEqualTo(95.0);
    // std 0: the forward step is x - mean.
    assertThat(LabelUnits.of(Z_STD_0).toRaw(0.5)).isEqualTo(100.5);
    assertThat(LabelUnits.of(MIN_MAX).toRaw(0.25)).isEqualTo(15.0);
    assertThat(LabelUnits.of(MIN_MAX).toRaw(1.5)).isEqualTo(40.0);
    // max = min: every label was 7 (and transformed to 0); any output means 7.
    assertThat(LabelUnits.of(MIN_MAX_CONSTANT).toRaw(0.0)).isEqualTo(7.0);
    assertThat(LabelUnits.of(MIN_MAX_CONSTANT).toRaw(0.3)).isEqualTo(7.0);
    assertThat(LabelUnits.of(LOG).toRaw(Math.log(5))).isCloseTo(4.0, within(1e-12));
    // ln(y + 2) z-scored with mean 3, std 0.5: y = exp(z * 0.5 + 3) - 2.
    assertThat(LabelUnits.of(LOG_Z).toRaw(2.0)).isCloseTo(Math.exp(4) - 2, within(1e-12));
    assertThat(LabelUnits.of(LOG_Z).toRaw(2.0f)).isEqualTo((float) (Math.exp(4) - 2));
  }

  @Test
  void formulasNameTheInverse() {
    assertThat(LabelUnits.of(Z).formula()).isEqualTo("y * 4.0 + 100.0");
    assertThat(LabelUnits.of(Z_STD_0).formula()).isEqualTo("y + 100.0");
    assertThat(LabelUnits.of(MIN_MAX).formula()).isEqualTo("y * 20.0 + 10.0");
    assertThat(LabelUnits.of(MIN_MAX_CONSTANT).formula()).isEqualTo("7.0");
    assertThat(LabelUnits.of(LOG_Z).formula()).isEqualTo("exp(y * 0.5 + 3.0) - 2.0");
    assertThat(LabelUnits.of(LOG).formula()).isEqualTo("exp(y) - 1.0");
  }

  @Test
  void labelsWithoutScaleOrLogAreAlreadyInTheirUnits() {
    FittedFeature clipped = label(FeatureTransform.numeric("y").withClip(0.0, 10.0), null, null, null, null);
    for (FittedFeature f : List.of(Fitted.passThrough("y", 3.0), clipped)) {
      LabelUnits units = LabelUnits.of(f);
      assertThat(units.identity()).isTrue();
      assertThat(units.toRaw(12.5)).isEqualTo(12.5);
      assertThat(units.formula()).isEqualTo("y");
    }
    assertThat(LabelUnits.of(Z).identity()).isFalse();
    assertThat(LabelUnits.of(LOG).identity()).isFalse();
  }

  @Test
  void aClassLabelOrAMissingConstantIsRejected() {
    assertThatThrownBy(() -> LabelUnits.of(Fitted.bucketized("y", 0, 1.0, 2.0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'y' is ID");
    assertThatThrownBy(() -> LabelUnits.of(label(FeatureTransform.numeric("y").withScale(Scale.Z_SCORE), null, null, null, null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no fitted mean and std");
  }

  @Test
  void theInverseOfTheForwardTransformIsTheRawValueClippedToItsRange() {
    double[] raw = {0.0, 1.0, 2.5, 17.0, 42.0, 98.0, 99.0, 150.0, 1234.5};
    for (FittedFeature f : List.of(Z, Z_STD_0, MIN_MAX, LOG, LOG_Z, CLIP_LOG_MIN_MAX)) {
      LabelUnits units = LabelUnits.of(f);
      for (double x : raw) {
        float stored = (Float) ReferenceTransform.apply(f, x);
        double expected = x;
        if (f.spec().clipMin() != null) {
          expected = Math.min(Math.max(x, f.spec().clipMin()), f.spec().clipMax());
        }
        // The stored label is a float: its inverse is exact up to float32 rounding in transformed units.
        assertThat(units.toRaw((double) stored)).as("%s of %s", units, x).isCloseTo(expected, within(1e-5 * Math.max(1, Math.abs(expected))));
      }
    }
    // Constant min-max: every value maps back to the one training value.
    assertThat(LabelUnits.of(MIN_MAX_CONSTANT).toRaw((double) (Float) ReferenceTransform.apply(MIN_MAX_CONSTANT, 7.0))).isEqualTo(7.0);
  }

  @Test
  void theGraphOpsGiveTheJavaValues() {
    float[] y = {-3.5f, -1f, -0.25f, 0f, 0.1f, 0.5f, 1f, 2.75f, 6f, Float.NaN};
    for (FittedFeature f : List.of(Z, Z_STD_0, MIN_MAX, MIN_MAX_CONSTANT, LOG, LOG_Z, Fitted.passThrough("y", 0))) {
      LabelUnits units = LabelUnits.of(f);
      float[] graph = runGraph(units, y);
      for (int i = 0; i < y.length; i++) {
        float java = units.toRaw(y[i]);
        if (Float.isNaN(java)) {
          assertThat(graph[i]).as("%s of %s", units, y[i]).isNaN();
        } else {
          // Exact for the affine steps; exp may differ in its last double bit.
          assertThat(graph[i]).as("%s of %s", units, y[i]).isCloseTo(java, within(1e-6f * Math.max(1, Math.abs(java))));
        }
      }
    }
    assertThat(runGraph(LabelUnits.of(Z), new float[] {0.5f, -1.25f})).containsExactly(102f, 95f);
  }

  static float[] runGraph(LabelUnits units, float[] y) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> out = tf.identity(units.toRaw(tf, in));
      try (Session s = new Session(g); TFloat32 t = Tensors.floats(y, y.length); Result r = s.runner().feed(in, t).fetch(out).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }
}
