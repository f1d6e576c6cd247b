package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.training.ModelSpec.Input;
import dev.beamline.training.TrainConfig.ModelType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The values of a model's tensors, by name, in a fixed order: the embeddings of embedded features
 * ({@code embedding/<feature>}; for pretrained rows kept frozen, {@code embedding/<feature>/frozen},
 * the vocabulary's rows, not trained and not penalized, then {@code embedding/<feature>}, the OOV
 * buckets' rows, which train), then per dense layer a kernel and a bias ({@code dense_<i>/kernel},
 * {@code dense_<i>/bias}) and, with batch normalization, its scale and offset ({@code
 * batch_norm_<i>/gamma}, {@code batch_norm_<i>/beta}) and moving statistics ({@code
 * batch_norm_<i>/moving_mean}, {@code batch_norm_<i>/moving_variance}: not trained by the optimizer,
 * see {@link Slot#trainable()}), then the output layer ({@code logits/kernel}, {@code logits/bias}),
 * then, in a wide-and-deep model, the linear part's weights of each wide feature ({@code
 * linear/<feature>}: one row per column or id, one column per output). A snapshot, copied in and out of a session; early stopping keeps the best epoch's.
 * In the graph and the SavedModel's checkpoint the variables are named with '.' for '/' ({@code
 * logits.kernel}): optimizer slot names may not contain '/'.
 *
 * <pre>{@code
 * Weights w = Weights.initial(spec, 42);
 * float[] kernel = w.get("logits/kernel");
 * }</pre>
 */
public final class Weights {
  /**
   * The name and shape of one tensor of the model, whether the L2 penalty applies to it (kernels and
   * embeddings; not biases, not frozen rows), and whether the optimizer updates it: all but batch
   * normalization's moving statistics, which training updates as moving averages of the batches'
   * statistics, and frozen pretrained embedding rows.
   */
  public record Slot(String name, long[] shape, boolean regularized, boolean trainable) {
    /** A tensor that the optimizer updates unless it is a moving statistic of batch normalization. */
    public Slot(String name, long[] shape, boolean regularized) {
      this(name, shape, regularized, !name.endsWith("/moving_mean") && !name.endsWith("/moving_variance"));
    }

    public int size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return Math.toIntExact(n);
    }
  }

  private final List<Slot> slots;
  private final Map<String, float[]> values;

  Weights(List<Slot> slots, Map<String, float[]> values) {
    this.slots = List.copyOf(slots);
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    for (Slot s : slots) {
      float[] v = values.get(s.name());
      checkArgument(v != null && v.length == s.size(), "weights '%s' need %s values", s.name(), s.size());
    }
  }

  /** The trainable tensors of the model {@code spec} describes, in order. */
  public static List<Slot> layout(ModelSpec spec) {
    List<Slot> slots = new ArrayList<>();
    for (Input in : spec.deepInputs()) {
      if (in.embeddingDim() > 0) {
        int frozen = in.frozenRows();
        if (frozen > 0) {
          slots.add(new Slot(frozenEmbedding(in), new long[] {frozen, in.embeddingDim()}, false, false));
        }
        slots.add(new Slot("embedding/" + in.name(), new long[] {in.feature().cardinality() - frozen, in.embeddingDim()}, true));
      }
    }
    long width = spec.inputColumns();
    if (spec.config().model() != ModelType.LINEAR) {
      List<Integer> units = spec.config().hiddenUnits();
      for (int i = 0; i < units.size(); i++) {
        slots.add(new Slot("dense_" + i + "/kernel", new long[] {width, units.get(i)}, true));
        slots.add(new Slot("dense_" + i + "/bias", new long[] {units.get(i)}, false));
        if (spec.config().batchNorm()) {
          for (String part : List.of("gamma", "beta", "moving_mean", "moving_variance")) {
            slots.add(new Slot("batch_norm_" + i + "/" + part, new long[] {units.get(i)}, false));
          }
        }
        width = units.get(i);
      }
    }
    slots.add(new Slot("logits/kernel", new long[] {width, spec.outputs()}, true));
    slots.add(new Slot("logits/bias", new long[] {spec.outputs()}, false));
    for (Input in : spec.wideInputs()) {
      slots.add(new Slot("linear/" + in.name(), new long[] {wideRows(in), spec.outputs()}, true));
    }
    return slots;
  }

  /** The name of the frozen pretrained rows of {@code in}'s embedding (see {@link Input#frozenRows()}). */
  static String frozenEmbedding(Input in) {
    return "embedding/" + in.name() + "/frozen";
  }

  /** The rows of a wide feature's linear weights: one per column of a number or vector, one per id. */
  static long wideRows(Input in) {
    switch (in.feature().kind()) {
      case FLOAT:
        return 1;
      case VECTOR:
        return in.feature().width();
      default:
        return in.feature().cardinality();
    }
  }

  /**
   * Initial weights drawn from {@code seed}: embeddings uniform in [-0.05, 0.05] (Keras' default),
   * except rows that start from pretrained vectors ({@link Input#pretrained()}: the vocabulary's rows
   * are its vectors, frozen or not); biases zero; a DNN's kernels Glorot-uniform (Glorot and Bengio
   * 2010, limit {@code sqrt(6 / (fan_in + fan_out))}), a linear model's kernel zero. The same seed
   * gives the same weights.
   *
   * <p>A linear model starts at zero, as TensorFlow's {@code LinearClassifier} and {@code
   * LinearRegressor} do: its loss is convex, so nothing needs breaking symmetry, and at zero a
   * classifier's first prediction is the uniform guess (loss {@code ln k} for {@code k} classes). A
   * random kernel instead starts it at arbitrary, often confidently wrong, logits (Glorot's limit is
   * 1.22 for one input and three classes), which the default learning rate cannot undo in a few steps.
   * A DNN needs random kernels: with zeros every hidden unit would get the same gradient. The linear
   * part of a wide-and-deep model starts at zero too. Batch normalization starts as Keras' does: scale
   * 1, offset 0, moving mean 0, moving variance 1.
   */
  public static Weights initial(ModelSpec spec, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Slot> slots = layout(spec);
    boolean linear = spec.config().model() == ModelType.LINEAR;
    Map<String, Input> pretrained = new LinkedHashMap<>();
    for (Input in : spec.deepInputs()) {
      if (in.pretrained() != null) {
        pretrained.put(in.frozenRows() > 0 ? frozenEmbedding(in) : "embedding/" + in.name(), in);
      }
    }
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Slot s : slots) {
      float[] v = new float[s.size()];
      Input from = pretrained.get(s.name());
      if (from != null && from.frozenRows() > 0) {
        v = from.pretrained().values();
      } else if (s.name().startsWith("embedding/")) {
        // Random even in a linear model: embeddings and kernel both zero would have zero gradients.
        fill(v, random, 0.05);
        if (from != null) {
          // The vocabulary's rows start at their vectors; the OOV buckets' rows stay random.
          float[] vectors = from.pretrained().values();
          System.arraycopy(vectors, 0, v, 0, vectors.length);
        }
      } else if (s.name().endsWith("/gamma") || s.name().endsWith("/moving_variance")) {
        Arrays.fill(v, 1f);
      } else if (s.regularized() && !linear && !s.name().startsWith("linear/")) {
        fill(v, random, Math.sqrt(6.0 / (s.shape()[0] + s.shape()[1])));
      }
      values.put(s.name(), v);
    }
    return new Weights(slots, values);
  }

  private static void fill(float[] v, SplittableRandom random, double limit) {
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextDouble(-limit, limit);
    }
  }

  public List<Slot> slots() {
    return slots;
  }

  /** The values of one tensor, row-major; a copy. */
  public float[] get(String name) {
    float[] v = values.get(name);
    checkArgument(v != null, "no weights '%s' (weights: %s)", name, values.keySet());
    return v.clone();
  }

  float[] valuesOf(String name) {
    return values.get(name);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Weights w) || !w.values.keySet().equals(values.keySet())) {
      return false;
    }
    return values.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), w.values.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      h = 31 * h + e.getKey().hashCode() + Arrays.hashCode(e.getValue());
    }
    return h;
  }

  @Override
  public String toString() {
    return "Weights" + values.keySet();
  }
}
