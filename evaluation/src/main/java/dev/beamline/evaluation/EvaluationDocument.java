package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.training.PrivacyGuarantee;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns the merged tallies of an evaluation into its two documents: {@code metrics.json} (every slice's
 * metrics, curves, calibration, confidence intervals, the baseline's metrics, the bias gaps, the
 * differential-privacy guarantee of the model and of the baseline) and the
 * {@link Blessing}. A plain class: the publishing step calls it with what the pipeline computed.
 *
 * <pre>{@code
 * EvaluationDocument.Built b = EvaluationDocument.build(header, config, classes, metricsByKey);
 * String json = b.metrics().toPrettyString();
 * boolean blessed = b.blessing().blessed();
 * }</pre>
 */
public final class EvaluationDocument {
  private static final ObjectMapper JSON = new ObjectMapper();

  private EvaluationDocument() {}

  /**
   * What was evaluated: the model (and its fingerprint), the baseline (null for none), the task and
   * label, the data and split, and the row counts.
   */
  public record Header(String modelUri, String modelFingerprint, String baselineUri, Long baselineArtifactId, String task,
      String label, String dataUri, String split, long scored, long unscored, long unlabelled) implements Serializable {}

  /** The two documents. */
  public record Built(ObjectNode metrics, Blessing blessing) {}

  /** One slice's identity: its spec's index (-1 overall) and name. */
  private record SliceId(int spec, String name) {}

  /**
   * Builds both documents.
   *
   * @param classes the model's classes (empty for regression)
   * @param metricsByKey per tally key ({@code model|sample|spec|slice}) the merged metrics
   */
  public static Built build(Header h, EvaluateConfig config, List<String> classes, Map<String, Serializable> metricsByKey) {
    return build(h, config, classes, metricsByKey, null, null);
  }

  /**
   * Builds both documents, {@code metrics.json} stating the differential-privacy guarantee of the model
   * and of the baseline ({@code "privacy"} in {@code model} and {@code baseline}: {@link
   * PrivacyGuarantee#toJson}, ε {@code "inf"} for a model trained without differential privacy).
   *
   * <pre>{@code
   * EvaluationDocument.build(header, config, classes, metricsByKey, PrivacyGuarantee.ofModel(modelDir), null);
   * }</pre>
   *
   * @param modelPrivacy the model's guarantee; null to leave it unstated
   * @param baselinePrivacy the baseline's guarantee; null without a baseline or to leave it unstated
   */
  public static Built build(Header h, EvaluateConfig config, List<String> classes, Map<String, Serializable> metricsByKey,
      PrivacyGuarantee modelPrivacy, PrivacyGuarantee baselinePrivacy) {
    boolean classification = "classification".equals(h.task());
    List<SliceSpec> specs = config.allSlices();
    // model -> sample -> slice -> metrics
    Map<String, Map<Integer, Map<SliceId, Serializable>>> all = new HashMap<>();
    for (Map.Entry<String, Serializable> e : metricsByKey.entrySet()) {
      String[] p = ScoreExamplesFn.parts(e.getKey());
      all.computeIfAbsent(p[0], k -> new HashMap<>()).computeIfAbsent(Integer.parseInt(p[1]), k -> new HashMap<>())
          .put(new SliceId(Integer.parseInt(p[2]), p[3]), e.getValue());
    }
    Map<SliceId, Serializable> candidate = all.getOrDefault(ScoreExamplesFn.CANDIDATE, Map.of()).getOrDefault(-1, Map.of());
    Map<SliceId, Serializable> baseline = all.getOrDefault(ScoreExamplesFn.BASELINE, Map.of()).getOrDefault(-1, Map.of());
    Map<Integer, Map<SliceId, Serializable>> samples = new TreeMap<>(all.getOrDefault(ScoreExamplesFn.CANDIDATE, Map.of()));
    samples.remove(-1);

    List<SliceId> order = new ArrayList<>(candidate.keySet());
    order.sort(Comparator.comparingInt(SliceId::spec).thenComparing(SliceId::name));

    ObjectNode root = JSON.createObjectNode();
    ObjectNode model = root.putObject("model");
    model.put("uri", h.modelUri());
    model.put("fingerprint", h.modelFingerprint());
    if (modelPrivacy != null) {
      model.set("privacy", modelPrivacy.toJson());
    }
    if (h.baselineUri() == null) {
      root.putNull("baseline");
    } else {
      ObjectNode b = root.putObject("baseline");
      b.put("uri", h.baselineUri());
      if (h.baselineArtifactId() != null) {
        b.put("artifact_id", h.baselineArtifactId());
      }
      if (baselinePrivacy != null) {
        b.set("privacy", baselinePrivacy.toJson());
      }
    }
    root.put("task", h.task());
    root.put("label", h.label());
    if (classification) {
      ArrayNode c = root.putArray("classes");
      classes.forEach(c::add);
    }
    ObjectNode data = root.putObject("data");
    data.put("uri", h.dataUri());
    data.put("split", h.split());
    data.put("examples", h.scored() + h.unscored());
    data.put("scored", h.scored());
    data.put("unscored", h.unscored());
    data.put("unlabelled", h.unlabelled());
    root.put("min_slice_size", config.minSliceSize());
    ObjectNode boot = root.putObject("bootstrap");
    boot.put("samples", config.bootstrapSamples());
    boot.put("seed", config.seed());
    boot.put("confidence", config.confidence());
    ArrayNode sliceSpecs = root.putArray("slice_specs");
    specs.forEach(s -> sliceSpecs.add(s.toString()));

    Map<String, Map<String, Double>> candidateValues = new LinkedHashMap<>();
    Map<String, Map<String, Double>> baselineValues = new LinkedHashMap<>();
    Set<String> tooSmall = new LinkedHashSet<>();
    ArrayNode slices = root.putArray("slices");
    for (SliceId id : order) {
      Serializable m = candidate.get(id);
      long count = exampleCount(m);
      boolean small = id.spec() >= 0 && count < config.minSliceSize();
      ObjectNode s = slices.addObject();
      s.put("slice", id.name());
      ObjectNode features = s.putObject("features");
      if (id.spec() >= 0) {
        List<SliceSpec.Feature> fs = specs.get(id.spec()).features();
        String[] values = id.name().split(", ", -1);
        for (int i = 0; i < fs.size() && i < values.length; i++) {
          features.put(fs.get(i).label(), values[i].substring(Math.min(values[i].length(), fs.get(i).label().length() + 1)));
        }
      }
      s.put("example_count", count);
      s.put("weighted_count", weightedCount(m));
      s.put("too_small", small);
      if (small) {
        s.putNull("metrics");
        tooSmall.add(id.name());
        continue;
      }
      Map<String, Double> values = values(m, classes);
      candidateValues.put(id.name(), values);
      putMetrics(s.putObject("metrics"), values);
      if (m instanceof ClassificationMetrics c) {
        classificationDetails(s, c, classes);
      } else if (m instanceof RegressionMetrics r) {
        ArrayNode q = s.putObject("residuals").putArray("quantiles");
        for (int i = 0; i < r.quantileProbabilities().length; i++) {
          ObjectNode o = q.addObject();
          o.put("p", r.quantileProbabilities()[i]);
          Numbers.put(o, "value", r.residualQuantiles()[i]);
        }
      }
      if (!samples.isEmpty()) {
        intervals(s.putObject("intervals"), id, samples, classes, config.confidence());
      }
      Serializable b = baseline.get(id);
      if (b != null) {
        Map<String, Double> bv = values(b, classes);
        baselineValues.put(id.name(), bv);
        putMetrics(s.putObject("baseline_metrics"), bv);
      } else {
        s.putNull("baseline_metrics");
      }
    }

    List<BiasGaps> gaps = new ArrayList<>();
    if (classification) {
      for (String feature : config.sensitiveFeatures()) {
        int spec = specIndex(specs, feature);
        Map<String, ClassificationMetrics> byGroup = new TreeMap<>();
        candidate.forEach((id, m) -> {
          if (id.spec() == spec && m instanceof ClassificationMetrics c) {
            byGroup.put(id.name().substring(feature.length() + 1), c);
          }
        });
        if (!byGroup.isEmpty()) {
          // A group too small for a slice of its own is too small to compare.
          gaps.add(BiasGaps.compute(feature, byGroup, classes, config.minSliceSize()));
        }
      }
    }
    ArrayNode bias = root.putArray("bias");
    gaps.forEach(g -> bias.add(g.toJson()));
    Blessing blessing = config.blessing().evaluate(candidateValues, h.baselineUri() == null ? null : baselineValues, tooSmall, gaps);
    return new Built(root, blessing);
  }

  private static int specIndex(List<SliceSpec> specs, String feature) {
    for (int i = 0; i < specs.size(); i++) {
      if (specs.get(i).featureNames().equals(List.of(feature)) && specs.get(i).features().get(0).buckets().isEmpty()) {
        return i;
      }
    }
    return -2;
  }

  private static long exampleCount(Serializable m) {
    return m instanceof ClassificationMetrics c ? c.exampleCount() : m instanceof RegressionMetrics r ? r.exampleCount() : 0;
  }

  private static double weightedCount(Serializable m) {
    return m instanceof ClassificationMetrics c ? c.weightedCount() : m instanceof RegressionMetrics r ? r.weightedCount() : 0;
  }

  private static Map<String, Double> values(Serializable m, List<String> classes) {
    if (m instanceof ClassificationMetrics c) {
      return MetricValues.of(c, classes);
    }
    return MetricValues.of((RegressionMetrics) m);
  }

  private static void putMetrics(ObjectNode o, Map<String, Double> values) {
    values.forEach((k, v) -> Numbers.put(o, k, v));
  }

  private static void classificationDetails(ObjectNode s, ClassificationMetrics c, List<String> classes) {
    ObjectNode perClass = s.putObject("per_class");
    for (int k = 0; k < c.numClasses(); k++) {
      ObjectNode o = perClass.putObject(classes.get(k));
      Numbers.put(o, "precision", c.precision()[k]);
      Numbers.put(o, "recall", c.recall()[k]);
      Numbers.put(o, "f1", c.f1()[k]);
      Numbers.put(o, "support", c.support()[k]);
    }
    ObjectNode cm = s.putObject("confusion_matrix");
    ArrayNode labels = cm.putArray("labels");
    classes.forEach(labels::add);
    ArrayNode counts = cm.putArray("counts");
    for (long[] row : c.confusionCounts()) {
      ArrayNode r = counts.addArray();
      Arrays.stream(row).forEach(r::add);
    }
    ArrayNode weights = cm.putArray("weights");
    for (double[] row : c.confusionMatrix()) {
      ArrayNode r = weights.addArray();
      Arrays.stream(row).forEach(r::add);
    }
    ObjectNode curves = s.putObject("curves");
    for (ClassificationMetrics.Curve curve : c.curves()) {
      ObjectNode o = curves.putObject(classes.get(curve.positiveClass()));
      o.put("exact_points", curve.exactPointCount());
      ArrayNode roc = o.putArray("roc");
      ArrayNode pr = o.putArray("pr");
      for (ClassificationMetrics.CurvePoint p : curve.points()) {
        ObjectNode r = roc.addObject();
        Numbers.put(r, "threshold", p.threshold());
        Numbers.put(r, "fpr", p.falsePositiveRate());
        Numbers.put(r, "tpr", p.truePositiveRate());
        ObjectNode q = pr.addObject();
        Numbers.put(q, "threshold", p.threshold());
        Numbers.put(q, "recall", p.recall());
        Numbers.put(q, "precision", p.precision());
      }
    }
    ObjectNode calibration = s.putObject("calibration");
    for (ClassificationMetrics.Calibration cal : c.calibration()) {
      ObjectNode o = calibration.putObject(classes.get(cal.positiveClass()));
      Numbers.put(o, "weight", cal.weight());
      Numbers.put(o, "mean_prediction", cal.meanPrediction());
      Numbers.put(o, "mean_label", cal.meanLabel());
      ArrayNode bins = o.putArray("bins");
      for (ClassificationMetrics.CalibrationBin b : cal.bins()) {
        ObjectNode x = bins.addObject();
        Numbers.put(x, "lower", b.lower());
        Numbers.put(x, "upper", b.upper());
        Numbers.put(x, "weight", b.weight());
        Numbers.put(x, "mean_prediction", b.meanPrediction());
        Numbers.put(x, "fraction_positive", b.fractionOfPositives());
      }
    }
    ArrayNode thresholds = s.putArray("thresholds");
    for (ClassificationMetrics.ThresholdMetrics t : c.thresholds()) {
      ObjectNode o = thresholds.addObject();
      Numbers.put(o, "threshold", t.threshold());
      Numbers.put(o, "precision", t.precision());
      Numbers.put(o, "recall", t.recall());
      Numbers.put(o, "f1", t.f1());
      Numbers.put(o, "false_positive_rate", t.falsePositiveRate());
      Numbers.put(o, "accuracy", t.accuracy());
      Numbers.put(o, "true_positives", t.truePositives());
      Numbers.put(o, "false_positives", t.falsePositives());
      Numbers.put(o, "true_negatives", t.trueNegatives());
      Numbers.put(o, "false_negatives", t.falseNegatives());
    }
  }

  /**
   * The percentile interval of each metric over the bootstrap samples in which the slice has examples
   * (Efron and Tibshirani 1993, ch. 13), with numpy's linear interpolation between order statistics.
   */
  private static void intervals(ObjectNode o, SliceId id, Map<Integer, Map<SliceId, Serializable>> samples, List<String> classes,
      double confidence) {
    Map<String, List<Double>> byMetric = new LinkedHashMap<>();
    for (Map<SliceId, Serializable> sample : samples.values()) {
      Serializable m = sample.get(id);
      if (m == null) {
        continue;
      }
      values(m, classes).forEach((k, v) -> {
        if (v != null && !Double.isNaN(v) && !k.equals("example_count") && !k.equals("weighted_count")) {
          byMetric.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
      });
    }
    double alpha = (1 - confidence) / 2;
    byMetric.forEach((k, v) -> {
      double[] x = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      ArrayNode a = o.putArray(k);
      a.add(quantile(x, alpha));
      a.add(quantile(x, 1 - alpha));
    });
  }

  /** numpy.quantile's default (linear) of sorted {@code x}. */
  static double quantile(double[] x, double q) {
    double pos = q * (x.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, x.length - 1);
    return x[lo] + (x[hi] - x[lo]) * (pos - lo);
  }
}
