package dev.beamline.transform;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.transform.FeatureTransform.Impute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * The {@code transform:} section of a pipeline file: binds it to a {@link TransformConfig} and makes the
 * {@link TransformStage}. The same documents give the stage's canonical parameters ({@link
 * #parameters}), so that what is recorded binds back to an equal configuration.
 *
 * <pre>{@code
 * transform:
 *   analyze_split: train
 *   features:
 *     mass: {input: body_mass_g, clip: {min: 0}, log: true, scale: z_score}
 *     island: {vocabulary: {oov_buckets: 1}, encode: one_hot}
 *     hour: {input: date, time_part: hour_of_day}
 *     island_x_hour: {cross: [island, hour], hash_buckets: 100}
 *     notes: {text: {}, vocabulary: {}, encode: embedding, embedding: {vectors: glove.6B.50d.txt, trainable: false}}
 * }</pre>
 */
public final class TransformStageFactory implements StageFactory {
  /** The section's key. */
  public static final String SECTION = "transform";

  /** Writes every key, null ones too: the canonical form has the same keys whatever is set. */
  private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS);

  // The section's shape. Field names are the YAML keys.

  /** {@code transform:} */
  public static final class TransformDoc {
    public String analyze_split;
    public LinkedHashMap<String, FeatureDoc> features;
  }

  /** {@code transform.features.<output>:} one transformed feature. */
  public static final class FeatureDoc {
    public String input;
    public String impute;
    public String impute_value;
    public ClipDoc clip;
    public Boolean log;
    public Double log_offset;
    public String scale;
    public Integer bucketize;
    public Double binarize;
    public String time_part;
    public Boolean lowercase;
    public TextDoc text;
    public String separator;
    public VocabularyDoc vocabulary;
    public Integer hash_buckets;
    public String encode;
    public Integer max_tokens;
    /** How a model embeds the ids of {@code encode: embedding}. */
    public EmbeddingDoc embedding;
    /** The transformed features whose ids a cross hashes together; null unless a cross. */
    public List<String> cross;
  }

  /** {@code transform.features.<output>.clip:} */
  public static final class ClipDoc {
    public Double min;
    public Double max;
  }

  /** {@code transform.features.<output>.text:} */
  public static final class TextDoc {
    public List<Integer> ngrams;
  }

  /** {@code transform.features.<output>.vocabulary:} */
  public static final class VocabularyDoc {
    public Integer top_k;
    public Long frequency_threshold;
    public Integer oov_buckets;
  }

  /** {@code transform.features.<output>.embedding:} */
  public static final class EmbeddingDoc {
    public String pooling;
    /** A file of pretrained word vectors, relative to the pipeline file's folder or a URI. */
    public String vectors;
    public Boolean trainable;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return List.of(new TransformStage(bind(section)));
  }

  /**
   * The configuration that {@code section} describes.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a missing or bad value
   */
  public static TransformConfig bind(ConfigSection section) {
    TransformDoc d = section.bind(TransformDoc.class);
    if (d.features == null || d.features.isEmpty()) {
      throw section.error("", "'" + section.key("features") + "' is required: one entry per transformed feature");
    }
    List<FeatureTransform> features = new ArrayList<>();
    d.features.forEach((name, f) -> features.add(feature(section, name, f == null ? new FeatureDoc() : f)));
    TransformSpec spec = section.check("features", () -> TransformSpec.of(features));
    TransformConfig c = TransformConfig.of(spec);
    return d.analyze_split == null ? c : section.check("analyze_split", () -> c.withAnalyzeSplit(d.analyze_split));
  }

  private static FeatureTransform feature(ConfigSection section, String name, FeatureDoc d) {
    String key = "features." + name;
    FeatureTransform f;
    if (d.cross != null) {
      if (d.input != null) {
        throw section.error(key + ".input", "'" + section.key(key) + ".input' does not apply to a cross: it crosses the transformed features "
            + d.cross + ", not a raw feature");
      }
      if (d.cross.contains(null)) {
        throw section.error(key + ".cross", "'" + section.key(key) + ".cross' must list transformed features, got " + d.cross);
      }
      f = FeatureTransform.cross(name, d.cross);
    } else {
      f = FeatureTransform.numeric(d.input != null ? d.input : name).withOutput(name);
    }
    if (d.impute != null) {
      Impute.Strategy s = section.choice(key + ".impute", d.impute, Impute.Strategy.class);
      if (s == Impute.Strategy.CONSTANT && d.impute_value == null) {
        throw section.error(key + ".impute", "'" + section.key(key) + ".impute: constant' needs 'impute_value'");
      }
      f = f.withImpute(new Impute(s, d.impute_value));
    } else if (d.impute_value != null) {
      f = f.withImpute(new Impute(Impute.Strategy.CONSTANT, d.impute_value));
    }
    if (d.clip != null) {
      f = f.withClip(d.clip.min, d.clip.max);
    }
    if (Boolean.TRUE.equals(d.log) || d.log_offset != null) {
      f = f.withLog(d.log_offset != null ? d.log_offset : 1.0);
    }
    if (d.scale != null) {
      f = f.withScale(section.choice(key + ".scale", d.scale, FeatureTransform.Scale.class));
    }
    f = f.withBucketize(d.bucketize).withBinarize(d.binarize).withSeparator(d.separator).withHashBuckets(d.hash_buckets).withMaxTokens(d.max_tokens);
    if (d.time_part != null) {
      f = f.withTimePart(section.choice(key + ".time_part", d.time_part, FeatureTransform.TimePart.class));
    }
    if (d.text != null) {
      List<Integer> n = d.text.ngrams == null ? List.of(1, 1) : d.text.ngrams;
      if (n.size() == 1) {
        n = java.util.Arrays.asList(n.get(0), n.get(0));
      }
      // Not contains(null): List.of throws on it, and text: {} gives List.of(1, 1).
      if (n.size() != 2 || n.stream().anyMatch(java.util.Objects::isNull)) {
        throw section.error(key + ".text.ngrams", "'" + section.key(key) + ".text.ngrams' must be [min, max], got " + d.text.ngrams);
      }
      f = f.withText(new FeatureTransform.Text(n.get(0), n.get(1)));
    }
    // Text is lower-cased unless the file says otherwise.
    f = f.withLowercase(d.lowercase != null ? d.lowercase : d.text != null);
    if (d.vocabulary != null) {
      FeatureTransform.Vocabulary v = FeatureTransform.Vocabulary.defaults();
      f = f.withVocabulary(
          new FeatureTransform.Vocabulary(
              d.vocabulary.top_k,
              d.vocabulary.frequency_threshold != null ? d.vocabulary.frequency_threshold : v.frequencyThreshold(),
              d.vocabulary.oov_buckets != null ? d.vocabulary.oov_buckets : v.oovBuckets()));
    }
    if (d.encode != null) {
      f = f.withEncode(section.choice(key + ".encode", d.encode, FeatureTransform.Encoding.class));
    }
    if (d.embedding != null) {
      FeatureTransform.Pooling pooling = d.embedding.pooling == null ? FeatureTransform.Pooling.MEAN
          : section.choice(key + ".embedding.pooling", d.embedding.pooling, FeatureTransform.Pooling.class);
      if (d.embedding.vectors != null && d.embedding.vectors.isBlank()) {
        throw section.error(key + ".embedding.vectors", "'" + section.key(key) + ".embedding.vectors' must name a file of word vectors");
      }
      String vectors = d.embedding.vectors == null ? null : section.path(d.embedding.vectors);
      f = f.withEmbedding(new FeatureTransform.Embedding(pooling, vectors, d.embedding.trainable == null || d.embedding.trainable));
    }
    return f;
  }

  /**
   * The canonical form of {@code config}: the section's keys in snake_case, every key present (null
   * where nothing is set, the default where {@link #bind} fills one in); binding it gives back an
   * equal configuration. The stage's cache key and its recorded parameters.
   */
  public static ObjectNode parameters(TransformConfig config) {
    return JSON.valueToTree(document(config));
  }

  /** The document that binds to {@code config}. */
  static TransformDoc document(TransformConfig config) {
    TransformDoc d = new TransformDoc();
    d.analyze_split = config.analyzeSplit();
    d.features = new LinkedHashMap<>();
    for (FeatureTransform f : config.spec().features()) {
      d.features.put(f.output(), document(f));
    }
    return d;
  }

  private static FeatureDoc document(FeatureTransform f) {
    FeatureDoc d = new FeatureDoc();
    d.input = f.input();
    if (f.impute() != null) {
      d.impute = name(f.impute().strategy());
      d.impute_value = f.impute().constant();
    }
    if (f.clipMin() != null || f.clipMax() != null) {
      d.clip = new ClipDoc();
      d.clip.min = f.clipMin();
      d.clip.max = f.clipMax();
    }
    d.log = f.logOffset() != null;
    d.log_offset = f.logOffset();
    d.scale = name(f.scale());
    d.bucketize = f.bucketize();
    d.binarize = f.binarize();
    d.time_part = name(f.timePart());
    d.lowercase = f.lowercase();
    if (f.text() != null) {
      d.text = new TextDoc();
      d.text.ngrams = List.of(f.text().ngramMin(), f.text().ngramMax());
    }
    d.separator = f.separator();
    if (f.vocabulary() != null) {
      d.vocabulary = new VocabularyDoc();
      d.vocabulary.top_k = f.vocabulary().topK();
      d.vocabulary.frequency_threshold = f.vocabulary().frequencyThreshold();
      d.vocabulary.oov_buckets = f.vocabulary().oovBuckets();
    }
    d.hash_buckets = f.hashBuckets();
    d.encode = name(f.encode());
    d.max_tokens = f.maxTokens();
    if (f.embedding() != null) {
      d.embedding = new EmbeddingDoc();
      d.embedding.pooling = name(f.embedding().pooling());
      d.embedding.vectors = f.embedding().vectors();
      d.embedding.trainable = f.embedding().trainable();
    }
    d.cross = f.cross() == null ? null : new ArrayList<>(f.cross());
    return d;
  }

  private static String name(Enum<?> e) {
    return e == null ? null : e.name().toLowerCase(Locale.ROOT);
  }
}
