package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Words, n-grams and separators. */
class TokenizerTest {
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private static List<String> regexWords(String s) {
    List<String> out = new ArrayList<>();
    Matcher m = WORD.matcher(s);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Test
  void wordsAreTheRunsThatTheRegexFinds() {
    for (String s : List.of(
        "The cat, the HAT!", "", "  ", "x", "a-b_c d'e", "naïve café 2²", "Ⅻ chapters", "日本語 テキスト",
        "emoji 😀 between", "𝐀𝐁 math letters", "tab\tand\nnewline", "x1y2 3.14")) {
      assertThat(Tokenizer.words(s)).as(s).isEqualTo(regexWords(s));
    }
  }

  @Test
  void ngramsInOrderOfSizeThenPosition() {
    List<String> w = List.of("a", "b", "c");
    assertThat(Tokenizer.ngrams(w, 1, 3)).containsExactly("a", "b", "c", "a b", "b c", "a b c");
    assertThat(Tokenizer.ngrams(w, 2, 2)).containsExactly("a b", "b c");
    assertThat(Tokenizer.ngrams(w, 4, 5)).isEmpty();
    assertThat(Tokenizer.ngrams(List.of(), 1, 2)).isEmpty();
  }

  @Test
  void separatorIsLiteral() {
    assertThat(Tokenizer.split("a.b..c.", ".")).containsExactly("a", "b", "c");
    assertThat(Tokenizer.split("a<>b<><>c", "<>")).containsExactly("a", "b", "c");
    assertThat(Tokenizer.split("", ",")).isEmpty();
    assertThat(Tokenizer.split(",,", ",")).isEmpty();
  }

  @Test
  void lowercaseIsLocaleIndependent() {
    Tokenizer t = Tokenizer.of(FeatureTransform.string("s").withLowercase(true).withText(new FeatureTransform.Text(1, 1)));
    // Locale.ROOT lower-cases dotted capital I to i + U+0307 (a combining mark, not a letter): two words.
    assertThat(t.normalize("TITLE İstanbul")).isEqualTo("title i\u0307stanbul");
    assertThat(t.tokens(t.normalize("TITLE İstanbul"))).containsExactly("title", "i", "stanbul");
    assertThat(t.normalize(null)).isNull();
    assertThat(t.tokens(null)).isEmpty();
  }
}
