package dev.beamline.ingest;

import dev.beamline.core.FeatureNames;
import java.text.Normalizer;
import java.util.Map;

/**
 * Feature names from column names in any script: letters are transliterated to ASCII before {@link
 * FeatureNames#sanitize} keeps letters and digits, because Avro and Parquet names must match {@code
 * [A-Za-z_][A-Za-z0-9_]*}. {@code "Größe (cm)"} becomes {@code "grosse_cm"}, {@code "Café Æble"} {@code
 * "cafe_aeble"}, {@code "Area (m²)"} {@code "area_m2"}.
 *
 * <p>The transliteration: a few letters by their usual ASCII spelling ({@code ß → ss}, {@code æ → ae},
 * {@code ø → o}, {@code œ → oe}, {@code þ → th}, {@code ð, đ → d}, {@code ł → l}, {@code µ → u}, ...),
 * then Unicode compatibility decomposition (NFKD: {@code é → e + ´}, {@code ² → 2}, {@code ﬁ → fi}) with
 * the combining marks dropped. Letters of scripts without a Latin decomposition (Greek, Cyrillic, CJK,
 * ...) stay non-ASCII and become separators, as punctuation does.
 *
 * <pre>{@code
 * AsciiNames.featureName("Größe (cm)");   // "grosse_cm"
 * }</pre>
 */
public final class AsciiNames {
  private AsciiNames() {}

  /** Letters that NFKD does not decompose into ASCII, by their usual ASCII spelling. */
  private static final Map<Character, String> SPELLED =
      Map.ofEntries(
          Map.entry('ß', "ss"),
          Map.entry('ẞ', "SS"),
          Map.entry('æ', "ae"),
          Map.entry('Æ', "AE"),
          Map.entry('ø', "o"),
          Map.entry('Ø', "O"),
          Map.entry('œ', "oe"),
          Map.entry('Œ', "OE"),
          Map.entry('þ', "th"),
          Map.entry('Þ', "TH"),
          Map.entry('ð', "d"),
          Map.entry('Ð', "D"),
          Map.entry('đ', "d"),
          Map.entry('Đ', "D"),
          Map.entry('ł', "l"),
          Map.entry('Ł', "L"),
          Map.entry('ħ', "h"),
          Map.entry('Ħ', "H"),
          Map.entry('ı', "i"),
          Map.entry('ŋ', "ng"),
          Map.entry('Ŋ', "NG"),
          Map.entry('ĸ', "k"),
          Map.entry('µ', "u"),
          Map.entry('μ', "u"));

  /** {@code column} as a valid feature name: transliterated to ASCII, then {@link FeatureNames#sanitize}d. */
  public static String featureName(String column) {
    return FeatureNames.sanitize(transliterate(column));
  }

  /** {@code text} with its letters transliterated to ASCII where they have a Latin spelling (see above). */
  public static String transliterate(String text) {
    boolean ascii = true;
    for (int i = 0; i < text.length() && ascii; i++) {
      ascii = text.charAt(i) < 0x80;
    }
    if (ascii) {
      return text;
    }
    StringBuilder spelled = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String s = SPELLED.get(c);
      if (s != null) {
        spelled.append(s);
      } else {
        spelled.append(c);
      }
    }
    String decomposed = Normalizer.normalize(spelled, Normalizer.Form.NFKD);
    StringBuilder out = new StringBuilder(decomposed.length());
    for (int i = 0; i < decomposed.length(); i++) {
      char c = decomposed.charAt(i);
      int type = Character.getType(c);
      if (type != Character.NON_SPACING_MARK && type != Character.COMBINING_SPACING_MARK && type != Character.ENCLOSING_MARK) {
        out.append(c);
      }
    }
    return out.toString();
  }
}
