package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.Storage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Pretrained word vectors: tokens, each with a vector of {@code dim} floats, read from and written to
 * the text format that GloVe ships (also word2vec's and fastText's text output).
 *
 * <h2>Format</h2>
 *
 * <p>UTF-8 text, one token per line: the token, then its {@code dim} numbers, separated by spaces or
 * tabs ({@code the 0.418 0.24968 -0.41242 ...}). The first line fixes {@code dim}; a first line of two
 * integers alone is a header ({@code 400000 50}, as word2vec and fastText write) that states the
 * number of lines and {@code dim}. Blank lines and trailing spaces are ignored; a token that appears
 * twice keeps its first vector. A line with another number of fields, a field that is not a finite
 * number, or a file without a vector is an error that names the file, the line and the token. Every
 * line is checked, also those of tokens that are not kept. A token holds no space: the n-grams of a
 * text (words joined by a space) are never in such a file.
 *
 * <pre>{@code
 * WordVectors all = WordVectors.read("/data/glove.6B.50d.txt", token -> true);
 * WordVectors some = WordVectors.read("/data/glove.6B.50d.txt", Set.of("cat", "dog")::contains);
 * WordVectors ordered = some.select(List.of("dog", "cat"));   // rows in this order
 * float[] dog = ordered.vector(0);
 * }</pre>
 */
public final class WordVectors implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> tokens;
  private final int dim;
  /** Row-major: row i is the vector of {@code tokens.get(i)}. */
  private final float[] values;
  /** The hex SHA-256 of the file they were read from. */
  private final String sha256;
  private transient volatile Map<String, Integer> index;

  private WordVectors(List<String> tokens, int dim, float[] values, String sha256) {
    this.tokens = List.copyOf(tokens);
    this.dim = dim;
    this.values = values;
    this.sha256 = sha256;
  }

  /**
   * Vectors of {@code dim} floats, row {@code i} of {@code values} (row-major) that of token {@code i};
   * {@code sha256} the hex SHA-256 of the file they come from (may be null).
   */
  public static WordVectors of(List<String> tokens, int dim, float[] values, String sha256) {
    checkArgument(dim >= 1, "dim must be at least 1, got %s", dim);
    checkArgument(values.length == (long) tokens.size() * dim, "%s tokens of dim %s need %s values, got %s",
        tokens.size(), dim, (long) tokens.size() * dim, values.length);
    return new WordVectors(tokens, dim, values.clone(), sha256);
  }

  /**
   * Reads the vectors of the tokens {@code keep} accepts from the file {@code uri} (a path or a URI of
   * any file system Beam supports, through {@link Storage}), in file order, and the file's SHA-256.
   *
   * @throws IllegalArgumentException naming the file, the line and the token of a bad line, or the file
   *     when it holds no vector
   * @throws UncheckedIOException when the file cannot be read
   */
  public static WordVectors read(String uri, Predicate<String> keep) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    List<String> tokens = new ArrayList<>();
    // The kept tokens only: a token that keep refused is refused again on a later line.
    Map<String, Integer> kept = new HashMap<>();
    FloatList values = new FloatList();
    int dim = -1;
    String dimFrom = null;
    try (InputStream raw = Storage.open(uri);
        DigestInputStream hashed = new DigestInputStream(raw, digest);
        BufferedReader in = new BufferedReader(new InputStreamReader(hashed, StandardCharsets.UTF_8), 1 << 16)) {
      int lineNumber = 0;
      String line;
      List<String> fields = new ArrayList<>();
      while ((line = in.readLine()) != null) {
        lineNumber++;
        split(line, fields);
        if (fields.isEmpty()) {
          continue;
        }
        if (dim < 0 && lineNumber == 1 && fields.size() == 2 && isCount(fields.get(0)) && isCount(fields.get(1))) {
          dim = Integer.parseInt(fields.get(1));
          dimFrom = "as the header states";
          if (dim < 1) {
            throw new IllegalArgumentException(uri + ":1: the header states dimension " + dim + "; vectors need at least 1 number");
          }
          continue;
        }
        String token = fields.get(0);
        if (dim < 0) {
          dim = fields.size() - 1;
          dimFrom = "as on line " + lineNumber;
          if (dim < 1) {
            throw new IllegalArgumentException(uri + ":" + lineNumber + ": token '" + token + "' has no number after it");
          }
        }
        if (fields.size() - 1 != dim) {
          throw new IllegalArgumentException(uri + ":" + lineNumber + ": token '" + token + "' has " + (fields.size() - 1)
              + " numbers, expected " + dim + " (" + dimFrom + ")");
        }
        boolean wanted = !kept.containsKey(token) && keep.test(token);
        for (int i = 1; i <= dim; i++) {
          float v = parse(fields.get(i), uri, lineNumber, token);
          if (wanted) {
            values.add(v);
          }
        }
        if (wanted) {
          kept.put(token, tokens.size());
          tokens.add(token);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the word vectors " + uri + ": " + e.getMessage(), e);
    }
    if (dim < 0) {
      throw new IllegalArgumentException(uri + " holds no word vector");
    }
    return new WordVectors(tokens, dim, values.toArray(), HexFormat.of().formatHex(digest.digest()));
  }

  /** Splits on runs of spaces and tabs, dropping empty fields (so trailing spaces and a '\r' end are ignored). */
  private static void split(String line, List<String> out) {
    out.clear();
    int start = -1;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      boolean separator = c == ' ' || c == '\t' || c == '\r';
      if (separator) {
        if (start >= 0) {
          out.add(line.substring(start, i));
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
    }
    if (start >= 0) {
      out.add(line.substring(start));
    }
  }

  private static boolean isCount(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static float parse(String field, String uri, int line, String token) {
    float v;
    try {
      v = Float.parseFloat(field);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(uri + ":" + line + ": token '" + token + "': '" + field + "' is not a number");
    }
    if (!Float.isFinite(v)) {
      throw new IllegalArgumentException(uri + ":" + line + ": token '" + token + "': '" + field + "' is not a finite number");
    }
    return v;
  }

  /**
   * The vectors of {@code wanted}, in that order.
   *
   * @throws IllegalArgumentException naming a token that has no vector here
   */
  public WordVectors select(List<String> wanted) {
    float[] out = new float[Math.multiplyExact(wanted.size(), dim)];
    for (int i = 0; i < wanted.size(); i++) {
      Integer row = index().get(wanted.get(i));
      checkArgument(row != null, "no vector for token '%s'", wanted.get(i));
      System.arraycopy(values, row * dim, out, i * dim, dim);
    }
    return new WordVectors(wanted, dim, out, sha256);
  }

  /** The same vectors, stated to come from a file of this SHA-256 (a copy keeps its source's). */
  public WordVectors withSha256(String sha256) {
    return new WordVectors(tokens, dim, values, sha256);
  }

  /** Whether {@code token} has a vector here. */
  public boolean contains(String token) {
    return index().containsKey(token);
  }

  /**
   * Writes the vectors to {@code uri} in the format read (no header), each float as {@link
   * Float#toString(float)}, which reads back to the same bits.
   */
  public void write(String uri) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      checkArgument(!t.isEmpty() && t.chars().noneMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\r'),
          "token '%s' cannot be written: it is empty or holds a space, a tab or a line break", t);
      s.append(t);
      for (int k = 0; k < dim; k++) {
        s.append(' ').append(values[i * dim + k]);
      }
      s.append('\n');
    }
    Storage.writeString(uri, s.toString());
  }

  /** The tokens, row order. */
  public List<String> tokens() {
    return tokens;
  }

  /** The number of floats of each vector. */
  public int dim() {
    return dim;
  }

  /** The number of vectors. */
  public int size() {
    return tokens.size();
  }

  /** The vector of row {@code i}; a copy. */
  public float[] vector(int i) {
    checkArgument(i >= 0 && i < tokens.size(), "row %s of %s", i, tokens.size());
    return Arrays.copyOfRange(values, i * dim, (i + 1) * dim);
  }

  /** Every vector, row-major; a copy. */
  public float[] values() {
    return values.clone();
  }

  /** The hex SHA-256 of the file the vectors were read from; null when not known. */
  public String sha256() {
    return sha256;
  }

  private Map<String, Integer> index() {
    Map<String, Integer> m = index;
    if (m == null) {
      m = new HashMap<>(Math.max(16, tokens.size() * 2));
      for (int i = 0; i < tokens.size(); i++) {
        m.putIfAbsent(tokens.get(i), i);
      }
      index = m;
    }
    return m;
  }

  /** Equal tokens, dimension and values (bit for bit); the SHA-256 of the source too. */
  @Override
  public boolean equals(Object o) {
    return o instanceof WordVectors w && w.dim == dim && w.tokens.equals(tokens) && Arrays.equals(w.values, values)
        && Objects.equals(w.sha256, sha256);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * tokens.hashCode() + dim) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "WordVectors{" + tokens.size() + " tokens, dim " + dim + "}";
  }

  /** A growing float array: a file's vectors without a boxed Float each. */
  private static final class FloatList {
    private float[] a = new float[1024];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, Math.multiplyExact(a.length, 2));
      }
      a[n++] = v;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
