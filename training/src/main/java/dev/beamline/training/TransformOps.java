package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
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
 * StringNGrams}.
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
      String input = f.spec().input();
      if (!raw.containsKey(input)) {
        Class<? extends TType> type = rawType(RawFamily.of(f.inputType()));
        raw.put(input, tf.withSubScope("raw").withName(input).placeholder(type, Placeholder.shape(Shape.of(-1))));
      }
    }
    return raw;
  }

  /** The transformed features, by name, computed from the raw tensors {@code raw} (by raw feature name). */
  public static Map<String, Operand<?>> apply(Ops tf, List<FittedFeature> features, Map<String, ? extends Operand<?>> raw) {
    Map<String, Operand<?>> out = new LinkedHashMap<>();
    for (FittedFeature f : features) {
      Operand<?> input = raw.get(f.spec().input());
      checkArgument(input != null, "no raw tensor for '%s', which '%s' reads", f.spec().input(), f.name());
      out.put(f.name(), apply(tf.withSubScope("transform").withSubScope(f.name()), f, input));
    }
    return out;
  }

  /** One transformed feature computed from its raw tensor. */
  @SuppressWarnings("unchecked")
  public static Operand<?> apply(Ops tf, FittedFeature f, Operand<?> raw) {
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
    Operand<TInt64> day = tf.constant(DAY_MICROS);
    Operand<TInt64> part;
    switch (s.timePart()) {
      case HOUR_OF_DAY:
        part = tf.math.floorDiv(tf.math.floorMod(micros, day), tf.constant(HOUR_MICROS));
        break;
      case DAY_OF_WEEK:
        part = tf.math.floorMod(tf.math.add(tf.math.floorDiv(micros, day), tf.constant(3L)), tf.constant(7L));
        break;
      default:
        throw new AssertionError(s.timePart());
    }
    long missing = f.imputeNumber() == null ? -1L : (long) (double) f.imputeNumber();
    part = tf.select(tf.math.equal(micros, tf.constant(Long.MIN_VALUE)), tf.constant(missing), part);
    return encodeId(tf, f, part);
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
