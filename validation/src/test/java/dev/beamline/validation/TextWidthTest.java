package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TextWidthTest {
  @Test
  void widthsAreHelveticasAdvancesWithAMargin() {
    // A digit is 556/1000 em: 5.56 px at 10 px, times 1.1.
    assertThat(TextWidth.of("0", 10)).isCloseTo(6.116, within(1e-9));
    // P 667, a 556, r 333, a 556, m 833, o 556, u 556, n 556, t 278, space 278, P 667, i 222, c 500, t 278,
    // u 556, r 333, e 556, s 500: 8,781/1000 em.
    assertThat(TextWidth.of("Paramount Pictures", 11)).isCloseTo(8.781 * 11 * 1.1, within(1e-9));
    // East Asian characters are about square.
    assertThat(TextWidth.of("東京", 10)).isCloseTo(22, within(1e-9));
  }

  @Test
  void longValuesAreCutWithAnEllipsis() {
    String title = "The Chronicles of Narnia: The Lion, the Witch and the Wardrobe";
    assertThat(TextWidth.truncate(title, 11, 128)).isEqualTo("The Chronicles of Na…");
    assertThat(TextWidth.of(TextWidth.truncate(title, 11, 128), 11)).isLessThanOrEqualTo(128);
    assertThat(TextWidth.truncate("Universal", 11, 128)).isEqualTo("Universal");
    // The space before the cut goes ("ab " takes 15.29 px of the 27 - 11 left beside the ellipsis), and a
    // character outside the BMP stays whole (11 px each: two fit in 35 - 11).
    assertThat(TextWidth.truncate("ab cdefgh", 10, 27)).isEqualTo("ab…");
    assertThat(TextWidth.truncate("😀😀😀😀😀", 10, 35)).isEqualTo("😀😀…");
  }
}
