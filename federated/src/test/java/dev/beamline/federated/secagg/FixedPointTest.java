package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FixedPointTest {

  @Test
  void decodesTheSumOfEncodingsToTheExactSumOfTheQuantizedValues() {
    // k = 32 is the tightest ring: n·R·2^f = 10·100·2^16 ≈ 2^26 fits, and negative sums wrap below 2^32.
    FixedPoint fp = FixedPoint.of(32, 16, 100.0, 10);
    Random random = new Random(7);
    int n = 10;
    int d = 500;
    long[] encodedSum = new long[d];
    long[] expected = new long[d];
    double[] realSum = new double[d];
    for (int c = 0; c < n; c++) {
      double[] x = new double[d];
      for (int i = 0; i < d; i++) {
        x[i] = (random.nextDouble() * 2 - 1) * 120;   // some beyond ±R, to exercise clipping
        double clipped = Math.max(-100.0, Math.min(100.0, x[i]));
        expected[i] += Math.round(clipped * 65536.0);
        realSum[i] += clipped;
      }
      encodedSum = fp.add(encodedSum, fp.encode(x));
    }
    assertThat(fp.toSigned(encodedSum)).containsExactly(expected);
    double[] decoded = fp.decodeSum(encodedSum);
    for (int i = 0; i < d; i++) {
      assertThat(decoded[i]).isEqualTo(expected[i] / 65536.0);
      assertThat(Math.abs(decoded[i] - realSum[i])).isLessThanOrEqualTo(n * Math.scalb(1.0, -17) + 1e-9);
    }
  }

  @Test
  void encodesNegativeValuesAsTwosComplementResidues() {
    FixedPoint fp = FixedPoint.of(40, 8, 1.0, 2);
    long[] encoded = fp.encode(new double[] {-1.0, 0.5, -0.00390625});
    assertThat(encoded).containsExactly((1L << 40) - 256, 128, (1L << 40) - 1);
    assertThat(fp.decodeSum(encoded)).containsExactly(-1.0, 0.5, -0.00390625);
  }

  @Test
  void refusesParametersWhoseSumCouldWrap() {
    // 1000 · 1024 · 2^24 = 2^10·2^10·2^24 ≈ 2^44 ≥ 2^(40-1).
    assertThatThrownBy(() -> FixedPoint.of(40, 24, 1024.0, 1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSummands n = 1000")
        .hasMessageContaining("clipRange R = 1024.0")
        .hasMessageContaining("fractionalBits f = 24")
        .hasMessageContaining("2^(modulusBits - 1) = 2^39");
    // The bound is exact: n·ceil(R·2^f) = 2^30·2 = 2^(32-1) is refused, one summand fewer is accepted.
    assertThatThrownBy(() -> FixedPoint.of(32, 1, 1.0, 1 << 30)).isInstanceOf(IllegalArgumentException.class);
    assertThat(FixedPoint.of(32, 1, 1.0, (1 << 30) - 1).maxSummands()).isEqualTo((1 << 30) - 1);
  }

  @Test
  void namesTheParameterAndTheAllowedRange() {
    assertThatThrownBy(() -> FixedPoint.of(63, 8, 1.0, 2)).hasMessage("modulusBits k is 63; allowed: 32 to 62");
    assertThatThrownBy(() -> FixedPoint.of(32, 31, 1.0, 2))
        .hasMessage("fractionalBits f is 31; allowed: 0 to modulusBits - 2 = 30");
    assertThatThrownBy(() -> FixedPoint.of(32, 8, 0.0, 2))
        .hasMessage("clipRange R is 0.0; allowed: a finite value > 0");
    assertThatThrownBy(() -> FixedPoint.of(32, 8, 1.0, 0)).hasMessage("maxSummands n is 0; allowed: >= 1");
    assertThatThrownBy(() -> FixedPoint.of(32, 8, 1.0, 2).encode(new double[] {0, Double.NaN}))
        .hasMessage("values[1] is NaN; only finite values can be encoded");
  }

  @Test
  void configChecksThresholdAndOverflowBound() {
    assertThatThrownBy(() -> SecAggConfig.of(5, 1, 10))
        .hasMessage("threshold is 1; allowed: 1 < threshold <= numClients");
    assertThatThrownBy(() -> SecAggConfig.of(5, 6, 10).validate())
        .hasMessage("threshold is 6; allowed: 1 < threshold <= numClients = 5");
    assertThatThrownBy(() -> SecAggConfig.of(5, 3, 0)).hasMessage("vectorLength is 0; allowed: >= 1");
    assertThatThrownBy(() -> SecAggConfig.of(5, 3, 10).withModulusBits(31))
        .hasMessage("modulusBits is 31; allowed: 32 to 62");
    // Defaults k = 62, f = 24, R = 1024 fit 5 clients; k = 32 does not.
    SecAggConfig config = SecAggConfig.of(5, 3, 10).validate();
    assertThatThrownBy(() -> config.withModulusBits(32).validate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxSummands n = 5")
        .hasMessageContaining("lower clipRange or fractionalBits, or raise modulusBits");
    assertThat(config.withModulusBits(32).withFractionalBits(8).withClipRange(16).validate().fixedPoint().mask())
        .isEqualTo((1L << 32) - 1);
    assertThat(config.maxDropouts()).isEqualTo(2);
  }
}
