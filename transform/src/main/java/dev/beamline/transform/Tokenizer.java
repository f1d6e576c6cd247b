package dev.beamline.transform;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Steps 2 and 3 of a string transform: lower-casing, then the tokens of a multi-valued feature (words
 * and their n-grams for {@code text}, the pieces between separators for {@code separator}).
 */
final class Tokenizer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final boolean lowercase;
  private final FeatureTransform.Text text;
  private final String separator;

  private Tokenizer(boolean lowercase, FeatureTransform.Text text, String separator) {
    this.lowercase = lowercase;
    this.text = text;
    this.separator = separator;
  }

  static Tokenizer of(FeatureTransform f) {
    return new Tokenizer(f.lowercase(), f.text(), f.separator());
  }

  boolean multiValued() {
    return text != null || separator != null;
  }

  /** The value after lower-casing, if configured; null stays null. */
  String normalize(String value) {
    return value == null || !lowercase ? value : value.toLowerCase(Locale.ROOT);
  }

  /** The tokens of a (normalized) value of a multi-valued feature; none for null. */
  List<String> tokens(String value) {
    if (value == null) {
      return List.of();
    }
    return text != null ? ngrams(words(value), text.ngramMin(), text.ngramMax()) : split(value, separator);
  }

  /** The maximal runs of letters and digits ({@code [\p{L}\p{N}]+}), in order. */
  static List<String> words(String value) {
    List<String> words = new ArrayList<>();
    int start = -1;
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      if (isWordChar(cp)) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        words.add(value.substring(start, i));
        start = -1;
      }
      i += Character.charCount(cp);
    }
    if (start >= 0) {
      words.add(value.substring(start));
    }
    return words;
  }

  /** Unicode categories L (letters) and N (numbers: Nd, Nl, No), as {@code \p{L}} and {@code \p{N}}. */
  private static boolean isWordChar(int cp) {
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER:
      case Character.LOWERCASE_LETTER:
      case Character.TITLECASE_LETTER:
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
        return true;
      default:
        return false;
    }
  }

  /** All n-grams for n = min..max joined by one space: every 1-gram first, then every 2-gram, ... */
  static List<String> ngrams(List<String> words, int min, int max) {
    if (min == 1 && max == 1) {
      return words;
    }
    List<String> out = new ArrayList<>();
    StringBuilder gram = new StringBuilder();
    for (int n = min; n <= max; n++) {
      for (int i = 0; i + n <= words.size(); i++) {
        gram.setLength(0);
        for (int j = i; j < i + n; j++) {
          if (j > i) {
            gram.append(' ');
          }
          gram.append(words.get(j));
        }
        out.add(gram.toString());
      }
    }
    return out;
  }

  /** The non-empty pieces of {@code value} between occurrences of the literal {@code separator}. */
  static List<String> split(String value, String separator) {
    List<String> out = new ArrayList<>();
    int from = 0;
    while (true) {
      int at = value.indexOf(separator, from);
      int end = at < 0 ? value.length() : at;
      if (end > from) {
        out.add(value.substring(from, end));
      }
      if (at < 0) {
        return out;
      }
      from = at + separator.length();
    }
  }
}
