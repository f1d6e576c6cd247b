package dev.beamline.transform;

import java.io.Serializable;
import java.util.List;

/**
 * How one transformed feature is computed from one raw feature: the declaration of the user, before any
 * analyzer ran. A {@link FittedFeature} adds the constants that the analyzers computed on the training
 * split.
 *
 * <h2>Semantics (the contract of both the Java implementation and the TensorFlow graph)</h2>
 *
 * <p>The raw feature {@code input} is one of three families:
 *
 * <ul>
 *   <li><b>numeric</b> (raw types {@code int}, {@code float}, {@code boolean}): the value as a double
 *       ({@code true} = 1, {@code false} = 0). Missing means null or NaN. In the exported model the
 *       input is a {@code DT_DOUBLE} tensor and NaN means missing.
 *   <li><b>timestamp</b>: microseconds since the epoch, UTC. Missing means null. In the exported model
 *       the input is a {@code DT_INT64} tensor and {@link Long#MIN_VALUE} means missing.
 *   <li><b>string</b>: missing means null or the empty string. In the exported model the input is a
 *       {@code DT_STRING} tensor and the empty string means missing.
 * </ul>
 *
 * <p>Numeric steps, in this order:
 *
 * <ol>
 *   <li>impute: a missing value becomes the training mean (default, {@link Impute.Strategy#MEAN}), the
 *       most frequent training value, or a constant;
 *   <li>clip to {@code [clipMin, clipMax]} (either bound may be null);
 *   <li>log: {@code ln(x + logOffset)} when {@code logOffset} is not null (default offset 1);
 *   <li>at most one of: {@code scale} z-score {@code (x - mean) / std} (population standard deviation;
 *       {@code x - mean} when std is 0); min-max {@code (x - min) / (max - min)} (0 when max = min);
 *       {@code bucketize} into {@code n} quantile buckets: the boundaries are the training quantiles
 *       {@code i/n}, i = 1..n-1, deduplicated and sorted; the id is the number of boundaries {@code <= x};
 *       {@code binarize}: id 1 when {@code x > threshold}, else 0.
 * </ol>
 *
 * The imputed value lives in raw space: {@code MEAN} is the mean of the non-missing raw training values,
 * {@code MOST_FREQUENT} their most frequent value (the smallest one on a tie). The analyzers of step 4
 * (mean, std, min, max, quantiles) see the non-missing training values after steps 2–3, so the whole
 * analysis is one pass; values that are not finite after step 3 (the log of 0 or of a negative number)
 * are left out of them. A constant with no training value to compute it from is NaN. Arithmetic is in double; the final float is the double result cast to float. Output: {@link OutputKind#FLOAT}, or
 * {@link OutputKind#ID} after bucketize (cardinality = boundaries + 1) or binarize (cardinality 2).
 *
 * <p>Timestamp steps: {@code timePart} is required: {@link TimePart#HOUR_OF_DAY} is {@code
 * floorMod(micros, 86_400_000_000) / 3_600_000_000} (0–23), {@link TimePart#DAY_OF_WEEK} is {@code
 * floorMod(floorDiv(micros, 86_400_000_000) + 3, 7)} (0 = Monday). A missing timestamp becomes the
 * most frequent training part (default; the smallest on a tie, -1 when the training split has no
 * timestamp) or the constant part given. Output {@link OutputKind#ID}
 * (cardinality 24 or 7).
 *
 * <p>String steps:
 *
 * <ol>
 *   <li>impute: missing stays missing by default; or the most frequent non-missing training value (the
 *       smallest by {@link String#compareTo} on a tie), or a constant;
 *   <li>{@code lowercase}: {@code toLowerCase(Locale.ROOT)} (TensorFlow: {@code StringLower}, utf-8);
 *   <li>tokens, when the feature is multi-valued: {@code text} splits into maximal runs of letters and
 *       digits ({@code [\p{L}\p{N}]+}) and forms all n-grams for n = {@code ngramMin..ngramMax}, joined by
 *       one space, all 1-grams first, then all 2-grams, ... each in text order; {@code separator} splits
 *       on that literal string and drops empty tokens. A missing value has no tokens. A single-valued
 *       feature has exactly one token: its (possibly missing, i.e. empty) value;
 *   <li>ids: {@code vocabulary} maps a token in the vocabulary to its index; any other token to {@code V +
 *       fingerprint64(token) mod oovBuckets} (V = vocabulary size), or to -1 when {@code oovBuckets} is 0.
 *       The empty (missing) single-valued token is never in the vocabulary. {@code hashBuckets} maps a
 *       token to {@code fingerprint64(token) mod hashBuckets}. fingerprint64 is FarmHash Fingerprint64 of
 *       the UTF-8 bytes, taken as unsigned (TensorFlow's {@code StringToHashBucketFast}; Guava's {@code
 *       farmHashFingerprint64}). Cardinality is {@code V + oovBuckets}, or {@code hashBuckets};
 *   <li>encode: {@link Encoding#ID} (default when single-valued), {@link Encoding#ONE_HOT} (vector of
 *       width cardinality, 1 at the id, all 0 for id -1), {@link Encoding#MULTI_HOT} (default when
 *       multi-valued: 1 at every id present), {@link Encoding#IDS} (the ids other than -1 in token order,
 *       truncated or padded with -1 to {@code maxTokens}), {@link Encoding#TFIDF} (at each id: {@code
 *       count(id in row) / number of tokens in the row * idf(id)}, {@code idf = ln((1 + N) / (1 + df)) +
 *       1} with N the training rows and df the training rows containing the token; OOV buckets use df =
 *       0).
 * </ol>
 *
 * The vocabulary counts every token occurrence in the training split; it keeps tokens whose count is at
 * least {@code frequencyThreshold}, then the {@code topK} most frequent (without {@code topK}, the
 * {@value Vocabulary#DEFAULT_MAX_SIZE} most frequent, with a warning when that cuts it); it is ordered by count
 * descending, then by token ({@link String#compareTo}). Its counts, the document frequencies and those
 * of most-frequent imputation are exact up to 262,144 distinct values per analyzer; past that they are
 * estimates from a frequent-items sketch in bounded memory, with a warning that states their error (see
 * the README's "Transform and training"). Like the numeric analyzers, the vocabulary and
 * the document frequencies see the tokens of the non-missing training values only (an imputed value
 * adds no token).
 *
 * <pre>{@code
 * FeatureTransform.numeric("bill_length_mm").withScale(Scale.Z_SCORE);
 * FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT);
 * }</pre>
 *
 * @param output the name of the transformed feature (a valid feature name; defaults to {@code input})
 * @param input the raw feature it reads
 * @param impute how missing values are replaced; null for the family's default
 */
public record FeatureTransform(
    String output,
    String input,
    Impute impute,
    Double clipMin,
    Double clipMax,
    Double logOffset,
    Scale scale,
    Integer bucketize,
    Double binarize,
    TimePart timePart,
    boolean lowercase,
    Text text,
    String separator,
    Vocabulary vocabulary,
    Integer hashBuckets,
    Encoding encode,
    Integer maxTokens)
    implements Serializable {

  /** Default {@code maxTokens} of the {@link Encoding#IDS} encoding. */
  public static final int DEFAULT_MAX_TOKENS = 32;

  /** How a numeric value is rescaled. */
  public enum Scale {
    NONE,
    Z_SCORE,
    MIN_MAX
  }

  /** Which part of a timestamp becomes a categorical id. */
  public enum TimePart {
    HOUR_OF_DAY,
    DAY_OF_WEEK
  }

  /** How the ids of a categorical feature are stored. */
  public enum Encoding {
    ID,
    ONE_HOT,
    MULTI_HOT,
    IDS,
    TFIDF
  }

  /** Missing-value imputation: a strategy, and the constant (as written in the configuration) for CONSTANT. */
  public record Impute(Strategy strategy, String constant) implements Serializable {
    public enum Strategy {
      MEAN,
      MOST_FREQUENT,
      CONSTANT
    }
  }

  /** Text tokenization: n-gram sizes {@code ngramMin..ngramMax} (both at least 1). */
  public record Text(int ngramMin, int ngramMax) implements Serializable {}

  /**
   * A vocabulary computed on the training split, as tf.Transform's {@code compute_and_apply_vocabulary}.
   *
   * @param topK keep at most this many tokens; null for at most {@value #DEFAULT_MAX_SIZE}
   * @param frequencyThreshold keep tokens seen at least this many times (default 1)
   * @param oovBuckets ids for tokens outside the vocabulary (default 1; 0 maps them to -1)
   */
  public record Vocabulary(Integer topK, long frequencyThreshold, int oovBuckets) implements Serializable {
    /** The most tokens a vocabulary without {@code topK} keeps: the most frequent ones, with a warning. */
    public static final int DEFAULT_MAX_SIZE = 100_000;

    public static Vocabulary defaults() {
      return new Vocabulary(null, 1, 1);
    }

    /** The most tokens it keeps: {@code topK}, or {@value #DEFAULT_MAX_SIZE} without one. */
    public int maxSize() {
      return topK != null ? topK : DEFAULT_MAX_SIZE;
    }
  }

  /** A transform of a numeric raw feature, passing it through with mean imputation until configured. */
  public static FeatureTransform numeric(String input) {
    return new FeatureTransform(input, input, null, null, null, null, Scale.NONE, null, null, null, false, null, null, null, null, null, null);
  }

  /** A transform of a string raw feature; configure a vocabulary or hash buckets. */
  public static FeatureTransform string(String input) {
    return numeric(input);
  }

  /** True when a string feature yields several tokens per row ({@code text} or {@code separator}). */
  public boolean multiValued() {
    return text != null || separator != null;
  }

  public FeatureTransform withOutput(String output) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withImpute(Impute impute) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withClip(Double clipMin, Double clipMax) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withLog(Double logOffset) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withScale(Scale scale) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withBucketize(Integer numBuckets) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, numBuckets, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withBinarize(Double threshold) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, threshold, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withTimePart(TimePart timePart) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withLowercase(boolean lowercase) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withText(Text text) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withSeparator(String separator) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withVocabulary(Vocabulary vocabulary) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withHashBuckets(Integer hashBuckets) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withEncode(Encoding encode) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  public FeatureTransform withMaxTokens(Integer maxTokens) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens);
  }

  /** The encoding in effect: {@code encode}, or the default for this feature (ID or MULTI_HOT). */
  public Encoding effectiveEncoding() {
    if (encode != null) {
      return encode;
    }
    return multiValued() ? Encoding.MULTI_HOT : Encoding.ID;
  }

  /** Token list length of the IDS encoding. */
  public int effectiveMaxTokens() {
    return maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens;
  }

  /** The names of the transforms' outputs, in order; used in messages. */
  static List<String> outputs(List<FeatureTransform> transforms) {
    return transforms.stream().map(FeatureTransform::output).toList();
  }
}
