package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact AUC against hand-computed values and a brute-force count over all pairs. */
class AucTest {
  @Test
  void handComputedValues() {
    // Positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5) (0.9>0.1) (0.4<0.5) (0.4>0.1) = 3 of 4.
    assertThat(Auc.binary(new float[] {0.9f, 0.5f, 0.4f, 0.1f}, new boolean[] {true, false, true, false}, 4)).isEqualTo(0.75);
    // Perfect and reversed rankings.
    assertThat(Auc.binary(new float[] {0.1f, 0.2f, 0.8f}, new boolean[] {false, false, true}, 3)).isEqualTo(1.0);
    assertThat(Auc.binary(new float[] {0.1f, 0.2f, 0.8f}, new boolean[] {true, false, false}, 3)).isEqualTo(0.0);
    assertThat(Auc.binary(new float[] {0.1f, 0.2f, 0.8f}, new boolean[] {false, true, true}, 3)).isEqualTo(1.0);
    assertThat(Auc.binary(new float[] {0.9f, 0.2f, 0.1f}, new boolean[] {false, true, true}, 3)).isEqualTo(0.0);
  }

  @Test
  void tiesCountOneHalf() {
    // Every score equal: every pair is a tie.
    assertThat(Auc.binary(new float[] {0.5f, 0.5f, 0.5f}, new boolean[] {true, false, false}, 3)).isEqualTo(0.5);
    // Positive 0.5 ties one negative 0.5 and beats 0.2: (0.5 + 1) / 2.
    assertThat(Auc.binary(new float[] {0.5f, 0.5f, 0.2f}, new boolean[] {true, false, false}, 3)).isEqualTo(0.75);
    // -0.0 and 0.0 are the same score; negative scores order below positive ones.
    assertThat(Auc.binary(new float[] {-0.0f, 0.0f, -3f, -2f}, new boolean[] {true, false, false, true}, 4)).isEqualTo(0.625);
  }

  @Test
  void onlyTheFirstNExamplesCountAndAOneClassSetHasNoAuc() {
    assertThat(Auc.binary(new float[] {0.9f, 0.1f, 0.95f}, new boolean[] {true, false, false}, 2)).isEqualTo(1.0);
    assertThat(Auc.binary(new float[] {0.9f, 0.1f}, new boolean[] {true, true}, 2)).isNaN();
    assertThat(Auc.binary(new float[0], new boolean[0], 0)).isNaN();
    assertThatThrownBy(() -> Auc.binary(new float[] {Float.NaN, 1}, new boolean[] {true, false}, 2)).hasMessageContaining("NaN");
  }

  @Test
  void agreesWithACountOverAllPairs() {
    SplittableRandom r = new SplittableRandom(3);
    for (int round = 0; round < 20; round++) {
      int n = 1 + r.nextInt(400);
      float[] s = new float[n];
      boolean[] pos = new boolean[n];
      for (int i = 0; i < n; i++) {
        // Few distinct values, so that ties are common.
        s[i] = r.nextInt(20) / 7f - 1;
        pos[i] = r.nextDouble() < 0.3 + s[i] * 0.2;
      }
      double wins = 0;
      long pairs = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (pos[i] && !pos[j]) {
            pairs++;
            wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
          }
        }
      }
      double expected = pairs == 0 ? Double.NaN : wins / pairs;
      assertThat(Auc.binary(s, pos, n)).isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void binaryClassesUseClassOnesProbabilityAndMoreClassesAverageOneAgainstTheRest() {
    float[] two = {0.8f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f};
    // p(class 1) = 0.2, 0.7, 0.4 with labels 0, 1, 1: both positives beat the negative.
    assertThat(Auc.oneVsRest(two, new long[] {0, 1, 1}, 2, 3)).isEqualTo(1.0);
    float[] three = {
      0.7f, 0.2f, 0.1f, // label 0
      0.2f, 0.5f, 0.3f, // label 1
      0.5f, 0.1f, 0.4f, // label 2
      0.1f, 0.3f, 0.6f, // label 2
    };
    long[] labels = {0, 1, 2, 2};
    double class0 = Auc.binary(new float[] {0.7f, 0.2f, 0.5f, 0.1f}, new boolean[] {true, false, false, false}, 4); // 1
    double class1 = Auc.binary(new float[] {0.2f, 0.5f, 0.1f, 0.3f}, new boolean[] {false, true, false, false}, 4); // 1
    double class2 = Auc.binary(new float[] {0.1f, 0.3f, 0.4f, 0.6f}, new boolean[] {false, false, true, true}, 4); // 1
    assertThat(class0 + class1 + class2).isEqualTo(3.0);
    assertThat(Auc.oneVsRest(three, labels, 3, 4)).isEqualTo(1.0);
    // Class 2 has no examples and is left out of the mean. Class 0: 0.6 beats 0.55, 0.5 does not (0.5);
    // class 1: 0.25 beats 0.2, not 0.3 (0.5).
    float[] absent = {0.6f, 0.2f, 0.2f, 0.5f, 0.3f, 0.2f, 0.55f, 0.25f, 0.2f};
    assertThat(Auc.oneVsRest(absent, new long[] {0, 0, 1}, 3, 3)).isEqualTo(0.5);
  }
}
