package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SplitConfigTest {
  @Test
  void defaultsAreTrainAndEvalTwoToOne() {
    SplitConfig s = SplitConfig.defaults();

    assertThat(s.splitNames()).containsExactly("train", "eval");
    assertThat(s.buckets()).containsExactly(2, 1);
    assertThat(s.totalBuckets()).isEqualTo(3);
    assertThat(s.partitionFeature()).isNull();
  }

  @Test
  void keepsTheOrderOfTheMap() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("test", 1);
    m.put("train", 8);
    m.put("eval", 1);

    SplitConfig s = SplitConfig.of(m).withPartitionFeature("user_id");

    assertThat(s.splitNames()).containsExactly("test", "train", "eval");
    assertThat(s.totalBuckets()).isEqualTo(10);
    assertThat(s.asMap()).containsExactly(Map.entry("test", 1), Map.entry("train", 8), Map.entry("eval", 1));
    assertThat(s.partitionFeature()).isEqualTo("user_id");
    assertThat(s.withPartitionFeature(null).partitionFeature()).isNull();
  }

  @Test
  void rejectsBadConfigurationsNamingTheValue() {
    assertThatThrownBy(() -> SplitConfig.of(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at least one split is needed");
    assertThatThrownBy(() -> SplitConfig.of(Map.of("Train", 1)))
        .hasMessage("split name 'Train' is not valid: use lower-case letters, digits and '_', starting with a letter");
    assertThatThrownBy(() -> SplitConfig.of(Map.of("train", 0)))
        .hasMessage("split 'train' has 0 hash buckets; it needs at least 1");
    assertThatThrownBy(() -> new SplitConfig(ImmutableList.of("a", "a"), ImmutableList.of(1, 1), null))
        .hasMessage("split names [a, a] repeat a name");
    assertThatThrownBy(() -> new SplitConfig(ImmutableList.of("a", "b"), ImmutableList.of(1), null))
        .hasMessage("2 split names but 1 bucket counts");
  }
}
