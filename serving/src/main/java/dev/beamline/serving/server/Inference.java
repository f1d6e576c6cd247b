package dev.beamline.serving.server;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.tensorflow.proto.SignatureDef;

/**
 * What the model server answers, independent of the wire: REST ({@link RestApi}) and gRPC translate
 * their requests into these calls and the results back. Predict, classify and regress run through the
 * version's batcher and complete on a worker thread, never on the caller's; a refused request fails
 * its future (or throws, for the synchronous calls) with a {@link ServingException}.
 */
public interface Inference {
  /** The default signature, as TF Serving names it. */
  String DEFAULT_SIGNATURE = "serving_default";

  /**
   * Runs {@code signature} (null or empty: {@value #DEFAULT_SIGNATURE}) of the servable {@code ref} on
   * {@code inputs}, one tensor per signature input, all with the same number of rows.
   */
  CompletableFuture<Prediction> predict(ServableRef ref, String signature, Map<String, TensorData> inputs, RequestInfo info);

  /**
   * Classifies {@code examples} (feature name to its values: Long, Double or Float, String or byte[])
   * with a classifier's serving signature: per example every class with its probability.
   */
  CompletableFuture<Classification> classify(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info);

  /** Regresses {@code examples} (as for {@link #classify}) with a regression model's serving signature. */
  CompletableFuture<Regression> regress(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info);

  /** The signature definitions of the servable (no version or label: the latest available). */
  Metadata metadata(ServableRef ref);

  /** The status of the servable's versions: all of the model's without version or label. */
  List<VersionStatus> status(ServableRef ref);

  /** Who asked: the request id (the client's {@code X-Request-Id}, else a new one) and the API. */
  record RequestInfo(String requestId, String api) {}

  /** Predict's answer: the outputs of the signature, in its order, and the version that computed them. */
  record Prediction(String model, long version, String signature, Map<String, TensorData> outputs) {}

  /** One class and its score. */
  record ScoredClass(String label, float score) {}

  /** Classify's answer: per example the classes in the model's order with their probabilities. */
  record Classification(String model, long version, String signature, List<List<ScoredClass>> results) {}

  /** Regress's answer: one value per example. */
  record Regression(String model, long version, String signature, float[] values) {}

  /** The signature definitions of one version, by key. */
  record Metadata(String model, long version, Map<String, SignatureDef> signatures) {}

  /** TF Serving's {@code ModelVersionStatus.State}, with its proto numbers. */
  enum State {
    UNKNOWN(0), START(10), LOADING(20), AVAILABLE(30), UNLOADING(40), END(50);

    private final int number;

    State(int number) {
      this.number = number;
    }

    public int number() {
      return number;
    }
  }

  /**
   * One version's state and status: {@code errorCode} null when OK, else the code and message of why
   * it failed to load.
   */
  record VersionStatus(long version, State state, ServingException.Code errorCode, String errorMessage) {
    public boolean ok() {
      return errorCode == null;
    }
  }
}
