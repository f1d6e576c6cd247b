package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code train.federated:}: YAML to {@link FederatedConfig}, its canonical form, and its mistakes. */
class FederatedSectionTest {
  private static TrainConfig bind(String text) throws Exception {
    return TrainStageFactory.bind(TrainStageFactoryTest.section(text));
  }

  @Test
  void theSectionBindsWithItsDefaults() throws Exception {
    assertThat(bind("train:\n  label: y\n  federated: {client_column: island}\n").federated()).isEqualTo(FederatedConfig.defaults("island"));
    assertThat(bind("train:\n  label: y\n  federated: {client_column: island, rounds: 30, clients_per_round: 3, local_epochs: 2,"
        + " local_batch_size: 16, server_learning_rate: 0.5, seed: 9, patience: 4}\n").federated())
        .isEqualTo(FederatedConfig.defaults("island").withRounds(30).withClientsPerRound(3).withLocalEpochs(2).withLocalBatchSize(16)
            .withServerLearningRate(0.5).withSeed(9).withPatience(4));
    assertThat(bind("train:\n  label: y\n").federated()).isNull();
  }

  @Test
  void withoutFederatedTheCanonicalFormHasNoFederatedKeySoEarlierCacheKeysStand() throws Exception {
    assertThat(TrainStageFactory.parameters(TrainConfig.defaults("y")).has("federated")).isFalse();
    TrainConfig c = bind("train:\n  label: y\n  federated: {client_column: island, rounds: 5}\n");
    assertThat(TrainStageFactory.parameters(c).get("federated").toString()).isEqualTo("{\"client_column\":\"island\",\"rounds\":5,"
        + "\"clients_per_round\":10,\"local_epochs\":1,\"local_batch_size\":32,\"server_learning_rate\":1.0,\"seed\":42,\"patience\":null}");
    assertThat(bind("{\"train\": " + TrainStageFactory.parameters(c) + "}")).isEqualTo(c);
    // Tuned values bind back through the same form, keeping the federated section.
    assertThat(Hyperparameters.of(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("learning_rate", 0.01))
        .applyTo(c).federated()).isEqualTo(c.federated());
  }

  @Test
  void mistakesAreNamedWithFileLineAndKey() {
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated: {rounds: 3}\n")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 3: 'train.federated.client_column' is required");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated: {client_column: c, rounds: 0}\n"))
        .hasMessage("p.yaml line 3: bad value for 'train.federated.rounds': federated.rounds must be at least 1, got 0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated:\n    client_column: c\n    server_learning_rate: -1\n"))
        .hasMessage("p.yaml line 5: bad value for 'train.federated.server_learning_rate': federated.server_learning_rate must be positive, got -1.0");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated: {client_column: c, clients: 3}\n"))
        .hasMessageStartingWith("p.yaml line 3: unknown key 'train.federated.clients'");
  }

  @Test
  void secureAggregationBindsWithItsDefaultsAndStaysOutOfTheCanonicalFormWhenOff() throws Exception {
    assertThat(bind("train:\n  label: y\n  federated: {client_column: c, secure_aggregation: {}}\n").federated().secureAggregation())
        .isEqualTo(SecureAggregationConfig.defaults());
    TrainConfig c = bind("train:\n  label: y\n  federated:\n    client_column: c\n    secure_aggregation: {threshold: 5, clip_range: 2.5,"
        + " fractional_bits: 16, modulus_bits: 48, simulated_dropout: 0.1}\n");
    assertThat(c.federated().secureAggregation()).isEqualTo(SecureAggregationConfig.defaults().withThreshold(5).withClipRange(2.5)
        .withFractionalBits(16).withModulusBits(48).withSimulatedDropout(0.1));
    assertThat(c.federated().secureAggregation().thresholdFor(8)).isEqualTo(5);
    assertThat(TrainStageFactory.parameters(c).get("federated").get("secure_aggregation").toString()).isEqualTo("{\"threshold\":5.0,"
        + "\"clip_range\":2.5,\"fractional_bits\":16,\"modulus_bits\":48,\"simulated_dropout\":0.1}");
    assertThat(bind("{\"train\": " + TrainStageFactory.parameters(c) + "}")).isEqualTo(c);
    assertThat(TrainStageFactory.parameters(bind("train:\n  label: y\n  federated: {client_column: c}\n")).get("federated")
        .has("secure_aggregation")).isFalse();
  }

  @Test
  void secureAggregationMistakesAreNamedWithFileLineAndKey() {
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated:\n    client_column: c\n    secure_aggregation: {threshold: 1.5}\n"))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("p.yaml line 5: bad value for 'train.federated.secure_aggregation.threshold':"
            + " secure_aggregation.threshold must be a fraction in (0, 1]");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated:\n    client_column: c\n    secure_aggregation: {simulated_dropout: 1}\n"))
        .hasMessageStartingWith("p.yaml line 5: bad value for 'train.federated.secure_aggregation.simulated_dropout'");
    assertThatThrownBy(() -> bind("train:\n  label: y\n  federated:\n    client_column: c\n    secure_aggregation: {t: 3}\n"))
        .hasMessageStartingWith("p.yaml line 5: unknown key 'train.federated.secure_aggregation.t'");
  }
}
