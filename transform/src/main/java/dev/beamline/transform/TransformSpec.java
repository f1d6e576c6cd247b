package dev.beamline.transform;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureNames;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The transforms of a pipeline: one {@link FeatureTransform} per transformed feature, in output order.
 * {@link #check(ExampleSchema)} rejects a declaration that cannot work on the data, before any pipeline
 * starts.
 *
 * <pre>{@code
 * TransformSpec spec = TransformSpec.of(List.of(
 *     FeatureTransform.numeric("bill_length_mm").withScale(Scale.Z_SCORE),
 *     FeatureTransform.string("species").withVocabulary(new Vocabulary(null, 1, 0))));
 * spec.check(rawSchema);
 * }</pre>
 */
public final class TransformSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ImmutableList<FeatureTransform> features;

  private TransformSpec(List<FeatureTransform> features) {
    this.features = ImmutableList.copyOf(features);
  }

  /** A spec of these transforms; output names must be distinct. */
  public static TransformSpec of(List<FeatureTransform> features) {
    Set<String> seen = new HashSet<>();
    for (FeatureTransform f : features) {
      if (!seen.add(f.output())) {
        throw new ConfigException("transform: two transformed features are named '" + f.output() + "'");
      }
    }
    if (features.isEmpty()) {
      throw new ConfigException("transform: declare at least one transformed feature");
    }
    return new TransformSpec(features);
  }

  public ImmutableList<FeatureTransform> features() {
    return features;
  }

  /**
   * Checks every transform against the raw data's schema: the input exists, and the steps fit its type
   * and each other.
   *
   * @throws ConfigException naming the transformed feature and what is wrong
   */
  public void check(ExampleSchema raw) {
    List<String> problems = new ArrayList<>();
    for (FeatureTransform f : features) {
      String where = "transform '" + f.output() + "': ";
      if (!FeatureNames.isValid(f.output())) {
        problems.add(where + "'" + f.output() + "' is not a valid feature name (letters, digits and _; not starting with a digit)");
      }
      var input = raw.feature(f.input());
      if (input.isEmpty()) {
        problems.add(where + "input feature '" + f.input() + "' is not in the data (features: " + String.join(", ", raw.names()) + ")");
        continue;
      }
      problems.addAll(checkOne(where, f, input.get()));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }

  private static List<String> checkOne(String where, FeatureTransform f, FeatureSpec input) {
    List<String> p = new ArrayList<>();
    FeatureType type = input.type();
    String typed = "input '" + f.input() + "' is " + type.configName() + ", ";
    boolean numericSteps = f.clipMin() != null || f.clipMax() != null || f.logOffset() != null || (f.scale() != null && f.scale() != Scale.NONE) || f.bucketize() != null || f.binarize() != null;
    boolean stringSteps = f.vocabulary() != null || f.hashBuckets() != null || f.text() != null || f.separator() != null || f.lowercase();
    int finals = ((f.scale() != null && f.scale() != Scale.NONE) ? 1 : 0) + (f.bucketize() != null ? 1 : 0) + (f.binarize() != null ? 1 : 0);
    if (finals > 1) {
      p.add(where + "choose one of scale, bucketize and binarize");
    }
    if (f.bucketize() != null && f.bucketize() < 2) {
      p.add(where + "bucketize needs at least 2 buckets, got " + f.bucketize());
    }
    if (f.clipMin() != null && f.clipMax() != null && f.clipMin() > f.clipMax()) {
      p.add(where + "clip minimum " + f.clipMin() + " is above the maximum " + f.clipMax());
    }
    Encoding enc = f.effectiveEncoding();
    switch (type) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        if (stringSteps) {
          p.add(where + typed + "so vocabulary, hash_buckets, text, separator and lowercase do not apply (they need a string feature)");
        }
        if (f.timePart() != null) {
          p.add(where + typed + "time_part needs a timestamp feature");
        }
        if (f.encode() != null && f.encode() != Encoding.ID && !(f.encode() == Encoding.ONE_HOT && (f.bucketize() != null || f.binarize() != null))) {
          p.add(where + "encode " + f.encode().name().toLowerCase() + " needs a categorical output (a string feature, bucketize or binarize)");
        }
        break;
      case TIMESTAMP:
        if (f.timePart() == null) {
          p.add(where + typed + "so it needs time_part (hour_of_day or day_of_week)");
        }
        if (numericSteps || stringSteps) {
          p.add(where + typed + "only time_part, impute and encode (id or one_hot) apply");
        }
        if (f.impute() != null && f.impute().strategy() == Impute.Strategy.MEAN) {
          p.add(where + "impute mean does not apply to a timestamp (use most_frequent or constant)");
        }
        if (enc != Encoding.ID && enc != Encoding.ONE_HOT) {
          p.add(where + "encode " + enc.name().toLowerCase() + " does not apply to a time part (use id or one_hot)");
        }
        break;
      case STRING:
        if (numericSteps) {
          p.add(where + typed + "so clip, log, scale, bucketize and binarize do not apply (they need a numeric feature)");
        }
        if (f.timePart() != null) {
          p.add(where + typed + "time_part needs a timestamp feature");
        }
        if ((f.vocabulary() == null) == (f.hashBuckets() == null)) {
          p.add(where + "a string feature needs exactly one of vocabulary and hash_buckets");
        }
        if (f.hashBuckets() != null && f.hashBuckets() < 1) {
          p.add(where + "hash_buckets must be at least 1, got " + f.hashBuckets());
        }
        if (f.vocabulary() != null) {
          FeatureTransform.Vocabulary v = f.vocabulary();
          if (v.topK() != null && v.topK() < 1) {
            p.add(where + "vocabulary top_k must be at least 1, got " + v.topK());
          }
          if (v.oovBuckets() < 0) {
            p.add(where + "vocabulary oov_buckets must be 0 or more, got " + v.oovBuckets());
          }
          if (v.frequencyThreshold() < 1) {
            p.add(where + "vocabulary frequency_threshold must be at least 1, got " + v.frequencyThreshold());
          }
        }
        if (f.text() != null && f.separator() != null) {
          p.add(where + "choose one of text and separator");
        }
        if (f.text() != null && (f.text().ngramMin() < 1 || f.text().ngramMax() < f.text().ngramMin())) {
          p.add(where + "text ngrams must be [min, max] with 1 <= min <= max, got [" + f.text().ngramMin() + ", " + f.text().ngramMax() + "]");
        }
        if (f.separator() != null && f.separator().isEmpty()) {
          p.add(where + "separator must not be empty");
        }
        if (f.impute() != null && f.impute().strategy() == Impute.Strategy.MEAN) {
          p.add(where + "impute mean needs a numeric feature (use most_frequent or constant)");
        }
        if (f.multiValued() && (enc == Encoding.ID || enc == Encoding.ONE_HOT)) {
          p.add(where + "a multi-valued feature (text or separator) is encoded as multi_hot, ids or tfidf, not " + enc.name().toLowerCase());
        }
        if (!f.multiValued() && (enc == Encoding.MULTI_HOT || enc == Encoding.IDS || enc == Encoding.TFIDF)) {
          p.add(where + "encode " + enc.name().toLowerCase() + " needs a multi-valued feature (set text or separator)");
        }
        if (enc == Encoding.TFIDF && f.vocabulary() == null) {
          p.add(where + "encode tfidf needs a vocabulary (document frequencies are counted per token)");
        }
        break;
      default:
        throw new AssertionError(type);
    }
    if (f.maxTokens() != null && f.maxTokens() < 1) {
      p.add(where + "max_tokens must be at least 1, got " + f.maxTokens());
    }
    if (f.impute() != null && f.impute().strategy() == Impute.Strategy.CONSTANT) {
      if (f.impute().constant() == null) {
        p.add(where + "impute constant needs a value");
      } else {
        checkConstant(where, f, type).ifPresent(p::add);
      }
    }
    return p;
  }

  /** What is wrong with the imputation constant of {@code f} on a raw feature of type {@code type}, if anything. */
  private static Optional<String> checkConstant(String where, FeatureTransform f, FeatureType type) {
    String c = f.impute().constant();
    switch (type) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        try {
          RawValue.numericConstant(c, type);
          return Optional.empty();
        } catch (NumberFormatException e) {
          return Optional.of(where + "impute constant '" + c + "' is not a number"
              + (type == FeatureType.BOOLEAN ? " (nor true or false)" : ""));
        }
      case TIMESTAMP:
        if (f.timePart() == null) {
          return Optional.empty();
        }
        int parts = TimeParts.cardinality(f.timePart());
        try {
          long part = Long.parseLong(c.trim());
          if (part >= 0 && part < parts) {
            return Optional.empty();
          }
        } catch (NumberFormatException e) {
          // reported below
        }
        return Optional.of(where + "impute constant '" + c + "' is not a "
            + f.timePart().name().toLowerCase() + " (an integer from 0 to " + (parts - 1) + ")");
      default:
        return Optional.empty();
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransformSpec t && t.features.equals(features);
  }

  @Override
  public int hashCode() {
    return features.hashCode();
  }

  @Override
  public String toString() {
    return "TransformSpec" + FeatureTransform.outputs(features);
  }
}
