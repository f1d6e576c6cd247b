package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.training.TrainConfig.LabelDriftAction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The class weights and resampling rates a classifier is trained with, resolved against its classes
 * and the training split's label counts ({@code train.class_weights}, {@code train.resample}, {@code
 * train.on_label_drift}), and the file that records them beside the model ({@value #FILE}).
 *
 * <p><b>Class weights</b> scale each training example's cross-entropy by the weight of its class; a
 * batch's loss is {@code sum(w_i * ce_i) / n} over its {@code n} examples, as Keras' {@code
 * class_weight} (averaged over the batch size, not over the sum of the weights). {@code balanced} is
 * scikit-learn's {@code compute_class_weight("balanced")}: {@code n / (k * count_c)} for the {@code n}
 * labelled training examples and the {@code k} classes present in them, so that the mean weight of a
 * training example is 1 and the loss keeps its scale; a class absent from the training split keeps 1
 * (it never enters the loss). The eval loss is never weighted, so that it stays comparable between
 * models and runs.
 *
 * <p><b>Resampling</b> at rate {@code r} makes each training example of the class enter the stream
 * {@code floor(r)} times, and once more with probability {@code r - floor(r)} from a generator seeded
 * with the epoch's seed (the same seed, the same examples; rate 0.5 keeps about half, 2 repeats each
 * twice, 2.5 twice and a third time for about half). {@code balanced} is random oversampling to the
 * largest class (as imbalanced-learn's {@code RandomOverSampler}): {@code max_c' count_c' / count_c}.
 * The eval split is never resampled. Weights and rates both apply when both are set; {@code balanced}
 * weights count the training split as stored, before resampling.
 *
 * <pre>{@code
 * ClassBalance b = ClassBalance.resolve(spec, ClassBalance.countLabels(trainFiles, spec));
 * float[] w = b.graphWeights();   // null without class weights
 * }</pre>
 */
public final class ClassBalance {
  /** The file, beside the SavedModel, recording the effective weights and rates. */
  public static final String FILE = "class_balance.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final List<String> classes;
  private final long[] counts;
  private final double[] weights;
  private final double[] rates;
  private final boolean reweightedForLabelDrift;

  private ClassBalance(List<String> classes, long[] counts, double[] weights, double[] rates, boolean reweightedForLabelDrift) {
    this.classes = List.copyOf(classes);
    this.counts = counts;
    this.weights = weights;
    this.rates = rates;
    this.reweightedForLabelDrift = reweightedForLabelDrift;
  }

  /** Every class 1, nothing counted: a regression model, or a classifier without weights or resampling. */
  static ClassBalance none(ModelSpec spec) {
    return new ClassBalance(spec.classNames(), null, null, null, false);
  }

  /**
   * Refuses what cannot apply to {@code spec}: class weights, resampling or reweighting for label drift
   * of a regression model, and, when {@code classNamesKnown} (the label's vocabulary is fitted), a key
   * that is not a class name.
   *
   * @throws ConfigException naming the key, the value and the classes
   */
  static void check(ModelSpec spec, boolean classNamesKnown) {
    TrainConfig c = spec.config();
    List<String> problems = new ArrayList<>();
    if (!spec.classification()) {
      String target = " applies to classification; label '" + spec.label().name() + "' is a regression target";
      if (!c.classWeights().none()) {
        problems.add("train.class_weights" + target);
      }
      if (!c.resample().none()) {
        problems.add("train.resample" + target);
      }
      if (c.onLabelDrift() == LabelDriftAction.REWEIGHT) {
        problems.add("train.on_label_drift: reweight" + target);
      }
    } else if (classNamesKnown) {
      unknownClasses("train.class_weights", c.classWeights(), spec, problems);
      unknownClasses("train.resample", c.resample(), spec, problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }

  private static void unknownClasses(String key, ClassRates rates, ModelSpec spec, List<String> problems) {
    for (String name : new TreeSet<>(rates.byClass().keySet())) {
      if (!spec.classNames().contains(name)) {
        problems.add(key + ": '" + name + "' is not a class of label '" + spec.label().name() + "' (classes: "
            + String.join(", ", spec.classNames()) + ")");
      }
    }
  }

  /** Whether resolving {@code config} needs the training split's label counts. */
  static boolean needsCounts(TrainConfig config) {
    return config.classWeights().balanced() || !config.resample().none();
  }

  /** The number of training examples of each class id in {@code files}, one pass over the label column; rows without a class are not counted. */
  static long[] countLabels(List<String> files, ModelSpec spec) {
    Column label = TrainingGraph.columns(spec, true).get(spec.inputs().size());
    long[] counts = new long[spec.numClasses()];
    try (ExampleStream s = ExampleStream.open(files, List.of(label), 4096, 1, null, 0)) {
      while (s.hasNext()) {
        Batch b = s.next();
        long[] ids = b.longs(0);
        for (int i = 0; i < b.size; i++) {
          checkArgument(ids[i] < counts.length, "label '%s' holds class id %s; it has %s classes", spec.label().name(), ids[i], counts.length);
          counts[(int) ids[i]]++;
        }
      }
    }
    return counts;
  }

  /**
   * The weights and rates of {@code spec}'s configuration for its classes; {@code counts} (by class id)
   * when {@link #needsCounts}, else null.
   */
  static ClassBalance resolve(ModelSpec spec, long[] counts) {
    TrainConfig c = spec.config();
    if (!spec.classification()) {
      return none(spec);
    }
    checkArgument(counts != null || !needsCounts(c), "the label counts are needed for %s", c);
    List<String> classes = spec.classNames();
    double[] w = c.classWeights().none() ? null : c.classWeights().balanced() ? balancedWeights(counts) : c.classWeights().values(classes);
    double[] r = c.resample().none() ? null : c.resample().balanced() ? balancedRates(counts) : c.resample().values(classes);
    return new ClassBalance(classes, counts == null ? null : counts.clone(), w, r, false);
  }

  /**
   * scikit-learn's balanced class weights, {@code n / (k * count_c)} for the {@code n} examples and
   * the {@code k} classes that have any; 1 for a class without examples.
   */
  static double[] balancedWeights(long[] counts) {
    long n = 0;
    int k = 0;
    for (long count : counts) {
      n += count;
      k += count > 0 ? 1 : 0;
    }
    double[] w = new double[counts.length];
    for (int c = 0; c < counts.length; c++) {
      w[c] = counts[c] > 0 ? (double) n / ((double) k * counts[c]) : 1.0;
    }
    return w;
  }

  /** Oversampling to the largest class: {@code max count / count_c}; 1 for a class without examples. */
  static double[] balancedRates(long[] counts) {
    long max = 0;
    for (long count : counts) {
      max = Math.max(max, count);
    }
    double[] r = new double[counts.length];
    for (int c = 0; c < counts.length; c++) {
      r[c] = counts[c] > 0 ? (double) max / counts[c] : 1.0;
    }
    return r;
  }

  /** The same, recorded as set to balanced because validation reported drift of the label. */
  ClassBalance withReweightedForLabelDrift(boolean reweighted) {
    return new ClassBalance(classes, counts, weights, rates, reweighted);
  }

  /** The weights by class id for the training graph, or null without class weights. */
  float[] graphWeights() {
    if (weights == null) {
      return null;
    }
    float[] w = new float[weights.length];
    for (int c = 0; c < w.length; c++) {
      w[c] = (float) weights[c];
    }
    return w;
  }

  /** The resampling rates by class id, or null without resampling. */
  double[] rateArray() {
    return rates == null ? null : rates.clone();
  }

  /** The examples an epoch streams, in expectation, from {@code rows} labelled training rows. */
  long expectedRows(long rows) {
    if (rates == null || counts == null) {
      return rows;
    }
    double sum = 0;
    for (int c = 0; c < counts.length; c++) {
      sum += counts[c] * rates[c];
    }
    return Math.round(sum);
  }

  /** Whether anything is set: weights, rates, or reweighting for drift. */
  public boolean any() {
    return weights != null || rates != null || reweightedForLabelDrift;
  }

  /** The weight of each class by name, in class order; null without class weights. */
  public Map<String, Double> classWeights() {
    return byName(weights);
  }

  /** The resampling rate of each class by name, in class order; null without resampling. */
  public Map<String, Double> resample() {
    return byName(rates);
  }

  /** The training examples of each class by name, in class order; null when not counted. */
  public Map<String, Long> labelCounts() {
    if (counts == null) {
      return null;
    }
    Map<String, Long> m = new LinkedHashMap<>();
    for (int c = 0; c < counts.length; c++) {
      m.put(classes.get(c), counts[c]);
    }
    return m;
  }

  /** Whether the weights were set to balanced because data validation reported drift of the label. */
  public boolean reweightedForLabelDrift() {
    return reweightedForLabelDrift;
  }

  private Map<String, Double> byName(double[] values) {
    if (values == null) {
      return null;
    }
    Map<String, Double> m = new LinkedHashMap<>();
    for (int c = 0; c < values.length; c++) {
      m.put(classes.get(c), values[c]);
    }
    return m;
  }

  /** {@code {"classes": [...], "label_counts": {...}, "class_weights": {...}, "resample": {...}, "reweighted_for_label_drift": b}}, nulls for what is not set. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    classes.forEach(root.putArray("classes")::add);
    root.set("label_counts", JSON.valueToTree(labelCounts()));
    root.set("class_weights", JSON.valueToTree(classWeights()));
    root.set("resample", JSON.valueToTree(resample()));
    root.put("reweighted_for_label_drift", reweightedForLabelDrift);
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The values {@link #toJson} wrote. */
  public static ClassBalance fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      List<String> classes = new ArrayList<>();
      root.get("classes").forEach(n -> classes.add(n.asText()));
      JsonNode c = root.get("label_counts");
      long[] counts = c == null || c.isNull() ? null : classes.stream().mapToLong(name -> c.get(name).asLong()).toArray();
      return new ClassBalance(classes, counts, doubles(root.get("class_weights"), classes), doubles(root.get("resample"), classes),
          root.path("reweighted_for_label_drift").asBoolean(false));
    } catch (IOException e) {
      throw new UncheckedIOException("not a class balance: " + e.getMessage(), e);
    }
  }

  private static double[] doubles(JsonNode byName, List<String> classes) {
    return byName == null || byName.isNull() ? null : classes.stream().mapToDouble(name -> byName.get(name).asDouble()).toArray();
  }

  /** One line for the run summary, e.g. {@code class weights (balanced for label drift): Adelie 0.75, Gentoo 1.5}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    if (weights != null) {
      parts.add("class weights" + (reweightedForLabelDrift ? " (balanced for label drift)" : "") + ": " + list(weights));
    }
    if (rates != null) {
      parts.add("resampled: " + list(rates));
    }
    return String.join("; ", parts);
  }

  private String list(double[] values) {
    List<String> parts = new ArrayList<>();
    for (int c = 0; c < values.length; c++) {
      parts.add(classes.get(c) + " " + String.format(java.util.Locale.ROOT, "%.4g", values[c]));
    }
    return String.join(", ", parts);
  }
}
