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
 * <p>Timestamp steps: {@code timePart} is required. Every part is of the UTC calendar (proleptic
 * Gregorian, also before 1970): with {@code day = floorDiv(micros, 86_400_000_000)} the days since
 * 1970-01-01 and the civil date of that day, the parts and their ids are
 *
 * <ul>
 *   <li>{@link TimePart#MINUTE}: {@code floorMod(micros, 3_600_000_000) / 60_000_000}, 0–59;
 *   <li>{@link TimePart#HOUR_OF_DAY}: {@code floorMod(micros, 86_400_000_000) / 3_600_000_000}, 0–23;
 *   <li>{@link TimePart#DAY_OF_WEEK}: {@code floorMod(day + 3, 7)}, 0–6, 0 = Monday;
 *   <li>{@link TimePart#DAY_OF_MONTH}: the day of the month minus 1, 0–30;
 *   <li>{@link TimePart#DAY_OF_YEAR}: the day of the year minus 1, 0–365 (December 31 is 364, or 365 in
 *       a leap year);
 *   <li>{@link TimePart#WEEK_OF_YEAR}: the ISO-8601 week minus 1, 0–52 (weeks start on Monday; week 1 is
 *       the week with the year's first Thursday, so January 1–3 may be in week 52 or 53 of the year
 *       before and December 29–31 in week 1 of the next);
 *   <li>{@link TimePart#MONTH}: the month minus 1, 0–11, 0 = January;
 *   <li>{@link TimePart#YEAR}: the calendar year, a number (2012; 1969 for the microsecond before the
 *       epoch).
 * </ul>
 *
 * The id parts are categories. A missing timestamp becomes the most frequent training id (default; the
 * smallest on a tie, -1 when the training split has no timestamp) or the constant id given. Output
 * {@link OutputKind#ID} (cardinality 60, 24, 7, 31, 366, 53 or 12) or, with {@link Encoding#ONE_HOT},
 * {@link OutputKind#VECTOR} of that width. With {@link Encoding#CYCLICAL} an id part {@code v} becomes
 * the {@link OutputKind#VECTOR} {@code [sin(2π v / p), cos(2π v / p)]}, computed in double as {@code
 * 2 * Math.PI * v / p} and cast to float, with the period {@code p}: 60, 24, 7, the days of that month
 * (28–31, so that the last day of every month is next to the 1st of the next), the days of that year
 * (365 or 366), the weeks of that ISO year (52 or 53), 12; a missing timestamp is {@code [0, 0]}, the
 * centre of the circle, as far from every day as from any other (no imputation applies). {@link
 * TimePart#YEAR} is a number, output {@link OutputKind#FLOAT}: a missing timestamp becomes the most
 * frequent training year (default; the smallest on a tie, NaN without any training timestamp) or the
 * constant year given, then the year is optionally scaled like a numeric feature ({@code scale}
 * z-score or min-max with the mean, population standard deviation, minimum and maximum of the
 * non-missing training years).
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
 *       0), {@link Encoding#EMBEDDING} (the ids exactly as {@link Encoding#IDS}, which a model embeds
 *       and pools as {@link #embedding()} says).
 * </ol>
 *
 * <p>Pretrained vectors ({@code embedding.vectors}, see {@link Embedding}): the vocabulary keeps only
 * tokens that the vectors file holds, chosen and ordered as below among those, so every other token
 * goes to an OOV bucket ({@code oovBuckets} at least 1); the fitted feature carries the vector of each
 * vocabulary token, in id order ({@link FittedFeature#vectors()}).
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
 * <p>Crosses: a feature with {@code cross} reads no raw feature of its own but the ids of two or more
 * other transformed features of the same spec, named in {@code cross}, each a categorical feature
 * with one id per row: a single-valued string with a vocabulary or hash buckets, a bucketized or
 * binarized number, or a time part (not the year, not cyclical). Whatever a crossed feature's own
 * {@code encode}, the cross reads its id, after that feature's imputation (so a missing string is its
 * OOV or hash bucket, a missing timestamp the imputed part). With {@code v_1 ... v_k} those ids in the
 * order of {@code cross}, the cross's id is -1 (no id) when any {@code v_i} is -1, else {@code
 * fingerprint64(v_1 + "_X_" + v_2 + ... + "_X_" + v_k) mod hashBuckets}, each id written in decimal
 * ({@link Long#toString(long)}; TensorFlow's {@code AsString}, {@code StringJoin} and {@code
 * StringToHashBucketFast}). {@code hashBuckets} is required and is the cardinality; {@code encode} is
 * {@link Encoding#ID} (default) or {@link Encoding#ONE_HOT}; no other step applies, and {@code input}
 * is null. A cross has no analyzer: it uses the fitted constants of the features it crosses, which
 * must not be crosses themselves.
 *
 * <pre>{@code
 * FeatureTransform.numeric("bill_length_mm").withScale(Scale.Z_SCORE);
 * FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT);
 * FeatureTransform.cross("origin_x_hour", List.of("origin", "hour")).withHashBuckets(1000);
 * }</pre>
 *
 * @param output the name of the transformed feature (a valid feature name; defaults to {@code input})
 * @param input the raw feature it reads; null for a cross
 * @param impute how missing values are replaced; null for the family's default
 * @param embedding how a model embeds the ids of {@link Encoding#EMBEDDING} (null: {@link
 *     Embedding#defaults()}); null for other encodings
 * @param cross the transformed features whose ids it crosses, in order; null unless a cross
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
    Integer maxTokens,
    Embedding embedding,
    List<String> cross)
    implements Serializable {

  public FeatureTransform {
    cross = cross == null ? null : List.copyOf(cross);
  }

  /** Default {@code maxTokens} of the {@link Encoding#IDS} encoding. */
  public static final int DEFAULT_MAX_TOKENS = 32;

  /** How a numeric value is rescaled. */
  public enum Scale {
    NONE,
    Z_SCORE,
    MIN_MAX
  }

  /** Which part of a UTC timestamp is taken: a categorical id, or the year, a number. */
  public enum TimePart {
    HOUR_OF_DAY,
    DAY_OF_WEEK,
    MINUTE,
    DAY_OF_MONTH,
    DAY_OF_YEAR,
    WEEK_OF_YEAR,
    MONTH,
    YEAR;

    /** How many ids the part has (60, 24, 7, 31, 366, 53, 12); 0 for the year, a number. */
    public int ids() {
      return TimeParts.cardinality(this);
    }
  }

  /** How the ids of a categorical feature are stored. */
  public enum Encoding {
    ID,
    ONE_HOT,
    MULTI_HOT,
    IDS,
    TFIDF,
    /** A time part as the point {@code [sin, cos]} on the unit circle, its period once round. */
    CYCLICAL,
    /** The ids of {@link #IDS}, for a model to embed and pool as {@link FeatureTransform#embedding()} says. */
    EMBEDDING
  }

  /**
   * How a model reads a feature encoded {@link Encoding#EMBEDDING}: each id's row of an embedding
   * table, pooled over the row's ids (id -1, the padding, left out), and where the table starts.
   *
   * <pre>{@code
   * new Embedding(Pooling.SUM, "/data/glove.6B.50d.txt", false);   // frozen pretrained rows, summed
   * }</pre>
   *
   * @param pooling the mean (default) or the sum of a row's embeddings; the zero vector for a row
   *     without ids
   * @param vectors a file of pretrained word vectors ({@link WordVectors}: a token, then its floats, per
   *     line, as GloVe ships them; a path or a URI of any file system Beam supports), or null to start
   *     every row at random
   * @param trainable whether training moves the rows that start from {@code vectors} (default true);
   *     false keeps them as the file has them, while the OOV buckets' rows still train
   */
  public record Embedding(Pooling pooling, String vectors, boolean trainable) implements Serializable {
    public Embedding {
      pooling = pooling == null ? Pooling.MEAN : pooling;
    }

    /** Mean pooling, rows started at random, trained. */
    public static Embedding defaults() {
      return new Embedding(Pooling.MEAN, null, true);
    }

    /** The same with {@code vectors}, a path or URI, as the rows' start. */
    public Embedding withVectors(String vectors) {
      return new Embedding(pooling, vectors, trainable);
    }
  }

  /** How the embeddings of a row's ids become one vector. */
  public enum Pooling {
    /** Their mean (a row without ids: the zero vector). */
    MEAN,
    /** Their sum. */
    SUM
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
    return new FeatureTransform(input, input, null, null, null, null, Scale.NONE, null, null, null, false, null, null, null, null, null, null, null, null);
  }

  /**
   * A hashed cross of the ids of the transformed features {@code crossed}, named {@code output};
   * configure its hash buckets.
   */
  public static FeatureTransform cross(String output, List<String> crossed) {
    return new FeatureTransform(output, null, null, null, null, null, Scale.NONE, null, null, null, false, null, null, null, null, null, null, null, crossed);
  }

  /** True for a cross of other transformed features ({@code cross} is set). */
  public boolean isCross() {
    return cross != null;
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
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withImpute(Impute impute) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withClip(Double clipMin, Double clipMax) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withLog(Double logOffset) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withScale(Scale scale) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withBucketize(Integer numBuckets) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, numBuckets, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withBinarize(Double threshold) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, threshold, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withTimePart(TimePart timePart) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withLowercase(boolean lowercase) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withText(Text text) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withSeparator(String separator) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withVocabulary(Vocabulary vocabulary) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withHashBuckets(Integer hashBuckets) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withEncode(Encoding encode) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  public FeatureTransform withCross(List<String> cross) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  /** How a model embeds the ids of {@link Encoding#EMBEDDING}; null for {@link Embedding#defaults()}. */
  public FeatureTransform withEmbedding(Embedding embedding) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  /**
   * The embedding in effect for {@link Encoding#EMBEDDING}: {@code embedding}, or {@link
   * Embedding#defaults()}; null for any other encoding.
   */
  public Embedding effectiveEmbedding() {
    if (effectiveEncoding() != Encoding.EMBEDDING) {
      return null;
    }
    return embedding != null ? embedding : Embedding.defaults();
  }

  /** The pretrained vectors file of {@code embedding}, or null. */
  public String vectors() {
    Embedding e = effectiveEmbedding();
    return e == null ? null : e.vectors();
  }

  public FeatureTransform withMaxTokens(Integer maxTokens) {
    return new FeatureTransform(output, input, impute, clipMin, clipMax, logOffset, scale, bucketize, binarize, timePart, lowercase, text, separator, vocabulary, hashBuckets, encode, maxTokens, embedding, cross);
  }

  /** The encoding in effect: {@code encode}, or the default for this feature (ID or MULTI_HOT). */
  public Encoding effectiveEncoding() {
    if (encode != null) {
      return encode;
    }
    return multiValued() ? Encoding.MULTI_HOT : Encoding.ID;
  }

  /** Token list length of the IDS and EMBEDDING encodings. */
  public int effectiveMaxTokens() {
    return maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens;
  }

  /** The names of the transforms' outputs, in order; used in messages. */
  static List<String> outputs(List<FeatureTransform> transforms) {
    return transforms.stream().map(FeatureTransform::output).toList();
  }
}
