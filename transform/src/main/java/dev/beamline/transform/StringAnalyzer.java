package dev.beamline.transform;

import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The analyzers of a string feature, all with exact counts: the most frequent raw value (impute
 * MOST_FREQUENT, the smallest on a tie), the token counts of the vocabulary and the document frequencies
 * of tf-idf. Like the numeric analyzers they see the non-missing values only: a missing value, imputed
 * or not, adds no token. Hash buckets need no analysis.
 */
final class StringAnalyzer implements FeatureAnalyzer {
  private final FeatureTransform spec;
  private final Tokenizer tokenizer;
  private Counts<String> rawValues;
  private Counts<String> tokens;
  private Counts<String> documents;

  StringAnalyzer(FeatureTransform spec) {
    this.spec = spec;
    this.tokenizer = Tokenizer.of(spec);
    if (spec.impute() != null && spec.impute().strategy() == Impute.Strategy.MOST_FREQUENT) {
      rawValues = new Counts<>();
    }
    if (spec.vocabulary() != null) {
      tokens = new Counts<>();
      if (spec.effectiveEncoding() == Encoding.TFIDF) {
        documents = new Counts<>();
      }
    }
  }

  @Override
  public void add(Object raw) {
    String value = RawValue.string(raw);
    if (value == null) {
      return;
    }
    if (rawValues != null) {
      rawValues.add(value);
    }
    if (tokens == null) {
      return;
    }
    String normalized = tokenizer.normalize(value);
    if (!tokenizer.multiValued()) {
      tokens.add(normalized);
      return;
    }
    List<String> rowTokens = tokenizer.tokens(normalized);
    for (String t : rowTokens) {
      tokens.add(t);
    }
    if (documents != null) {
      Set<String> distinct = new HashSet<>(rowTokens);
      for (String t : distinct) {
        documents.add(t);
      }
    }
  }

  @Override
  public void merge(FeatureAnalyzer o) {
    StringAnalyzer other = (StringAnalyzer) o;
    if (rawValues != null) {
      rawValues.merge(other.rawValues);
    }
    if (tokens != null) {
      tokens.merge(other.tokens);
    }
    if (documents != null) {
      documents.merge(other.documents);
    }
  }

  @Override
  public FittedFeature fit(long rows) {
    String impute = null;
    if (spec.impute() != null) {
      impute = spec.impute().strategy() == Impute.Strategy.CONSTANT ? spec.impute().constant() : rawValues.mostFrequent();
    }
    List<String> vocabulary = null;
    long[] counts = null;
    double[] idf = null;
    int cardinality;
    if (spec.vocabulary() != null) {
      FeatureTransform.Vocabulary v = spec.vocabulary();
      List<Counts.Entry<String>> top = tokens.top(v.frequencyThreshold(), v.topK());
      vocabulary = new ArrayList<>(top.size());
      counts = new long[top.size()];
      for (int i = 0; i < top.size(); i++) {
        vocabulary.add(top.get(i).key());
        counts[i] = top.get(i).count();
      }
      cardinality = top.size() + v.oovBuckets();
      if (documents != null) {
        idf = new double[cardinality];
        for (int i = 0; i < cardinality; i++) {
          long df = i < top.size() ? documents.get(vocabulary.get(i)) : 0;
          idf[i] = Math.log((1.0 + rows) / (1.0 + df)) + 1;
        }
      }
    } else {
      cardinality = spec.hashBuckets();
    }
    return new FittedFeature(
        spec,
        FeatureType.STRING,
        OutputKind.of(spec, FeatureType.STRING),
        cardinality,
        null,
        impute,
        null, null, null, null, null,
        vocabulary,
        counts,
        idf,
        rows);
  }

  @Override
  public void encode(DataOutputStream out) throws IOException {
    if (rawValues != null) {
      rawValues.encode(out, Counts.STRINGS);
    }
    if (tokens != null) {
      tokens.encode(out, Counts.STRINGS);
    }
    if (documents != null) {
      documents.encode(out, Counts.STRINGS);
    }
  }

  @Override
  public void decode(DataInputStream in) throws IOException {
    if (rawValues != null) {
      rawValues = Counts.decode(in, Counts.STRINGS);
    }
    if (tokens != null) {
      tokens = Counts.decode(in, Counts.STRINGS);
    }
    if (documents != null) {
      documents = Counts.decode(in, Counts.STRINGS);
    }
  }
}
