package dev.beamline.evaluation;

import dev.beamline.training.ServingModel;
import java.util.HashMap;
import java.util.Map;

/**
 * The models loaded in this worker process, shared by every thread and every instance of a scoring
 * step: a SavedModel is loaded once per worker, not once per thread or bundle, and closed when the
 * last step using it is torn down.
 *
 * <pre>{@code
 * ServingModel m = LoadedModels.acquire(dir);
 * try { ... } finally { LoadedModels.release(dir); }
 * }</pre>
 */
public final class LoadedModels {
  private static final Map<String, ServingModel> MODELS = new HashMap<>();
  private static final Map<String, Integer> USERS = new HashMap<>();

  private LoadedModels() {}

  /** The model in {@code dir}, loaded on first use; pair each call with {@link #release}. */
  public static synchronized ServingModel acquire(String dir) {
    ServingModel m = MODELS.get(dir);
    if (m == null) {
      m = ServingModel.load(dir);
      MODELS.put(dir, m);
    }
    USERS.merge(dir, 1, Integer::sum);
    return m;
  }

  /** Gives back one use of {@code dir}'s model; the last one closes it. */
  public static synchronized void release(String dir) {
    Integer n = USERS.get(dir);
    if (n == null) {
      return;
    }
    if (n > 1) {
      USERS.put(dir, n - 1);
    } else {
      USERS.remove(dir);
      ServingModel m = MODELS.remove(dir);
      if (m != null) {
        m.close();
      }
    }
  }
}
