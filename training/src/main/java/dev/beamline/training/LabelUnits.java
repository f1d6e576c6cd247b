package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.io.Serializable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * The way back from a regression label's transformed units (what the network is trained on and
 * outputs) to the label's own units: the inverse of the invertible steps of its {@link
 * FeatureTransform}, undone in reverse order, in plain Java and as TensorFlow ops.
 *
 * <p>The forward numeric steps are impute, clip, {@code ln(x + logOffset)}, then z-score or min-max.
 * Their inverses:
 *
 * <ul>
 *   <li>z-score {@code (x - mean) / std}: {@code y * std + mean}; {@code y + mean} when std is 0 (the
 *       forward step is then {@code x - mean});
 *   <li>min-max {@code (x - min) / (max - min)}: {@code y * (max - min) + min}; the constant {@code min}
 *       when max = min (the forward step maps every value to 0, and every training label was {@code
 *       min});
 *   <li>log {@code ln(x + offset)}: {@code exp(y) - offset}.
 * </ul>
 *
 * Clipping is not invertible: a clipped label's values in its own units are the clipped values, so the
 * model learns (and its raw-unit predictions are measured against) the label clipped to {@code
 * [clipMin, clipMax]}; the predictions themselves are not clamped. Imputation only decides which label a
 * missing raw value gets and has no inverse to apply. A label with neither log nor scale is already in
 * its own units: {@link #identity()}.
 *
 * <p>As in {@link TransformOps}, the graph ops compute in float64 and cast to float32 at the end, so a
 * float32 model output gives the same float32 value in Java ({@link #toRaw(float)}) and in the graph
 * (up to the last bit of {@code exp}).
 *
 * <pre>{@code
 * LabelUnits units = LabelUnits.of(spec.label());     // e.g. z-score, mean 210, std 40
 * units.toRaw(0.5);                                   // 230.0
 * Operand<TFloat32> predictions = units.toRaw(tf, model.predictions());
 * }</pre>
 */
public final class LabelUnits implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String label;
  private final Scale scale;
  private final double mean;
  private final double std;
  private final double min;
  private final double max;
  private final Double logOffset;

  private LabelUnits(String label, Scale scale, double mean, double std, double min, double max, Double logOffset) {
    this.label = label;
    this.scale = scale;
    this.mean = mean;
    this.std = std;
    this.min = min;
    this.max = max;
    this.logOffset = logOffset;
  }

  /**
   * The inverse of the transform of {@code label}, a FLOAT transformed feature.
   *
   * @throws IllegalArgumentException when the label is not a FLOAT feature, or its scale lacks a fitted constant
   */
  public static LabelUnits of(FittedFeature label) {
    checkArgument(label.kind() == OutputKind.FLOAT, "label '%s' is %s; only a FLOAT (regression) label has units to restore",
        label.name(), label.kind());
    FeatureTransform s = label.spec();
    Scale scale = s.scale() == null ? Scale.NONE : s.scale();
    if (scale == Scale.Z_SCORE) {
      checkArgument(label.mean() != null && label.std() != null, "label '%s' is z-scored but has no fitted mean and std", label.name());
    } else if (scale == Scale.MIN_MAX) {
      checkArgument(label.min() != null && label.max() != null, "label '%s' is min-max scaled but has no fitted min and max", label.name());
    }
    return new LabelUnits(label.name(), scale,
        label.mean() == null ? 0 : label.mean(), label.std() == null ? 0 : label.std(),
        label.min() == null ? 0 : label.min(), label.max() == null ? 0 : label.max(), s.logOffset());
  }

  /** True when the label has no log or scale step: its transformed units are its own. */
  public boolean identity() {
    return scale == Scale.NONE && logOffset == null;
  }

  /** The label's name. */
  public String label() {
    return label;
  }

  /** A value in transformed units back in the label's own units, in double. */
  public double toRaw(double y) {
    double x = y;
    switch (scale) {
      case Z_SCORE:
        x = std == 0 ? x + mean : x * std + mean;
        break;
      case MIN_MAX:
        x = max == min ? min : x * (max - min) + min;
        break;
      default:
        break;
    }
    return logOffset == null ? x : Math.exp(x) - logOffset;
  }

  /** A model output in transformed units back in the label's own units, computed in double and cast to float. */
  public float toRaw(float y) {
    return (float) toRaw((double) y);
  }

  /**
   * The same inverse as graph ops on a float32 tensor of any shape: float64 arithmetic, float32
   * result. Returns {@code y} itself when {@link #identity()}.
   */
  public Operand<TFloat32> toRaw(Ops tf, Operand<TFloat32> y) {
    if (identity()) {
      return y;
    }
    Operand<TFloat64> x = tf.dtypes.cast(y, TFloat64.class);
    switch (scale) {
      case Z_SCORE:
        x = std == 0 ? tf.math.add(x, tf.constant(mean)) : tf.math.add(tf.math.mul(x, tf.constant(std)), tf.constant(mean));
        break;
      case MIN_MAX:
        x = max == min
            ? tf.fill(tf.shape(x), tf.constant(min))
            : tf.math.add(tf.math.mul(x, tf.constant(max - min)), tf.constant(min));
        break;
      default:
        break;
    }
    if (logOffset != null) {
      x = tf.math.sub(tf.math.exp(x), tf.constant(logOffset));
    }
    return tf.dtypes.cast(x, TFloat32.class);
  }

  /** The inverse as a formula of the transformed value {@code y}, e.g. {@code exp(y * 0.5 + 2.0) - 1.0}; {@code y} for the identity. */
  public String formula() {
    String x = "y";
    switch (scale) {
      case Z_SCORE:
        x = std == 0 ? x + " + " + num(mean) : x + " * " + num(std) + " + " + num(mean);
        break;
      case MIN_MAX:
        x = max == min ? num(min) : x + " * " + num(max - min) + " + " + num(min);
        break;
      default:
        break;
    }
    return logOffset == null ? x : "exp(" + x + ") - " + num(logOffset);
  }

  private static String num(double v) {
    return Double.toString(v);
  }

  @Override
  public String toString() {
    return "LabelUnits{" + label + ": " + formula() + "}";
  }
}
