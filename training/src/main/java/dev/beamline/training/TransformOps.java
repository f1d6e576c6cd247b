package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.FeatureSpec;
import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.HashTable;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.strings.Join;
import org.tensorflow.op.strings.Lower;
import org.tensorflow.op.strings.StringNGrams;
import org.tensorflow.op.strings.StringSplit;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * The transforms of {@link FeatureTransform} as TensorFlow graph ops, so that an exported model takes
 * raw features and needs no preprocessing in front of it. Each transformed feature is computed exactly
 * as the contract in {@link FeatureTransform} defines it: numeric arithmetic in float64 and cast to
 * float32 at the end, bucket ids as the number of float64 boundaries {@code <= x}, vocabulary ids
 * through a hash table, OOV and hash buckets with {@code StringToHashBucketFast} (FarmHash
 * Fingerprint64), text tokens as runs of {@code [\p{L}\p{N}]} (RE2) and n-grams by {@code
 * StringNGrams}, time parts in int64 arithmetic on the microseconds (the civil date by Howard
 * Hinnant's {@code civil_from_days}), cyclical time parts as float64 sine and cosine, crosses as the
 * crossed ids in decimal ({@code AsString}) joined by {@code "_X_"} ({@code StringJoin}) and hashed
 * by {@code StringToHashBucketFast}.
 *
 * <p>The outputs have the shapes of the transformed Parquet columns: FLOAT {@code float32 [batch]}, ID
 * {@code int64 [batch]}, IDS {@code int64 [batch, maxTokens]}, VECTOR {@code float32 [batch, width]}.
 *
 * <p>Vocabulary lookups use hash tables whose initializers are registered in the graph's init scope:
 * run {@code Session.initialize()} before the first lookup; an exported model runs them through its
 * main op (see {@link SavedModelExport}).
 *
 * <pre>{@code
 * Ops tf = Ops.create(graph);
 * Map<String, Placeholder<?>> raw = TransformOps.rawInputs(tf, fitted);
 * Map<String, Operand<?>> transformed = TransformOps.apply(tf, fitted, raw);
 * }</pre>
 */
public final class TransformOps {
  private static final long DAY_MICROS = 86_400_000_000L;
  private static final long HOUR_MICROS = 3_600_000_000L;
  private static final long MINUTE_MICROS = 60_000_000L;
  /** Everything but letters and digits: what separates the tokens of a text. */
  private static final String NON_TOKEN = "[^\\p{L}\\p{N}]+";

  private TransformOps() {}

  /** The tensor type of a raw feature of this family in the exported model. */
  public static Class<? extends TType> rawType(RawFamily family) {
    switch (family) {
      case NUMERIC:
        return TFloat64.class;
      case TIMESTAMP:
        return TInt64.class;
      case STRING:
        return TString.class;
      default:
        throw new AssertionError(family);
    }
  }

  /** The tensor type of a transformed feature of this kind (as in the Parquet shards). */
  public static Class<? extends TType> transformedType(OutputKind kind) {
    return kind == OutputKind.ID || kind == OutputKind.IDS ? TInt64.class : TFloat32.class;
  }

  /** The static shape of a transformed feature's tensor: {@code [-1]} or {@code [-1, width]}. */
  public static Shape transformedShape(FittedFeature f) {
    return f.kind() == OutputKind.IDS || f.kind() == OutputKind.VECTOR ? Shape.of(-1, f.width()) : Shape.of(-1);
  }

  /**
   * One placeholder {@code [batch]} per raw feature that {@code features} read, named {@code
   * raw/<feature>}, in the order they are first read.
   */
  public static Map<String, Placeholder<?>> rawInputs(Ops tf, List<FittedFeature> features) {
    Map<String, Placeholder<?>> raw = new LinkedHashMap<>();
    for (FittedFeature f : features) {
      for (FeatureSpec in : f.rawInputs()) {
        if (!raw.containsKey(in.name())) {
          Class<? extends TType> type = rawType(RawFamily.of(in.type()));
          raw.put(in.name(), tf.withSubScope("raw").withName(in.name()).placeholder(type, Placeholder.shape(Shape.of(-1))));
        }
      }
    }
    return raw;
  }

  /** The transformed features, by name, computed from the raw tensors {@code raw} (by raw feature name). */
  public static Map<String, Operand<?>> apply(Ops tf, List<FittedFeature> features, Map<String, ? extends Operand<?>> raw) {
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    for (FittedFeature f : features) {
      Ops scope = tf.withSubScope("transform").withSubScope(f.name());
      if (f.spec().isCross()) {
        out.put(f.name(), cross(scope, f, raw));
        continue;
      }
      Operand<?> input = raw.get(f.spec().input());
      checkArgument(input != null, "no raw tensor for '%s', which '%s' reads", f.spec().input(), f.name());
      out.put(f.name(), apply(scope, f, input));
    }
    return out;
  }

  /**
   * A cross (see {@link FeatureTransform}): the ids of its crossed features, each computed here from its
   * own raw tensor, written in decimal and joined by {@code "_X_"}, then {@code StringToHashBucketFast};
   * -1 where any crossed id is -1.
   */
  @SuppressWarnings("unchecked")
  private static Operand<?> cross(Ops tf, FittedFeature f, Map<String, ? extends Operand<?>> raw) {
    List<Operand<TString>> keys = new ArrayList<>();
    Operand<TBool> noId = null;
    for (FittedFeature c : f.crossed()) {
      Operand<?> input = raw.get(c.spec().input());
      checkArgument(input != null, "no raw tensor for '%s', which '%s' reads through '%s'", c.spec().input(), f.name(), c.name());
      Operand<TInt64> ids = (Operand<TInt64>) apply(tf.withSubScope(c.name()), c.asId(), input);
      Operand<TBool> none = tf.math.less(ids, tf.constant(0L));
      noId = noId == null ? none : tf.math.logicalOr(noId, none);
      keys.add(tf.dtypes.asString(ids));
    }
    Operand<TInt64> hashed = tf.strings.toHashBucketFast(tf.strings.join(keys, Join.separator("_X_")), (long) f.spec().hashBuckets());
    return encodeId(tf, f, tf.select(noId, tf.constant(-1L), hashed));
  }

  /** One transformed feature computed from its raw tensor; not a cross, which reads several (see {@link #apply(Ops, List, Map)}). */
  @SuppressWarnings("unchecked")
  public static Operand<?> apply(Ops tf, FittedFeature f, Operand<?> raw) {
    checkArgument(!f.spec().isCross(), "'%s' is a cross: it reads the raw features %s", f.name(), f.rawInputs());
    RawFamily family = RawFamily.of(f.inputType());
    checkArgument(raw.type() == rawType(family), "'%s' reads a %s raw feature, which is fed as %s, not %s",
        f.name(), f.inputType().configName(), rawType(family).getSimpleName(), raw.type().getSimpleName());
    switch (family) {
      case NUMERIC:
        return numeric(tf, f, (Operand<TFloat64>) raw);
      case TIMESTAMP:
        return timePart(tf, f, (Operand<TInt64>) raw);
      case STRING:
        return string(tf, f, (Operand<TString>) raw);
      default:
        throw new AssertionError(family);
    }
  }

  // ---- numeric -------------------------------------------------------------------------------

  private static Operand<?> numeric(Ops tf, FittedFeature f, Operand<TFloat64> raw) {
    FeatureTransform s = f.spec();
    Operand<TFloat64> x = raw;
    if (f.imputeNumber() != null) {
      x = tf.select(tf.math.isNan(x), tf.constant(f.imputeNumber()), x);
    }
    if (s.clipMin() != null) {
      x = tf.math.maximum(x, tf.constant(s.clipMin()));
    }
    if (s.clipMax() != null) {
      x = tf.math.minimum(x, tf.constant(s.clipMax()));
    }
    if (s.logOffset() != null) {
      x = tf.math.log(tf.math.add(x, tf.constant(s.logOffset())));
    }
    Operand<TInt64> ids = null;
    if (s.bucketize() != null) {
      double[] b = required(f, f.boundaries(), "boundaries");
      if (b.length == 0) {
        ids = tf.zerosLike(tf.dtypes.cast(x, TInt64.class));
      } else {
        // The id is the number of boundaries <= x; the comparison is in float64 like the analyzer's.
        Operand<TBool> ge = tf.math.greaterEqual(tf.expandDims(x, tf.constant(1)), tf.constant(b));
        ids = tf.sum(tf.dtypes.cast(ge, TInt64.class), tf.constant(1));
      }
    } else if (s.binarize() != null) {
      ids = tf.dtypes.cast(tf.math.greater(x, tf.constant(s.binarize())), TInt64.class);
    } else if (s.scale() == Scale.Z_SCORE) {
      double mean = required(f, f.mean(), "mean");
      double std = required(f, f.std(), "std");
      x = tf.math.sub(x, tf.constant(mean));
      if (std != 0) {
        x = tf.math.div(x, tf.constant(std));
      }
    } else if (s.scale() == Scale.MIN_MAX) {
      double min = required(f, f.min(), "min");
      double max = required(f, f.max(), "max");
      x = max == min ? tf.zerosLike(x) : tf.math.div(tf.math.sub(x, tf.constant(min)), tf.constant(max - min));
    }
    if (ids == null) {
      checkKind(f, OutputKind.FLOAT);
      return tf.dtypes.cast(x, TFloat32.class);
    }
    return encodeId(tf, f, ids);
  }

  // ---- timestamp -----------------------------------------------------------------------------

  private static Operand<?> timePart(Ops tf, FittedFeature f, Operand<TInt64> micros) {
    FeatureTransform s = f.spec();
    checkArgument(s.timePart() != null, "'%s' reads a timestamp but declares no time_part", f.name());
    Operand<TBool> missing = tf.math.equal(micros, tf.constant(Long.MIN_VALUE));
    Operand<TInt64> days = tf.math.floorDiv(micros, tf.constant(DAY_MICROS));
    TimePart timePart = s.timePart();
    CivilDate date = null;
    Operand<TInt64> part;
    switch (timePart) {
      case MINUTE:
        part = tf.math.floorDiv(tf.math.floorMod(micros, tf.constant(HOUR_MICROS)), tf.constant(MINUTE_MICROS));
        break;
      case HOUR_OF_DAY:
        part = tf.math.floorDiv(tf.math.floorMod(micros, tf.constant(DAY_MICROS)), tf.constant(HOUR_MICROS));
        break;
      case DAY_OF_WEEK:
        part = dayOfWeek(tf, days);
        break;
      case DAY_OF_MONTH:
        date = CivilDate.of(tf, days);
        part = tf.math.sub(date.day, tf.constant(1L));
        break;
      case DAY_OF_YEAR:
        date = CivilDate.of(tf, days);
        part = date.dayOfYear;
        break;
      case WEEK_OF_YEAR:
        // ISO-8601: the week's Thursday decides its year; the week is the Thursday's day of year / 7.
        date = CivilDate.of(tf, tf.math.add(tf.math.sub(days, dayOfWeek(tf, days)), tf.constant(3L)));
        part = tf.math.floorDiv(date.dayOfYear, tf.constant(7L));
        break;
      case MONTH:
        date = CivilDate.of(tf, days);
        part = tf.math.sub(date.month, tf.constant(1L));
        break;
      case YEAR:
        date = CivilDate.of(tf, days);
        part = date.year;
        break;
      default:
        throw new AssertionError(timePart);
    }
    if (timePart == TimePart.YEAR) {
      return year(tf, f, part, missing);
    }
    if (s.effectiveEncoding() == Encoding.CYCLICAL) {
      checkKind(f, OutputKind.VECTOR);
      Operand<TFloat64> angle = tf.math.div(
          tf.math.mul(tf.constant(2 * Math.PI), tf.dtypes.cast(part, TFloat64.class)),
          tf.dtypes.cast(period(tf, timePart, date), TFloat64.class));
      // A missing timestamp is the centre of the circle, [0, 0].
      Operand<TFloat64> zero = tf.constant(0.0);
      Operand<TFloat64> sin = tf.select(missing, zero, tf.math.sin(angle));
      Operand<TFloat64> cos = tf.select(missing, zero, tf.math.cos(angle));
      return tf.dtypes.cast(tf.stack(List.of(sin, cos), org.tensorflow.op.core.Stack.axis(1L)), TFloat32.class);
    }
    long imputed = f.imputeNumber() == null ? -1L : (long) (double) f.imputeNumber();
    part = tf.select(missing, tf.constant(imputed), part);
    return encodeId(tf, f, part);
  }

  /** The day of week, 0 = Monday, of days since 1970-01-01 (a Thursday, 3). */
  private static Operand<TInt64> dayOfWeek(Ops tf, Operand<TInt64> days) {
    return tf.math.floorMod(tf.math.add(days, tf.constant(3L)), tf.constant(7L));
  }

  /** The period of the cyclical encoding of {@code part}, per row where it depends on the date. */
  private static Operand<TInt64> period(Ops tf, TimePart part, CivilDate date) {
    switch (part) {
      case MINUTE:
        return tf.constant(60L);
      case HOUR_OF_DAY:
        return tf.constant(24L);
      case DAY_OF_WEEK:
        return tf.constant(7L);
      case MONTH:
        return tf.constant(12L);
      case DAY_OF_MONTH:
        // Days of each month of a common year, plus February 29th in a leap year.
        Operand<TInt64> common = tf.gather(tf.constant(new long[] {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}),
            tf.math.sub(date.month, tf.constant(1L)), tf.constant(0));
        return tf.math.add(common, tf.math.mul(date.leap, tf.dtypes.cast(tf.math.equal(date.month, tf.constant(2L)), TInt64.class)));
      case DAY_OF_YEAR:
        return tf.math.add(tf.constant(365L), date.leap);
      case WEEK_OF_YEAR: {
        // The ISO year (of the week's Thursday) has 53 weeks when its December 31st is a Thursday or
        // the December 31st before is a Wednesday (https://en.wikipedia.org/wiki/ISO_week_date).
        Operand<TBool> long53 = tf.math.logicalOr(
            tf.math.equal(december31(tf, date.year), tf.constant(4L)),
            tf.math.equal(december31(tf, tf.math.sub(date.year, tf.constant(1L))), tf.constant(3L)));
        return tf.math.add(tf.constant(52L), tf.dtypes.cast(long53, TInt64.class));
      }
      default:
        throw new IllegalArgumentException("time part " + part + " has no period");
    }
  }

  /** {@code (y + y/4 - y/100 + y/400) mod 7} with floor division: the weekday of December 31st of y, 0 = Sunday. */
  private static Operand<TInt64> december31(Ops tf, Operand<TInt64> y) {
    Operand<TInt64> sum = tf.math.add(
        tf.math.add(y, tf.math.floorDiv(y, tf.constant(4L))),
        tf.math.sub(tf.math.floorDiv(y, tf.constant(400L)), tf.math.floorDiv(y, tf.constant(100L))));
    return tf.math.floorMod(sum, tf.constant(7L));
  }

  /** The year as a number: the training year for a missing timestamp, then scaled as a numeric feature. */
  private static Operand<?> year(Ops tf, FittedFeature f, Operand<TInt64> year, Operand<TBool> missing) {
    checkKind(f, OutputKind.FLOAT);
    double imputed = f.imputeNumber() == null ? Double.NaN : f.imputeNumber();
    Operand<TFloat64> x = tf.select(missing, tf.constant(imputed), tf.dtypes.cast(year, TFloat64.class));
    Scale scale = f.spec().scale();
    if (scale == Scale.Z_SCORE) {
      double mean = required(f, f.mean(), "mean");
      double std = required(f, f.std(), "std");
      x = tf.math.sub(x, tf.constant(mean));
      if (std != 0) {
        x = tf.math.div(x, tf.constant(std));
      }
    } else if (scale == Scale.MIN_MAX) {
      double min = required(f, f.min(), "min");
      double max = required(f, f.max(), "max");
      x = max == min ? tf.zerosLike(x) : tf.math.div(tf.math.sub(x, tf.constant(min)), tf.constant(max - min));
    }
    return tf.dtypes.cast(x, TFloat32.class);
  }

  /**
   * The proleptic Gregorian date of days since 1970-01-01, in int64 ops: Howard Hinnant's {@code
   * civil_from_days} ("chrono-Compatible Low-Level Date Algorithms",
   * https://howardhinnant.github.io/date_algorithms.html), which counts 400-year eras of 146,097 days
   * from 0000-03-01 so that the leap day ends each year; floor division makes it exact for days before
   * 1970 as well.
   *
   * @param year the year
   * @param month 1–12
   * @param day the day of the month, 1–31
   * @param dayOfYear the day of the year minus 1, 0–365
   * @param leap 1 in a leap year, else 0
   */
  private record CivilDate(Operand<TInt64> year, Operand<TInt64> month, Operand<TInt64> day, Operand<TInt64> dayOfYear, Operand<TInt64> leap) {
    static CivilDate of(Ops tf, Operand<TInt64> days) {
      Operand<TInt64> z = tf.math.add(days, tf.constant(719_468L));
      Operand<TInt64> era = tf.math.floorDiv(z, tf.constant(146_097L));
      Operand<TInt64> doe = tf.math.sub(z, tf.math.mul(era, tf.constant(146_097L))); // [0, 146096]
      Operand<TInt64> yoe = tf.math.floorDiv( // [0, 399]
          tf.math.sub(
              tf.math.add(tf.math.sub(doe, tf.math.floorDiv(doe, tf.constant(1_460L))), tf.math.floorDiv(doe, tf.constant(36_524L))),
              tf.math.floorDiv(doe, tf.constant(146_096L))),
          tf.constant(365L));
      Operand<TInt64> doyFromMarch = tf.math.sub(doe, // [0, 365]
          tf.math.sub(tf.math.add(tf.math.mul(yoe, tf.constant(365L)), tf.math.floorDiv(yoe, tf.constant(4L))), tf.math.floorDiv(yoe, tf.constant(100L))));
      Operand<TInt64> mp = tf.math.floorDiv(tf.math.add(tf.math.mul(doyFromMarch, tf.constant(5L)), tf.constant(2L)), tf.constant(153L)); // [0, 11], 0 = March
      Operand<TInt64> day = tf.math.add(
          tf.math.sub(doyFromMarch, tf.math.floorDiv(tf.math.add(tf.math.mul(mp, tf.constant(153L)), tf.constant(2L)), tf.constant(5L))),
          tf.constant(1L));
      Operand<TInt64> month = tf.math.add(tf.math.floorMod(tf.math.add(mp, tf.constant(2L)), tf.constant(12L)), tf.constant(1L));
      Operand<TBool> janOrFeb = tf.math.greaterEqual(mp, tf.constant(10L));
      Operand<TInt64> year = tf.math.add(tf.math.add(yoe, tf.math.mul(era, tf.constant(400L))), tf.dtypes.cast(janOrFeb, TInt64.class));
      Operand<TBool> leapYear = tf.math.logicalAnd(
          tf.math.equal(tf.math.floorMod(year, tf.constant(4L)), tf.constant(0L)),
          tf.math.logicalOr(
              tf.math.notEqual(tf.math.floorMod(year, tf.constant(100L)), tf.constant(0L)),
              tf.math.equal(tf.math.floorMod(year, tf.constant(400L)), tf.constant(0L))));
      Operand<TInt64> leap = tf.dtypes.cast(leapYear, TInt64.class);
      // From March 1st, 59 days of January and February (60 in a leap year) come before; January 1st
      // is day 306 from March 1st of the year before.
      Operand<TInt64> dayOfYear = tf.select(janOrFeb,
          tf.math.sub(doyFromMarch, tf.constant(306L)),
          tf.math.add(doyFromMarch, tf.math.add(tf.constant(59L), leap)));
      return new CivilDate(year, month, day, dayOfYear, leap);
    }
  }

  private static Operand<?> encodeId(Ops tf, FittedFeature f, Operand<TInt64> ids) {
    if (f.spec().effectiveEncoding() == Encoding.ONE_HOT) {
      checkKind(f, OutputKind.VECTOR);
      return oneHot(tf, ids, f.cardinality());
    }
    checkKind(f, OutputKind.ID);
    return ids;
  }

  // ---- string --------------------------------------------------------------------------------

  private static Operand<?> string(Ops tf, FittedFeature f, Operand<TString> raw) {
    FeatureTransform s = f.spec();
    Operand<TString> x = raw;
    if (f.imputeString() != null) {
      x = tf.select(tf.math.equal(x, tf.constant("")), tf.constant(f.imputeString()), x);
    }
    if (s.lowercase()) {
      x = tf.strings.lower(x, Lower.encoding("utf-8"));
    }
    Encoding encoding = s.effectiveEncoding();
    if (!s.multiValued()) {
      Operand<TInt64> ids = tokenIds(tf, f, x, true);
      if (encoding == Encoding.ONE_HOT) {
        checkKind(f, OutputKind.VECTOR);
        return oneHot(tf, ids, f.cardinality());
      }
      checkKind(f, OutputKind.ID);
      return ids;
    }
    Operand<TInt64> batch = tf.squeeze(tf.shape(x, TInt64.class));
    Tokens tokens = s.text() != null ? textTokens(tf, s, x, batch) : splitTokens(tf, s.separator(), x, batch);
    Operand<TInt64> ids = tokenIds(tf, f, tokens.values, false);
    switch (encoding) {
      case MULTI_HOT:
        checkKind(f, OutputKind.VECTOR);
        return multiHot(tf, ids, tokens.rows, batch, f.cardinality());
      case TFIDF:
        checkKind(f, OutputKind.VECTOR);
        return tfidf(tf, f, ids, tokens.rows, batch);
      case IDS:
      case EMBEDDING:
        checkKind(f, OutputKind.IDS);
        return idList(tf, ids, tokens.rows, batch, s.effectiveMaxTokens());
      default:
        throw new IllegalArgumentException("'" + f.name() + "': encode " + encoding + " does not apply to a multi-valued feature");
    }
  }

  /** The tokens of a batch: their strings and the row each one belongs to (ascending). */
  private record Tokens(Operand<TString> values, Operand<TInt64> rows) {}

  private static Tokens splitTokens(Ops tf, String separator, Operand<TString> x, Operand<TInt64> batch) {
    // StringSplitV2 splits on the whole separator (not on each of its characters) and keeps empty
    // tokens, which the contract drops.
    StringSplit split = tf.strings.stringSplit(x, tf.constant(separator));
    Operand<TInt64> rows = tf.gather(split.indices(), tf.constant(0), tf.constant(1));
    Operand<TInt64> keep = tf.reshape(tf.where(tf.math.notEqual(split.values(), tf.constant(""))), tf.constant(new long[] {-1}));
    return new Tokens(tf.gather(split.values(), keep, tf.constant(0)), tf.gather(rows, keep, tf.constant(0)));
  }

  private static Tokens textTokens(Ops tf, FeatureTransform s, Operand<TString> x, Operand<TInt64> batch) {
    // Maximal runs of letters and digits: every other run becomes one space, then split on spaces.
    Tokens words = splitTokens(tf, " ", tf.strings.staticRegexReplace(x, NON_TOKEN, " "), batch);
    int min = s.text().ngramMin();
    int max = s.text().ngramMax();
    if (min == 1 && max == 1) {
      return words;
    }
    List<Long> widths = new ArrayList<>();
    for (long n = min; n <= max; n++) {
      widths.add(n);
    }
    Operand<TInt64> counts = tf.math.unsortedSegmentSum(tf.onesLike(words.rows), words.rows, batch);
    Operand<TInt64> splits = tf.concat(List.of(tf.constant(new long[] {0}), tf.math.cumsum(counts, tf.constant(0))), tf.constant(0));
    // StringNGrams emits, row by row, all n-grams of the first width, then of the next, each in
    // text order, joined by one space; a row shorter than n has no n-grams.
    StringNGrams<TInt64> ngrams = tf.strings.stringNGrams(words.values, splits, " ", widths, "", "", 0L, false);
    return new Tokens(ngrams.ngrams(), rowsOfSplits(tf, ngrams.ngramsSplits()));
  }

  /** The row of each element of a ragged tensor with these row splits. */
  private static Operand<TInt64> rowsOfSplits(Ops tf, Operand<TInt64> splits) {
    Operand<TInt64> ends = tf.expandDims(tf.stridedSlice(splits, Indices.sliceFrom(1)), tf.constant(0));
    Operand<TInt64> total = tf.reshape(tf.stridedSlice(splits, Indices.at(-1)), tf.constant(new long[0]));
    Operand<TInt64> positions = tf.expandDims(tf.range(tf.constant(0L), total, tf.constant(1L)), tf.constant(0));
    // The row of element i is the number of row ends <= i.
    return tf.reshape(tf.upperBound(ends, positions, TInt64.class), tf.constant(new long[] {-1}));
  }

  /** The id of each token: its vocabulary index, an OOV bucket, a hash bucket, or -1. */
  private static Operand<TInt64> tokenIds(Ops tf, FittedFeature f, Operand<TString> tokens, boolean single) {
    FeatureTransform s = f.spec();
    if (s.hashBuckets() != null) {
      return tf.strings.toHashBucketFast(tokens, (long) s.hashBuckets());
    }
    checkArgument(s.vocabulary() != null, "'%s' is a string feature without vocabulary or hash_buckets", f.name());
    List<String> vocabulary = required(f, f.vocabulary(), "vocabulary");
    int oov = s.vocabulary().oovBuckets();
    Operand<TInt64> ids;
    if (vocabulary.isEmpty()) {
      ids = tf.fill(tf.shape(tokens, TInt64.class), tf.constant(-1L));
    } else {
      Ops init = tf.withInitScope();
      long[] values = new long[vocabulary.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = i;
      }
      // A shared name ties the lookups to the table the initializer filled: without one, a loaded
      // SavedModel runs its initializer on a different table instance than its lookups read.
      HashTable table = init.withName("vocabulary").hashTable(TString.class, TInt64.class,
          HashTable.sharedName("vocabulary_" + f.name()));
      init.initializeTable(table, init.constant(NdArrays.vectorOfObjects(vocabulary.toArray(new String[0]))), init.constant(values));
      ids = tf.lookupTableFind(table, tokens, tf.constant(-1L));
      if (single && vocabulary.contains("")) {
        // The empty (missing) single value is never a vocabulary token, even if the analyzer kept one.
        ids = tf.select(tf.math.equal(tokens, tf.constant("")), tf.constant(-1L), ids);
      }
    }
    if (oov > 0) {
      Operand<TInt64> bucket = tf.math.add(tf.strings.toHashBucketFast(tokens, (long) oov), tf.constant((long) vocabulary.size()));
      ids = tf.select(tf.math.equal(ids, tf.constant(-1L)), bucket, ids);
    }
    return ids;
  }

  private static Operand<TFloat32> oneHot(Ops tf, Operand<TInt64> ids, int depth) {
    // OneHot leaves a row of zeros for id -1.
    return tf.oneHot(ids, tf.constant(depth), tf.constant(1f), tf.constant(0f));
  }

  /** Rows and ids of the tokens whose id is not -1, as {@code [n, 2]} scatter indices. */
  private static Operand<TInt64> cells(Ops tf, Operand<TInt64> first, Operand<TInt64> second) {
    return tf.stack(List.of(first, second), org.tensorflow.op.core.Stack.axis(1L));
  }

  private static Operand<TInt64> validPositions(Ops tf, Operand<TInt64> ids) {
    return tf.reshape(tf.where(tf.math.greaterEqual(ids, tf.constant(0L))), tf.constant(new long[] {-1}));
  }

  private static Operand<TFloat32> multiHot(Ops tf, Operand<TInt64> ids, Operand<TInt64> rows, Operand<TInt64> batch, int card) {
    Operand<TInt64> valid = validPositions(tf, ids);
    Operand<TInt64> idx = cells(tf, tf.gather(rows, valid, tf.constant(0)), tf.gather(ids, valid, tf.constant(0)));
    Operand<TFloat32> counts = tf.scatterNd(idx, tf.ones(tf.shape(valid, TInt64.class), TFloat32.class),
        tf.stack(List.of(batch, tf.constant((long) card))));
    return tf.math.minimum(counts, tf.constant(1f));
  }

  private static Operand<TFloat32> tfidf(Ops tf, FittedFeature f, Operand<TInt64> ids, Operand<TInt64> rows, Operand<TInt64> batch) {
    double[] idf = required(f, f.idf(), "idf");
    checkArgument(idf.length == f.cardinality(), "'%s' has %s idf values for %s ids", f.name(), idf.length, f.cardinality());
    Operand<TInt64> valid = validPositions(tf, ids);
    Operand<TInt64> idx = cells(tf, tf.gather(rows, valid, tf.constant(0)), tf.gather(ids, valid, tf.constant(0)));
    Operand<TFloat64> counts = tf.scatterNd(idx, tf.ones(tf.shape(valid, TInt64.class), TFloat64.class),
        tf.stack(List.of(batch, tf.constant((long) f.cardinality()))));
    // The term frequency divides by all the row's tokens; a row without tokens is all zeros.
    Operand<TFloat64> length = tf.math.unsortedSegmentSum(tf.onesLike(tf.dtypes.cast(rows, TFloat64.class)), rows, batch);
    Operand<TFloat64> denominator = tf.expandDims(tf.math.maximum(length, tf.constant(1.0)), tf.constant(1));
    Operand<TFloat64> weights = tf.math.mul(tf.math.div(counts, denominator), tf.constant(idf));
    return tf.dtypes.cast(weights, TFloat32.class);
  }

  private static Operand<TInt64> idList(Ops tf, Operand<TInt64> ids, Operand<TInt64> rows, Operand<TInt64> batch, int maxTokens) {
    Operand<TInt64> valid = validPositions(tf, ids);
    Operand<TInt64> keptIds = tf.gather(ids, valid, tf.constant(0));
    Operand<TInt64> keptRows = tf.gather(rows, valid, tf.constant(0));
    Operand<TInt64> perRow = tf.math.unsortedSegmentSum(tf.onesLike(keptRows), keptRows, batch);
    Operand<TInt64> starts = tf.math.cumsum(perRow, tf.constant(0), org.tensorflow.op.math.Cumsum.exclusive(true));
    Operand<TInt64> index = tf.range(tf.constant(0L), tf.squeeze(tf.shape(keptIds, TInt64.class)), tf.constant(1L));
    Operand<TInt64> position = tf.math.sub(index, tf.gather(starts, keptRows, tf.constant(0)));
    Operand<TInt64> inside = tf.reshape(tf.where(tf.math.less(position, tf.constant((long) maxTokens))), tf.constant(new long[] {-1}));
    Operand<TInt64> idx = cells(tf, tf.gather(keptRows, inside, tf.constant(0)), tf.gather(position, inside, tf.constant(0)));
    // Scatter id + 1 onto zeros, then subtract 1: the cells no token reached hold -1.
    Operand<TInt64> shifted = tf.scatterNd(idx, tf.math.add(tf.gather(keptIds, inside, tf.constant(0)), tf.constant(1L)),
        tf.stack(List.of(batch, tf.constant((long) maxTokens))));
    return tf.math.sub(shifted, tf.constant(1L));
  }

  // ---- checks --------------------------------------------------------------------------------

  private static void checkKind(FittedFeature f, OutputKind expected) {
    checkArgument(f.kind() == expected, "'%s' is declared %s, but its steps produce %s", f.name(), f.kind(), expected);
  }

  private static <T> T required(FittedFeature f, T value, String what) {
    checkArgument(value != null, "'%s' has no fitted %s", f.name(), what);
    return value;
  }
}
