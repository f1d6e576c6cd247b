package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Moments, the compensated mean and exact counts, merged. */
class MomentsTest {
  @Test
  void chanMergeEqualsOnePass() {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population std 2 (the textbook example).
    double[] v = {2, 4, 4, 4, 5, 5, 7, 9};
    Moments a = new Moments();
    Moments b = new Moments();
    for (int i = 0; i < v.length; i++) {
      (i < 3 ? a : b).add(v[i]);
    }
    a.merge(b);
    a.merge(new Moments());
    assertThat(a.count()).isEqualTo(8);
    assertThat(a.mean()).isCloseTo(5.0, within(1e-12));
    assertThat(a.std()).isCloseTo(2.0, within(1e-12));
    Moments empty = new Moments();
    empty.merge(a);
    assertThat(empty.std()).isCloseTo(2.0, within(1e-12));
    assertThat(new Moments().mean()).isNaN();
  }

  @Test
  void compensatedMeanKeepsSmallValuesBesideLargeOnes() {
    CompensatedMean m = new CompensatedMean();
    m.add(1e16);
    m.add(1);
    m.add(1);
    m.add(-1e16);
    assertThat(m.mean()).isEqualTo(0.5);
    CompensatedMean inf = new CompensatedMean();
    inf.add(1);
    inf.add(Double.POSITIVE_INFINITY);
    assertThat(inf.mean()).isEqualTo(Double.POSITIVE_INFINITY);
    inf.add(Double.NEGATIVE_INFINITY);
    assertThat(inf.mean()).isNaN();
  }

  @Test
  void countsTopAndMostFrequent() {
    Counts<String> c = new Counts<>(Counts.STRINGS);
    for (String s : "b a c b a d b".split(" ")) {
      c.add(s);
    }
    Counts<String> other = new Counts<>(Counts.STRINGS);
    other.add("d", 2);
    c.merge(other);
    // b 3, d 3, a 2, c 1.
    assertThat(c.mostFrequent()).isEqualTo("b");
    assertThat(c.top(2, null)).containsExactly(new Counts.Entry<>("b", 3L), new Counts.Entry<>("d", 3L), new Counts.Entry<>("a", 2L));
    assertThat(c.top(1, 1)).containsExactly(new Counts.Entry<>("b", 3L));
    assertThat(other.get("d")).isEqualTo(2); // merging left it unchanged
    assertThat(new Counts<>(Counts.STRINGS).mostFrequent()).isNull();
  }
}
