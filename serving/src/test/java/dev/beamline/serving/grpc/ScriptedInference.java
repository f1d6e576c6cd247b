package dev.beamline.serving.grpc;

import dev.beamline.serving.server.Inference;
import dev.beamline.serving.server.ServableRef;
import dev.beamline.serving.server.ServingException;
import dev.beamline.serving.server.TensorData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.tensorflow.proto.SignatureDef;

/**
 * An {@link Inference} with fixed answers, to check the gRPC translation only (no model runs). It
 * records each call, and answers on its own worker thread, as the real server does.
 *
 * <ul>
 *   <li>Model {@code penguins}: the latest version is 7; label {@code stable} is version 3 and
 *       {@code canary} 4; any version number is served as asked.
 *   <li>Predict: outputs {@code doubled} (input {@code x}, a float tensor, times two) and {@code label}
 *       ({@code "row<i>"} per row).
 *   <li>Classify: per example the classes {@code <island>} (the example's bytes feature
 *       {@code island}) with 0.75 and {@code other} with 0.25. Regress: the sum of the example's
 *       numeric values.
 *   <li>Model {@code refusing} throws RESOURCE_EXHAUSTED at once; {@code broken} fails with a bug;
 *       {@code slow} answers when {@link #release} is counted down; any other model is NOT_FOUND.
 * </ul>
 */
final class ScriptedInference implements Inference {
  /** One call as the inference received it. */
  record Call(String method, ServableRef ref, String signature, Map<String, TensorData> inputs, List<Map<String, List<Object>>> examples, RequestInfo info) {}

  final List<Call> calls = new CopyOnWriteArrayList<>();
  final CountDownLatch slowStarted = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> daemon(r, "scripted-inference-worker"));
  // Apart, so that a slow answer holds up no other.
  private final ExecutorService slowWorker = Executors.newSingleThreadExecutor(r -> daemon(r, "scripted-inference-slow"));

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  Call last() {
    return calls.get(calls.size() - 1);
  }

  private long version(ServableRef ref) {
    switch (ref.name()) {
      case "penguins", "slow", "broken" -> {}
      case "refusing" -> throw new ServingException(ServingException.Code.RESOURCE_EXHAUSTED, "the batch queue of refusing is full");
      default -> throw ServingException.notFound("Servable not found for request: Latest(" + ref.name() + ")");
    }
    if (ref.version() != null) {
      return ref.version();
    }
    if (ref.label() != null) {
      return switch (ref.label()) {
        case "stable" -> 3;
        case "canary" -> 4;
        default -> throw ServingException.invalid("model " + ref.name() + " has no version labelled '" + ref.label() + "'");
      };
    }
    return 7;
  }

  private <T> CompletableFuture<T> later(ServableRef ref, java.util.function.Supplier<T> answer) {
    if (ref.name().equals("broken")) {
      return CompletableFuture.supplyAsync(() -> {
        throw new IllegalStateException("secret detail: /models/broken/7 is corrupt");
      }, worker);
    }
    if (ref.name().equals("slow")) {
      slowStarted.countDown();
      return CompletableFuture.supplyAsync(() -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return answer.get();
      }, slowWorker);
    }
    return CompletableFuture.supplyAsync(answer, worker);
  }

  private static String orDefault(String signature) {
    return signature == null || signature.isEmpty() ? DEFAULT_SIGNATURE : signature;
  }

  @Override
  public CompletableFuture<Prediction> predict(ServableRef ref, String signature, Map<String, TensorData> inputs, RequestInfo info) {
    calls.add(new Call("predict", ref, signature, inputs, null, info));
    long version = version(ref);
    return later(ref, () -> {
      TensorData x = inputs.get("x");
      if (x == null) {
        throw ServingException.invalid("signature " + orDefault(signature) + " needs input 'x'");
      }
      float[] in = (float[]) x.values();
      float[] doubled = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        doubled[i] = 2 * in[i];
      }
      String[] labels = new String[x.rows()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = "row" + i;
      }
      Map<String, TensorData> outputs = new LinkedHashMap<>();
      outputs.put("doubled", TensorData.floats(doubled, x.shape()));
      outputs.put("label", TensorData.strings(labels, labels.length));
      return new Prediction(ref.name(), version, orDefault(signature), outputs);
    });
  }

  @Override
  public CompletableFuture<Classification> classify(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info) {
    calls.add(new Call("classify", ref, signature, null, examples, info));
    long version = version(ref);
    return later(ref, () -> {
      List<List<ScoredClass>> results = new ArrayList<>();
      for (Map<String, List<Object>> e : examples) {
        String island = new String((byte[]) e.get("island").get(0), java.nio.charset.StandardCharsets.UTF_8);
        results.add(List.of(new ScoredClass(island, 0.75f), new ScoredClass("other", 0.25f)));
      }
      return new Classification(ref.name(), version, orDefault(signature), results);
    });
  }

  @Override
  public CompletableFuture<Regression> regress(ServableRef ref, String signature, List<Map<String, List<Object>>> examples, RequestInfo info) {
    calls.add(new Call("regress", ref, signature, null, examples, info));
    long version = version(ref);
    return later(ref, () -> {
      float[] values = new float[examples.size()];
      for (int i = 0; i < values.length; i++) {
        for (List<Object> f : examples.get(i).values()) {
          for (Object v : f) {
            if (v instanceof Number n) {
              values[i] += n.floatValue();
            }
          }
        }
      }
      return new Regression(ref.name(), version, orDefault(signature), values);
    });
  }

  @Override
  public Metadata metadata(ServableRef ref) {
    calls.add(new Call("metadata", ref, null, null, null, null));
    long version = version(ref);
    Map<String, SignatureDef> signatures = new LinkedHashMap<>();
    signatures.put("serving_default", SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict").build());
    signatures.put("classification", SignatureDef.newBuilder().setMethodName("tensorflow/serving/classify").build());
    return new Metadata(ref.name(), version, signatures);
  }

  @Override
  public List<VersionStatus> status(ServableRef ref) {
    calls.add(new Call("status", ref, null, null, null, null));
    version(ref);
    List<VersionStatus> all = List.of(
        new VersionStatus(7, State.AVAILABLE, null, null),
        new VersionStatus(6, State.END, ServingException.Code.FAILED_PRECONDITION, "version 6 has no saved_model.pb"));
    if (ref.version() == null) {
      return all;
    }
    return all.stream().filter(v -> v.version() == ref.version()).findFirst().map(List::of)
        .orElseThrow(() -> ServingException.notFound("Could not find version " + ref.version() + " of model " + ref.name()));
  }
}
