package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.FeatureType;
import org.junit.jupiter.api.Test;

class TypeGuessTest {
  private static FeatureType guess(String... values) {
    TypeGuess g = new TypeGuess();
    for (String v : values) {
      g.accept(v);
    }
    return g.result();
  }

  private static FeatureType guess(FeatureType... types) {
    TypeGuess g = new TypeGuess();
    for (FeatureType t : types) {
      g.accept(t);
    }
    return g.result();
  }

  @Test
  void aColumnWithoutValuesIsAString() {
    assertThat(new TypeGuess().result()).isEqualTo(FeatureType.STRING);
  }

  @Test
  void integersAreInts() {
    assertThat(guess("1", "2", "-3", "+4", " 7 ")).isEqualTo(FeatureType.INT);
    assertThat(guess("1", "0", "1")).isEqualTo(FeatureType.INT);
    assertThat(guess("9223372036854775807")).isEqualTo(FeatureType.INT);
  }

  @Test
  void aNumberThatIsNotAnIntegerMakesAFloatWhereverItComes() {
    assertThat(guess("1", "2.5")).isEqualTo(FeatureType.FLOAT);
    assertThat(guess("2.5", "1")).isEqualTo(FeatureType.FLOAT);
    assertThat(guess("1", "1e3", "2")).isEqualTo(FeatureType.FLOAT);
    assertThat(guess("1", "NaN")).isEqualTo(FeatureType.FLOAT);
    assertThat(guess("inf", "-inf")).isEqualTo(FeatureType.FLOAT);
    // Too large for a 64-bit integer, still a number.
    assertThat(guess("1", "9223372036854775808")).isEqualTo(FeatureType.FLOAT);
  }

  @Test
  void trueAndFalseInAnyCaseAreBooleans() {
    assertThat(guess("true", "False", "TRUE")).isEqualTo(FeatureType.BOOLEAN);
  }

  @Test
  void mixturesAreStrings() {
    assertThat(guess("true", "1")).isEqualTo(FeatureType.STRING);
    assertThat(guess("1", "true")).isEqualTo(FeatureType.STRING);
    assertThat(guess("1.5", "abc")).isEqualTo(FeatureType.STRING);
    assertThat(guess("abc", "1")).isEqualTo(FeatureType.STRING);
    assertThat(guess("1", "1f")).isEqualTo(FeatureType.STRING);
    assertThat(guess("yes", "no")).isEqualTo(FeatureType.STRING);
  }

  @Test
  void timestampsStayStrings() {
    assertThat(guess("2024-05-01", "2024-05-02T12:00:00Z")).isEqualTo(FeatureType.STRING);
  }

  @Test
  void isSettledOnceOnlyAStringFits() {
    TypeGuess g = new TypeGuess();
    assertThat(g.settled()).isFalse();
    g.accept("1");
    assertThat(g.settled()).isFalse();
    g.accept("1.5");
    assertThat(g.settled()).isFalse();
    g.accept("abc");
    assertThat(g.settled()).isTrue();
    g.accept("2");
    assertThat(g.result()).isEqualTo(FeatureType.STRING);

    TypeGuess b = new TypeGuess();
    b.accept("true");
    assertThat(b.settled()).isFalse();
    b.accept("maybe");
    assertThat(b.settled()).isTrue();
  }

  @Test
  void typedValuesFromJson() {
    assertThat(guess(FeatureType.INT, FeatureType.INT)).isEqualTo(FeatureType.INT);
    assertThat(guess(FeatureType.INT, FeatureType.FLOAT)).isEqualTo(FeatureType.FLOAT);
    assertThat(guess(FeatureType.FLOAT, FeatureType.INT)).isEqualTo(FeatureType.FLOAT);
    assertThat(guess(FeatureType.BOOLEAN, FeatureType.BOOLEAN)).isEqualTo(FeatureType.BOOLEAN);
    assertThat(guess(FeatureType.INT, FeatureType.BOOLEAN)).isEqualTo(FeatureType.STRING);
    assertThat(guess(FeatureType.STRING)).isEqualTo(FeatureType.STRING);
    assertThat(guess(FeatureType.TIMESTAMP)).isEqualTo(FeatureType.STRING);

    TypeGuess mixed = new TypeGuess();
    mixed.accept("1");
    mixed.accept(FeatureType.FLOAT);
    assertThat(mixed.result()).isEqualTo(FeatureType.FLOAT);
  }
}
