package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code train.privacy:}: YAML to {@link DpSgdConfig}, its canonical form, and its mistakes. */
class TrainPrivacySectionTest {
  private static TrainConfig bind(String text) throws Exception {
    return TrainStageFactory.bind(TrainStageFactoryTest.section(text));
  }

  @Test
  void theSectionBindsWithItsDefaults() throws Exception {
    assertThat(bind("train:\n  label: y\n  privacy: {noise_multiplier: 1.1}\n").privacy()).isEqualTo(DpSgdConfig.noise(1.0, 1.1, 1e-5));
    assertThat(bind("train:\n  label: y\n  privacy: {target_epsilon: 2, l2_norm_clip: 0.5, delta: 1.0e-6}\n").privacy())
        .isEqualTo(DpSgdConfig.targetEpsilon(0.5, 2.0, 1e-6));
    assertThat(bind("train:\n  label: y\n").privacy()).isNull();
  }

  @Test
  void withoutPrivacyTheCanonicalFormHasNoPrivacyKeySoEarlierCacheKeysStand() throws Exception {
    assertThat(TrainStageFactory.parameters(TrainConfig.defaults("y")).has("privacy")).isFalse();
    TrainConfig c = bind("train:\n  label: y\n  privacy: {target_epsilon: 1}\n");
    String canonical = TrainStageFactory.parameters(c).get("privacy").toString();
    assertThat(canonical).isEqualTo("{\"l2_norm_clip\":1.0,\"noise_multiplier\":null,\"target_epsilon\":1.0,\"delta\":1.0E-5}");
    assertThat(bind("{\"train\": " + TrainStageFactory.parameters(c) + "}")).isEqualTo(c);
  }

  @Test
  void mistakesAreNamedWithFileLineAndKey() {
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {l2_norm_clip: 1}\n")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: 'train.privacy' needs exactly one of noise_multiplier");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {noise_multiplier: 1, target_epsilon: 1}\n"))
        .hasMessageStartingWith("p.yaml line 3: 'train.privacy' needs exactly one of noise_multiplier");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {noise_multiplier: -1}\n"))
        .hasMessage("p.yaml line 3: bad value for 'train.privacy': privacy.noise_multiplier must be positive, got -1.0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {target_epsilon: 1, delta: 1}\n"))
        .hasMessage("p.yaml line 3: bad value for 'train.privacy': privacy.delta must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {target_epsilon: 1, l2_norm_clip: 0}\n"))
        .hasMessage("p.yaml line 3: bad value for 'train.privacy': privacy.l2_norm_clip must be positive, got 0.0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  privacy: {target_epsilon: 1, epsilon: 2}\n"))
        .hasMessageStartingWith("p.yaml line 3: unknown key 'train.privacy.epsilon'");
  }
}
