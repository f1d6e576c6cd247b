package dev.beamline.transform;

import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analyzers of a string feature, with {@link Counts} (exact up to a capacity of distinct values,
 * then a sketch with a stated error): the most frequent raw value (impute MOST_FREQUENT, the smallest on
 * a tie), the token counts of the vocabulary and the document frequencies of tf-idf. Like the numeric
 * analyzers they see the non-missing values only: a missing value, imputed or not, adds no token. Hash
 * buckets need no analysis.
 *
 * <p>A vocabulary keeps at most {@link FeatureTransform.Vocabulary#maxSize()} tokens, and its token
 * counts are exact up to twice that many distinct tokens (at least {@value Counts#DEFAULT_CAPACITY}).
 * {@link #warnings()} says when a vocabulary without {@code top_k} was cut to {@value
 * FeatureTransform.Vocabulary#DEFAULT_MAX_SIZE} tokens and when counts are estimates.
 *
 * <p>With pretrained vectors ({@code embedding.vectors}) the fit reads the vectors file ({@link
 * WordVectors}) for the tokens counted, keeps in the vocabulary only those it has a vector for, and
 * attaches their vectors in id order; it logs how many tokens, and what share of their occurrences,
 * have one. Without any token to look up (an empty analyze split) it reads no file and attaches no
 * vectors.
 */
final class StringAnalyzer implements FeatureAnalyzer {
  private static final Logger LOG = LoggerFactory.getLogger(StringAnalyzer.class);
  private final FeatureTransform spec;
  private final Tokenizer tokenizer;
  private Counts<String> rawValues;
  private Counts<String> tokens;
  private Counts<String> documents;

  StringAnalyzer(FeatureTransform spec) {
    this.spec = spec;
    this.tokenizer = Tokenizer.of(spec);
    if (spec.impute() != null && spec.impute().strategy() == Impute.Strategy.MOST_FREQUENT) {
      rawValues = new Counts<>(Counts.STRINGS);
    }
    if (spec.vocabulary() != null) {
      tokens = new Counts<>(Counts.STRINGS, tokenCapacity(spec));
      if (spec.effectiveEncoding() == Encoding.TFIDF) {
        documents = new Counts<>(Counts.STRINGS, tokenCapacity(spec));
      }
    }
  }

  /** Distinct tokens counted exactly: room for twice the vocabulary, and at least the default capacity. */
  private static int tokenCapacity(FeatureTransform spec) {
    return (int) Math.min(1 << 30, Math.max(Counts.DEFAULT_CAPACITY, 2L * spec.vocabulary().maxSize()));
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
    WordVectors vectors = null;
    int cardinality;
    if (spec.vocabulary() != null) {
      FeatureTransform.Vocabulary v = spec.vocabulary();
      List<Counts.Entry<String>> top;
      List<Counts.Entry<String>> candidates = spec.vectors() == null ? List.of() : tokens.top(v.frequencyThreshold(), null);
      if (candidates.isEmpty()) {
        // Without a token there is nothing to look up: the file is not read. So Beam's default value
        // of an empty combine, taken while the graph is built, reads no file either.
        top = tokens.top(v.frequencyThreshold(), v.maxSize());
      } else {
        // Only tokens with a pretrained vector, then the same cut: the others go to the OOV buckets.
        Set<String> wanted = new HashSet<>();
        candidates.forEach(e -> wanted.add(e.key()));
        try {
          vectors = WordVectors.read(spec.vectors(), wanted::contains);
        } catch (IllegalArgumentException e) {
          // A broken file is the configuration's fault: the run stops with exit code 2 and this message.
          throw new ConfigException("transform '" + spec.output() + "': embedding.vectors: " + e.getMessage());
        }
        top = new ArrayList<>();
        long covered = 0;
        long occurrences = 0;
        for (Counts.Entry<String> e : candidates) {
          occurrences += e.count();
          if (vectors.contains(e.key())) {
            covered += e.count();
            if (top.size() < v.maxSize()) {
              top.add(e);
            }
          }
        }
        if (vectors.size() == 0) {
          throw new ConfigException(String.format(Locale.ROOT,
              "transform '%s': none of the %,d tokens of the analyzed split has a vector in %s (are the file's tokens"
                  + " lower-cased as the feature's are?)", spec.output(), candidates.size(), spec.vectors()));
        }
        LOG.info(String.format(Locale.ROOT, "transform '%s': %,d of %,d tokens (%.1f%% of their occurrences) have a vector of dim %d in %s;"
                + " %,d kept in the vocabulary, the others go to its %d OOV bucket(s)",
            spec.output(), vectors.size(), candidates.size(), occurrences == 0 ? 0.0 : 100.0 * covered / occurrences, vectors.dim(),
            spec.vectors(), top.size(), v.oovBuckets()));
      }
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
    FittedFeature fitted = new FittedFeature(
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
    return vectors == null ? fitted : fitted.withVectors(vectors.select(vocabulary));
  }

  /**
   * What a user should know about the fit: a vocabulary without {@code top_k} cut to {@value
   * FeatureTransform.Vocabulary#DEFAULT_MAX_SIZE} tokens (naming the feature and its number of distinct
   * tokens), and counts that are estimates (with their largest error).
   */
  @Override
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    String name = spec.output();
    if (tokens != null) {
      FeatureTransform.Vocabulary v = spec.vocabulary();
      long distinct = tokens.distinct();
      String cardinality = String.format(Locale.ROOT, "%s%,d distinct tokens", tokens.exact() ? "" : "about ", distinct);
      if (v.topK() == null && (tokens.top(v.frequencyThreshold(), null).size() > v.maxSize() || !tokens.exact())) {
        out.add(String.format(Locale.ROOT,
            "transform '%s': %s, more than the default vocabulary size: keeping the %,d most frequent (set vocabulary.top_k to choose)",
            name, cardinality, v.maxSize()));
      }
      if (!tokens.exact()) {
        out.add(String.format(Locale.ROOT,
            "transform '%s': %s, more than the %,d counted exactly: the vocabulary's counts are estimates, each at most %,d above the true count"
                + " (%,d tokens counted)", name, cardinality, tokenCapacity(spec), tokens.maximumError(), tokens.total()));
      }
      if (documents != null && !documents.exact()) {
        out.add(String.format(Locale.ROOT,
            "transform '%s': the document frequencies of tf-idf are estimates, each at most %,d above the true one", name, documents.maximumError()));
      }
    }
    if (rawValues != null && !rawValues.exact()) {
      out.add(String.format(Locale.ROOT,
          "transform '%s': impute most_frequent among about %,d distinct values: the counts are estimates, each at most %,d above the true count",
          name, rawValues.distinct(), rawValues.maximumError()));
    }
    return out;
  }

  @Override
  public void encode(DataOutputStream out) throws IOException {
    if (rawValues != null) {
      rawValues.encode(out);
    }
    if (tokens != null) {
      tokens.encode(out);
    }
    if (documents != null) {
      documents.encode(out);
    }
  }

  @Override
  public void decode(DataInputStream in) throws IOException {
    if (rawValues != null) {
      rawValues = Counts.decode(in, Counts.STRINGS, Counts.DEFAULT_CAPACITY);
    }
    if (tokens != null) {
      tokens = Counts.decode(in, Counts.STRINGS, tokenCapacity(spec));
    }
    if (documents != null) {
      documents = Counts.decode(in, Counts.STRINGS, tokenCapacity(spec));
    }
  }
}
