package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AxisDomainTest {
  @Test
  void comparedHistogramsShareTheUnionOfTheirRanges() {
    Histogram train = Histogram.of(List.of(Bucket.of(0, 5, 3), Bucket.of(5, 10, 1)));
    Histogram eval = Histogram.of(List.of(Bucket.of(4, 12, 2), Bucket.of(12, 20, 2)));
    Histogram baseline = Histogram.of(List.of(Bucket.of(-3.5, -3.5, 7)));
    assertThat(AxisDomain.union(List.of(train, eval))).contains(new AxisDomain(0, 20));
    assertThat(AxisDomain.union(List.of(eval, train, baseline))).contains(new AxisDomain(-3.5, 20));
    // A split without finite values has no buckets, and adds nothing.
    assertThat(AxisDomain.union(List.of(Histogram.empty(), eval))).contains(new AxisDomain(4, 20));
    assertThat(AxisDomain.union(List.of(Histogram.empty()))).isEqualTo(Optional.empty());
  }

  @Test
  void aSingleValueIsWidenedToAnAxis() {
    assertThat(new AxisDomain(5, 5).widened(false)).isEqualTo(new AxisDomain(4.5, 5.5));
    assertThat(new AxisDomain(-20, -20).widened(false)).isEqualTo(new AxisDomain(-22, -18));
    assertThat(new AxisDomain(0, 0).widened(false)).isEqualTo(new AxisDomain(-1, 1));
    assertThat(new AxisDomain(0, 0).widened(true)).isEqualTo(new AxisDomain(-86_400_000_000.0, 86_400_000_000.0));
    assertThat(new AxisDomain(1, 2).widened(false)).isEqualTo(new AxisDomain(1, 2));
  }
}
