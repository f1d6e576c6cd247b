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
import dev.beamline.transform.FeatureTransform.TimePart;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

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

  /** The time parts, as written in a configuration: {@code hour_of_day, day_of_week, ...}. */
  private static final String TIME_PARTS =
      Arrays.stream(TimePart.values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));

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
      if (f.isCross()) {
        problems.addAll(checkCross(where, f, raw));
        continue;
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
        if (f.encode() == Encoding.CYCLICAL) {
          p.add(where + typed + "encode cyclical needs a time part (a timestamp feature with time_part)");
        } else if (f.encode() != null && f.encode() != Encoding.ID && !(f.encode() == Encoding.ONE_HOT && (f.bucketize() != null || f.binarize() != null))) {
          p.add(where + "encode " + f.encode().name().toLowerCase() + " needs a categorical output (a string feature, bucketize or binarize)");
        }
        break;
      case TIMESTAMP: {
        if (f.timePart() == null) {
          p.add(where + typed + "so it needs time_part (" + TIME_PARTS + ")");
        }
        boolean year = f.timePart() == TimePart.YEAR;
        boolean scaled = f.scale() != null && f.scale() != Scale.NONE;
        boolean otherNumericSteps = f.clipMin() != null || f.clipMax() != null || f.logOffset() != null || f.bucketize() != null || f.binarize() != null;
        if (otherNumericSteps || stringSteps || (scaled && !year)) {
          p.add(where + typed + "only time_part, impute, encode (id, one_hot or cyclical) and, for the year, scale apply");
        }
        if (f.impute() != null && f.impute().strategy() == Impute.Strategy.MEAN) {
          p.add(where + "impute mean does not apply to a timestamp (use most_frequent or constant)");
        }
        if (year) {
          if (f.encode() != null) {
            p.add(where + "time_part year is a number, so encode " + f.encode().name().toLowerCase() + " does not apply (scale it with scale: z_score or min_max)");
          }
        } else if (enc != Encoding.ID && enc != Encoding.ONE_HOT && enc != Encoding.CYCLICAL) {
          p.add(where + "encode " + enc.name().toLowerCase() + " does not apply to a time part (use id, one_hot or cyclical)");
        } else if (enc == Encoding.CYCLICAL && f.impute() != null) {
          p.add(where + "encode cyclical takes no impute: a missing timestamp becomes [0, 0], the centre of the circle");
        }
        break;
      }
      case STRING:
        if (numericSteps) {
          p.add(where + typed + "so clip, log, scale, bucketize and binarize do not apply (they need a numeric feature)");
        }
        if (f.timePart() != null) {
          p.add(where + typed + "time_part needs a timestamp feature");
        }
        if (enc == Encoding.CYCLICAL) {
          p.add(where + typed + "encode cyclical needs a time part (a timestamp feature with time_part)");
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
          p.add(where + "a multi-valued feature (text or separator) is encoded as multi_hot, ids, tfidf or embedding, not " + enc.name().toLowerCase());
        }
        if (!f.multiValued() && (enc == Encoding.MULTI_HOT || enc == Encoding.IDS || enc == Encoding.TFIDF || enc == Encoding.EMBEDDING)) {
          p.add(where + "encode " + enc.name().toLowerCase() + " needs a multi-valued feature (set text or separator)");
        }
        if (enc == Encoding.TFIDF && f.vocabulary() == null) {
          p.add(where + "encode tfidf needs a vocabulary (document frequencies are counted per token)");
        }
        p.addAll(checkEmbedding(where, f));
        break;
      default:
        throw new AssertionError(type);
    }
    if (f.maxTokens() != null && f.maxTokens() < 1) {
      p.add(where + "max_tokens must be at least 1, got " + f.maxTokens());
    }
    if (f.embedding() != null && enc != Encoding.EMBEDDING) {
      p.add(where + "embedding applies to encode: embedding, not " + enc.name().toLowerCase(Locale.ROOT));
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

  /**
   * What is wrong with the embedding of a string feature encoded {@link Encoding#EMBEDDING}: pretrained
   * vectors are looked up by token, so they need a vocabulary, and the tokens without a vector need
   * an OOV bucket; frozen rows need vectors to start from.
   */
  private static List<String> checkEmbedding(String where, FeatureTransform f) {
    List<String> p = new ArrayList<>();
    FeatureTransform.Embedding e = f.effectiveEmbedding();
    if (e == null) {
      return p;
    }
    if (e.vectors() != null) {
      if (e.vectors().isBlank()) {
        p.add(where + "embedding.vectors must name a file of word vectors");
      }
      if (f.vocabulary() == null) {
        p.add(where + "embedding.vectors needs a vocabulary: vectors are looked up by token, and hash buckets have none");
      } else if (f.vocabulary().oovBuckets() < 1) {
        p.add(where + "embedding.vectors: tokens without a vector go to the vocabulary's OOV buckets, so oov_buckets must be at least 1, got "
            + f.vocabulary().oovBuckets());
      }
    } else if (!e.trainable()) {
      p.add(where + "embedding.trainable: false freezes the rows that start from pretrained vectors, and there are none"
          + " (set embedding.vectors, or leave trainable out)");
    }
    return p;
  }

  /** What is wrong with the cross {@code f}: what it crosses, its hash buckets, its encoding, steps that do not apply. */
  private List<String> checkCross(String where, FeatureTransform f, ExampleSchema raw) {
    List<String> p = new ArrayList<>();
    boolean otherSteps = f.input() != null || f.impute() != null || f.clipMin() != null || f.clipMax() != null || f.logOffset() != null
        || (f.scale() != null && f.scale() != Scale.NONE) || f.bucketize() != null || f.binarize() != null || f.timePart() != null
        || f.lowercase() || f.text() != null || f.separator() != null || f.vocabulary() != null || f.maxTokens() != null || f.embedding() != null;
    if (otherSteps) {
      p.add(where + "a cross reads the ids of other transformed features, so only cross, hash_buckets and encode apply");
    }
    List<String> crossed = f.cross();
    if (crossed.size() < 2) {
      p.add(where + "cross needs at least two transformed features, got " + crossed);
    }
    if (new HashSet<>(crossed).size() != crossed.size()) {
      p.add(where + "cross names a feature twice: " + crossed);
    }
    for (String name : new java.util.LinkedHashSet<>(crossed)) {
      FeatureTransform g = features.stream().filter(x -> x.output().equals(name)).findFirst().orElse(null);
      if (g == null) {
        p.add(where + "cross: '" + name + "' is not a transformed feature (transformed features: "
            + String.join(", ", FeatureTransform.outputs(features)) + ")");
      } else if (g == f) {
        p.add(where + "cross: a feature cannot cross itself");
      } else if (g.isCross()) {
        p.add(where + "cross: '" + name + "' is a cross itself; cross the features it crosses instead");
      } else {
        // An input missing from the data is reported by the crossed feature's own check.
        raw.feature(g.input()).ifPresent(in -> {
          if (!singleId(g, in.type())) {
            p.add(where + "cross: '" + name + "' has no single id per row; a cross reads categorical ids: a single-valued string"
                + " with a vocabulary or hash_buckets, bucketize, binarize, or a time part (not year, not cyclical)");
          }
        });
      }
    }
    if (f.hashBuckets() == null) {
      p.add(where + "a cross needs hash_buckets: the number of ids the crossed values are hashed into");
    } else if (f.hashBuckets() < 1) {
      p.add(where + "hash_buckets must be at least 1, got " + f.hashBuckets());
    }
    Encoding enc = f.effectiveEncoding();
    if (enc != Encoding.ID && enc != Encoding.ONE_HOT) {
      p.add(where + "encode " + enc.name().toLowerCase(Locale.ROOT) + " does not apply to a cross (use id or one_hot)");
    }
    return p;
  }

  /** Whether {@code f}, on a raw feature of type {@code type}, gives one categorical id per row (what a cross reads). */
  private static boolean singleId(FeatureTransform f, FeatureType type) {
    switch (type) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        return f.bucketize() != null || f.binarize() != null;
      case TIMESTAMP:
        return f.timePart() != null && f.timePart() != TimePart.YEAR && f.effectiveEncoding() != Encoding.CYCLICAL;
      case STRING:
        return !f.multiValued() && (f.vocabulary() != null || f.hashBuckets() != null)
            && (f.effectiveEncoding() == Encoding.ID || f.effectiveEncoding() == Encoding.ONE_HOT);
      default:
        return false;
    }
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
        boolean year = f.timePart() == TimePart.YEAR;
        try {
          long part = Long.parseLong(c.trim());
          if (year || (part >= 0 && part < parts)) {
            return Optional.empty();
          }
        } catch (NumberFormatException e) {
          // reported below
        }
        String part = f.timePart().name().toLowerCase(Locale.ROOT);
        return Optional.of(where + "impute constant '" + c + "' is not a " + part
            + (year ? " (an integer)" : " (an integer from 0 to " + (parts - 1) + idMeaning(f.timePart()) + ")"));
      default:
        return Optional.empty();
    }
  }

  /** What the id of a part counted from 1 means, for messages: {@code ": the month minus 1"}. */
  private static String idMeaning(TimePart part) {
    switch (part) {
      case DAY_OF_MONTH:
        return ": the day of the month minus 1";
      case DAY_OF_YEAR:
        return ": the day of the year minus 1";
      case WEEK_OF_YEAR:
        return ": the ISO week minus 1";
      case MONTH:
        return ": the month minus 1";
      default:
        return "";
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
