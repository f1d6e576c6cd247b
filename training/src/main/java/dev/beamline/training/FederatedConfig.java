package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * Federated averaging (FedAvg; McMahan, Moore, Ramage, Hampson and Agüera y Arcas, "Communication-Efficient
 * Learning of Deep Networks from Decentralized Data", AISTATS 2017): the training rows are partitioned
 * into clients by a transformed column; each round, a sample of the clients each train the global
 * model on their own rows for a few local epochs and send back only the change of the weights, which
 * the server averages into the next global model. See {@link TrainFederated} for the pipeline and
 * {@link FedAvg} for the algorithm. Immutable; {@link #defaults(String)} sets every default and the
 * {@code withX} methods check their argument.
 *
 * <pre>{@code
 * TrainConfig c = TrainConfig.defaults("species")
 *     .withFederated(FederatedConfig.defaults("island").withRounds(30).withClientsPerRound(3).withLocalEpochs(2));
 * }</pre>
 *
 * @param clientColumn the transformed feature whose value names a row's client: an ID feature's id, a
 *     VECTOR (one-hot) feature's index of its largest entry, a FLOAT feature's value ({@link ClientKey})
 * @param rounds the rounds of federated averaging, each one global model
 * @param clientsPerRound the clients expected to take part in a round (capped at the number of
 *     clients): each client takes part independently with probability {@code clientsPerRound / clients}
 * @param localEpochs passes of a client over its own rows in one round
 * @param localBatchSize the rows of one local optimizer step
 * @param serverLearningRate the server's step along the averaged update (1 is plain FedAvg)
 * @param seed the seed of client sampling without differential privacy (with it, the sampling is secret)
 * @param patience keep the round with the lowest eval loss once it has not improved for this many
 *     rounds, and use no later round; null (the default) keeps the last round
 * @param secureAggregation the clients' updates are summed by secure aggregation ({@link SecureAggregationConfig});
 *     null (the default): the server sums them in the clear
 */
public record FederatedConfig(String clientColumn, int rounds, int clientsPerRound, int localEpochs, int localBatchSize,
    double serverLearningRate, long seed, Integer patience, SecureAggregationConfig secureAggregation) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@code rounds} unless told otherwise. */
  public static final int DEFAULT_ROUNDS = 20;
  /** {@code clients_per_round} unless told otherwise. */
  public static final int DEFAULT_CLIENTS_PER_ROUND = 10;
  /** {@code local_epochs} unless told otherwise. */
  public static final int DEFAULT_LOCAL_EPOCHS = 1;
  /** {@code local_batch_size} unless told otherwise. */
  public static final int DEFAULT_LOCAL_BATCH_SIZE = 32;
  /** {@code server_learning_rate} unless told otherwise: plain averaging. */
  public static final double DEFAULT_SERVER_LEARNING_RATE = 1.0;
  /** {@code seed} unless told otherwise. */
  public static final long DEFAULT_SEED = 42L;

  public FederatedConfig {
    checkArgument(clientColumn != null && !clientColumn.isBlank(), "federated.client_column must name a transformed feature, got %s", clientColumn);
    checkArgument(rounds >= 1, "federated.rounds must be at least 1, got %s", rounds);
    checkArgument(clientsPerRound >= 1, "federated.clients_per_round must be at least 1, got %s", clientsPerRound);
    checkArgument(localEpochs >= 1, "federated.local_epochs must be at least 1, got %s", localEpochs);
    checkArgument(localBatchSize >= 1, "federated.local_batch_size must be at least 1, got %s", localBatchSize);
    checkArgument(serverLearningRate > 0 && Double.isFinite(serverLearningRate),
        "federated.server_learning_rate must be positive, got %s", serverLearningRate);
    checkArgument(patience == null || patience >= 1, "federated.patience must be at least 1 (or unset), got %s", patience);
  }

  /** 20 rounds of 10 clients, one local epoch in batches of 32, server learning rate 1, seed 42, no patience. */
  public static FederatedConfig defaults(String clientColumn) {
    return new FederatedConfig(clientColumn, DEFAULT_ROUNDS, DEFAULT_CLIENTS_PER_ROUND, DEFAULT_LOCAL_EPOCHS, DEFAULT_LOCAL_BATCH_SIZE,
        DEFAULT_SERVER_LEARNING_RATE, DEFAULT_SEED, null, null);
  }

  public FederatedConfig withRounds(int rounds) {
    checkArgument(rounds >= 1, "federated.rounds must be at least 1, got %s", rounds);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  public FederatedConfig withClientsPerRound(int clientsPerRound) {
    checkArgument(clientsPerRound >= 1, "federated.clients_per_round must be at least 1, got %s", clientsPerRound);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  public FederatedConfig withLocalEpochs(int localEpochs) {
    checkArgument(localEpochs >= 1, "federated.local_epochs must be at least 1, got %s", localEpochs);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  public FederatedConfig withLocalBatchSize(int localBatchSize) {
    checkArgument(localBatchSize >= 1, "federated.local_batch_size must be at least 1, got %s", localBatchSize);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  public FederatedConfig withServerLearningRate(double serverLearningRate) {
    checkArgument(serverLearningRate > 0 && Double.isFinite(serverLearningRate),
        "federated.server_learning_rate must be positive, got %s", serverLearningRate);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  public FederatedConfig withSeed(long seed) {
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  /** Keeps the best round once the eval loss has not improved for {@code patience} rounds; null keeps the last round. */
  public FederatedConfig withPatience(Integer patience) {
    checkArgument(patience == null || patience >= 1, "federated.patience must be at least 1 (or unset), got %s", patience);
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }

  /** Sums the clients' updates by secure aggregation; null sums them in the clear. */
  public FederatedConfig withSecureAggregation(SecureAggregationConfig secureAggregation) {
    return new FederatedConfig(clientColumn, rounds, clientsPerRound, localEpochs, localBatchSize, serverLearningRate, seed, patience, secureAggregation);
  }
}
