package dev.beamline.transform;

import dev.beamline.transform.FeatureTransform.Encoding;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * Impute, lower-case, tokenize, map tokens to ids by vocabulary or hash buckets, then encode; see
 * {@link FeatureTransform}.
 */
final class StringApplier implements FeatureApplier {
  private final String impute;
  private final Tokenizer tokenizer;
  private final boolean multiValued;
  /** Token to id; null when hashing. */
  private final HashMap<String, Integer> vocabulary;
  private final int vocabularySize;
  private final long oovBuckets;
  private final long hashBuckets;
  private final Encoding encoding;
  private final int maxTokens;
  private final double[] idf;
  private final int cardinality;

  StringApplier(FittedFeature f) {
    FeatureTransform spec = f.spec();
    this.impute = f.imputeString();
    this.tokenizer = Tokenizer.of(spec);
    this.multiValued = spec.multiValued();
    if (f.vocabulary() != null) {
      vocabulary = new HashMap<>(Math.max(16, f.vocabulary().size() * 2));
      for (int i = 0; i < f.vocabulary().size(); i++) {
        vocabulary.put(f.vocabulary().get(i), i);
      }
      vocabularySize = f.vocabulary().size();
      oovBuckets = spec.vocabulary().oovBuckets();
      hashBuckets = 0;
    } else {
      vocabulary = null;
      vocabularySize = 0;
      oovBuckets = 0;
      hashBuckets = spec.hashBuckets();
    }
    this.encoding = spec.effectiveEncoding();
    this.maxTokens = spec.effectiveMaxTokens();
    this.idf = f.idf();
    this.cardinality = f.cardinality();
  }

  /** The id of a token: its vocabulary index, else its OOV bucket or -1; or its hash bucket. */
  long id(String token) {
    if (vocabulary == null) {
      return Fingerprint.bucket(token, hashBuckets);
    }
    // The empty token (a missing single value) is never in the vocabulary.
    Integer index = token.isEmpty() ? null : vocabulary.get(token);
    if (index != null) {
      return index;
    }
    return oovBuckets == 0 ? -1 : vocabularySize + Fingerprint.bucket(token, oovBuckets);
  }

  @Override
  public Object apply(Object raw) {
    String value = RawValue.string(raw);
    if (value == null) {
      value = impute;
    }
    value = tokenizer.normalize(value);
    if (!multiValued) {
      long id = id(value == null ? "" : value);
      return encoding == Encoding.ONE_HOT ? FeatureApplier.oneHot(id, cardinality) : (Object) id;
    }
    List<String> tokens = tokenizer.tokens(value);
    long[] ids = new long[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = id(tokens.get(i));
    }
    switch (encoding) {
      case MULTI_HOT:
        return multiHot(ids);
      case IDS:
      case EMBEDDING:
        return paddedIds(ids);
      case TFIDF:
        return tfidf(ids);
      default:
        throw new AssertionError(encoding);
    }
  }

  private FloatVector multiHot(long[] ids) {
    float[] v = new float[cardinality];
    for (long id : ids) {
      if (id >= 0) {
        v[(int) id] = 1f;
      }
    }
    return new FloatVector(v);
  }

  private LongVector paddedIds(long[] ids) {
    long[] out = new long[maxTokens];
    Arrays.fill(out, -1);
    int n = 0;
    for (int i = 0; i < ids.length && n < maxTokens; i++) {
      if (ids[i] >= 0) {
        out[n++] = ids[i];
      }
    }
    return new LongVector(out);
  }

  /** At each id: its count in the row / the row's number of tokens * idf(id). */
  private FloatVector tfidf(long[] ids) {
    float[] v = new float[cardinality];
    int tokens = ids.length;
    long[] sorted = ids.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; ) {
      int j = i;
      while (j < sorted.length && sorted[j] == sorted[i]) {
        j++;
      }
      long id = sorted[i];
      if (id >= 0) {
        v[(int) id] = (float) ((double) (j - i) / tokens * idf[(int) id]);
      }
      i = j;
    }
    return new FloatVector(v);
  }
}
