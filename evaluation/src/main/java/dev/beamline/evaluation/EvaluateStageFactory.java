package dev.beamline.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code evaluate:} section of a pipeline file: binds it to an {@link EvaluateConfig} and makes
 * the {@link EvaluateStage}. The canonical parameters ({@link #parameters}) are the same keys with
 * every default filled in.
 *
 * <pre>{@code
 * evaluate:
 *   split: eval
 *   slices: [island, [sex, island], {feature: body_mass_g, buckets: [3500, 4500]}, {feature: date, part: hour}]
 *   min_slice_size: 10
 *   bootstrap: {samples: 200, seed: 42}
 *   thresholds:
 *     - {metric: accuracy, lower_bound: 0.9}
 *     - {metric: accuracy, change: {direction: higher_is_better, absolute: -0.02}}
 *   bias: {sensitive: [sex], max_gap: {true_positive_rate: 0.2}}
 * }</pre>
 */
public final class EvaluateStageFactory implements StageFactory {
  /** The section's key. */
  public static final String SECTION = "evaluate";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code evaluate:} */
  public static final class EvaluateDoc {
    public String split;
    public List<Object> slices;
    public Integer min_slice_size;
    public BootstrapDoc bootstrap;
    public List<ThresholdDoc> thresholds;
    public BiasDoc bias;
    public Integer batch_size;
  }

  /** {@code evaluate.bootstrap:} */
  public static final class BootstrapDoc {
    public Integer samples;
    public Long seed;
    public Double confidence;
  }

  /** One of {@code evaluate.thresholds:} */
  public static final class ThresholdDoc {
    public String metric;
    public String slice;
    public Double lower_bound;
    public Double upper_bound;
    public ChangeDoc change;
  }

  /** {@code evaluate.thresholds[i].change:} */
  public static final class ChangeDoc {
    public String direction;
    public Double absolute;
    public Double relative;
  }

  /** {@code evaluate.bias:} */
  public static final class BiasDoc {
    public List<String> sensitive;
    public LinkedHashMap<String, Double> max_gap;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return List.of(new EvaluateStage(bind(section)));
  }

  /**
   * The configuration {@code section} describes.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a bad value
   */
  public static EvaluateConfig bind(ConfigSection section) {
    EvaluateDoc d = section.bind(EvaluateDoc.class);
    EvaluateConfig c = EvaluateConfig.defaults();
    if (d.split != null) {
      c = c.withSplit(d.split);
    }
    if (d.slices != null) {
      List<SliceSpec> slices = new ArrayList<>();
      for (int i = 0; i < d.slices.size(); i++) {
        Object item = d.slices.get(i);
        int index = i;
        // Items of a list have no line of their own: the message names the list's line and the item.
        slices.add(section.check("slices", () -> item(index, () -> slice(item))));
      }
      EvaluateConfig base = c;
      c = section.check("slices", () -> base.withSlices(slices));
    }
    if (d.min_slice_size != null) {
      EvaluateConfig base = c;
      c = section.check("min_slice_size", () -> base.withMinSliceSize(d.min_slice_size));
    }
    if (d.bootstrap != null) {
      EvaluateConfig base = c;
      int samples = d.bootstrap.samples != null ? d.bootstrap.samples : 100;
      long seed = d.bootstrap.seed != null ? d.bootstrap.seed : base.seed();
      c = section.check("bootstrap", () -> base.withBootstrap(samples, seed));
      if (d.bootstrap.confidence != null) {
        EvaluateConfig b2 = c;
        c = section.check("bootstrap.confidence", () -> b2.withConfidence(d.bootstrap.confidence));
      }
    }
    if (d.batch_size != null) {
      EvaluateConfig base = c;
      c = section.check("batch_size", () -> base.withBatchSize(d.batch_size));
    }
    List<MetricThreshold> thresholds = new ArrayList<>();
    if (d.thresholds != null) {
      for (int i = 0; i < d.thresholds.size(); i++) {
        ThresholdDoc t = d.thresholds.get(i);
        int index = i;
        if (t == null || t.metric == null) {
          throw section.error("thresholds", "'" + section.key("thresholds") + "[" + i + "].metric' is required");
        }
        thresholds.add(section.check("thresholds", () -> item(index, () -> threshold(t))));
      }
    }
    List<BiasThreshold> biasThresholds = new ArrayList<>();
    List<String> sensitive = List.of();
    if (d.bias != null) {
      sensitive = d.bias.sensitive != null ? d.bias.sensitive : List.of();
      if (sensitive.isEmpty() && d.bias.max_gap != null && !d.bias.max_gap.isEmpty()) {
        throw section.error("bias", "'" + section.key("bias.max_gap") + "' needs '" + section.key("bias.sensitive") + "': the features whose groups are compared");
      }
      if (d.bias.max_gap != null) {
        for (String feature : sensitive) {
          for (Map.Entry<String, Double> e : d.bias.max_gap.entrySet()) {
            if (!BiasGaps.METRICS.contains(e.getKey())) {
              throw section.error("bias.max_gap", "unknown bias metric '" + e.getKey() + "' in '" + section.key("bias.max_gap")
                  + "' (one of: " + String.join(", ", BiasGaps.METRICS) + ")");
            }
            biasThresholds.add(section.check("bias.max_gap", () -> BiasThreshold.of(feature, e.getKey(), e.getValue())));
          }
        }
      }
    }
    EvaluateConfig base = c;
    List<String> sens = sensitive;
    c = section.check("bias", () -> base.withSensitive(sens));
    EvaluateConfig b3 = c;
    return section.check("thresholds", () -> b3.withBlessing(BlessingCriteria.of(thresholds, biasThresholds)));
  }

  /** {@code build}'s value, its refusal prefixed with the list item's index. */
  private static <T> T item(int index, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("item " + index + ": " + e.getMessage(), e);
    }
  }

  /**
   * A slice item as the YAML file writes it: a feature name, an object {@code {feature, buckets}} or
   * {@code {feature, part}}, or a list of those (a cross). Shared by every section that slices metrics
   * ({@code evaluate.slices}, {@code feedback.metrics.slices}).
   *
   * @throws IllegalArgumentException saying what is wrong with the item
   */
  public static SliceSpec slice(Object item) {
    if (item instanceof List<?> list) {
      List<SliceSpec.Feature> features = new ArrayList<>();
      for (Object o : list) {
        features.add(feature(o));
      }
      return new SliceSpec(features);
    }
    return SliceSpec.of(feature(item));
  }

  @SuppressWarnings("unchecked")
  private static SliceSpec.Feature feature(Object o) {
    if (o instanceof String s) {
      return SliceSpec.Feature.values(s);
    }
    if (o instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) {
        if (!k.equals("feature") && !k.equals("buckets") && !k.equals("part")) {
          throw new IllegalArgumentException("unknown key '" + k + "' in a slice feature (known keys: buckets, feature, part)");
        }
      }
      Object name = m.get("feature");
      if (!(name instanceof String)) {
        throw new IllegalArgumentException("a slice feature needs 'feature': its name");
      }
      Object buckets = m.get("buckets");
      if (m.get("part") != null) {
        if (buckets != null) {
          throw new IllegalArgumentException("slice feature '" + name + "' takes buckets or a time part, not both");
        }
        return SliceSpec.Feature.timePart((String) name, m.get("part").toString());
      }
      if (buckets == null) {
        return SliceSpec.Feature.values((String) name);
      }
      if (!(buckets instanceof List<?> bl)) {
        throw new IllegalArgumentException("'buckets' must be a list of numbers; got " + buckets);
      }
      List<Double> b = new ArrayList<>();
      for (Object x : bl) {
        if (!(x instanceof Number n)) {
          throw new IllegalArgumentException("'buckets' must be a list of numbers; got " + buckets);
        }
        b.add(n.doubleValue());
      }
      return SliceSpec.Feature.buckets((String) name, b);
    }
    throw new IllegalArgumentException("a slice is a feature name, {feature: name, buckets: [...]}, or a list of those; got " + o);
  }

  private static MetricThreshold threshold(ThresholdDoc t) {
    try {
      MetricValues.describe(t.metric);
    } catch (IllegalArgumentException e) {
      // Caught here, before anything runs, not as a failed check after training.
      java.util.List<String> names = new java.util.ArrayList<>(MetricValues.DEFINITIONS.keySet());
      String closest = dev.beamline.core.YamlFiles.closest(t.metric, names);
      throw new IllegalArgumentException("unknown metric '" + t.metric + "'"
          + (closest == null ? "" : "; did you mean '" + closest + "'?") + " (metrics: " + String.join(", ", names) + ")");
    }
    MetricThreshold m = MetricThreshold.of(t.metric);
    if (t.slice != null) {
      m = m.withSlice(t.slice);
    }
    if (t.lower_bound != null) {
      m = m.withLowerBound(t.lower_bound);
    }
    if (t.upper_bound != null) {
      m = m.withUpperBound(t.upper_bound);
    }
    if (t.change != null) {
      if (t.change.direction != null) {
        m = m.withDirection(MetricThreshold.Direction.of(t.change.direction));
      }
      if (t.change.absolute != null) {
        m = m.withAbsoluteChange(t.change.absolute);
      }
      if (t.change.relative != null) {
        m = m.withRelativeChange(t.change.relative);
      }
    }
    return m.validate();
  }

  /** {@code slices} in canonical form: per slice, its features with their buckets and time part. */
  public static ArrayNode slicesJson(List<SliceSpec> slices) {
    ArrayNode out = JSON.createArrayNode();
    for (SliceSpec s : slices) {
      ArrayNode cross = out.addArray();
      for (SliceSpec.Feature f : s.features()) {
        ObjectNode x = cross.addObject();
        x.put("feature", f.name());
        ArrayNode b = x.putArray("buckets");
        f.buckets().forEach(b::add);
        x.put("part", f.part() == null ? null : f.part().name().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  /** The canonical form of {@code c}: every key, defaults filled in; the cache key and the recorded parameters. */
  public static ObjectNode parameters(EvaluateConfig c) {
    ObjectNode o = JSON.createObjectNode();
    o.put("split", c.split());
    o.set("slices", slicesJson(c.slices()));
    o.put("min_slice_size", c.minSliceSize());
    ObjectNode boot = o.putObject("bootstrap");
    boot.put("samples", c.bootstrapSamples());
    boot.put("seed", c.seed());
    boot.put("confidence", c.confidence());
    ArrayNode thresholds = o.putArray("thresholds");
    for (MetricThreshold t : c.blessing().thresholds()) {
      ObjectNode x = thresholds.addObject();
      x.put("metric", t.metric());
      x.put("slice", t.slice());
      x.put("lower_bound", t.lowerBound());
      x.put("upper_bound", t.upperBound());
      if (t.direction() != null) {
        ObjectNode ch = x.putObject("change");
        ch.put("direction", t.direction().name().toLowerCase(Locale.ROOT));
        ch.put("absolute", t.absoluteChange());
        ch.put("relative", t.relativeChange());
      } else {
        x.putNull("change");
      }
    }
    ObjectNode bias = o.putObject("bias");
    ArrayNode sensitive = bias.putArray("sensitive");
    c.sensitiveFeatures().forEach(sensitive::add);
    ObjectNode gaps = bias.putObject("max_gap");
    for (BiasThreshold b : c.blessing().bias()) {
      gaps.put(b.feature() + "." + b.metric(), b.maxGap());
    }
    o.put("batch_size", c.batchSize());
    return o;
  }
}
