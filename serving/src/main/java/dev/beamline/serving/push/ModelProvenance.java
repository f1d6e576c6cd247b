package dev.beamline.serving.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.Storage;
import dev.beamline.training.SavedModelExport;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What an exported model says of where it came from, in its {@code assets.extra/provenance.json}
 * (written by training, see {@link SavedModelExport#provenance}): the fingerprint of the dataset it was
 * trained on when the provenance states one, its hyperparameters ({@code training.config}) and the run
 * that trained it. Facts the file lacks are null; a model without the file has none.
 *
 * <pre>{@code
 * ModelProvenance p = ModelProvenance.read("/runs/penguins/train/12");
 * JsonNode hyperparameters = p.hyperparameters();   // {"label": "species", "model": "dnn", ...}
 * }</pre>
 *
 * @param datasetFingerprint {@code training.dataset_fingerprint} or {@code dataset_fingerprint}, or null
 * @param hyperparameters the training configuration, snake_case, or null
 * @param trainedBy the pipeline, run id, stage and execution id of the training, or null
 */
public record ModelProvenance(String datasetFingerprint, JsonNode hyperparameters, ObjectNode trainedBy) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The provenance file inside a model folder. */
  public static final String FILE = SavedModelExport.EXTRA + "/provenance.json";

  /** No facts: a model exported without provenance. */
  public static ModelProvenance none() {
    return new ModelProvenance(null, null, null);
  }

  /**
   * Reads the provenance of the model in {@code modelDir}; {@link #none()} when it has no provenance file.
   *
   * @throws UncheckedIOException when the file is not JSON
   */
  public static ModelProvenance read(String modelDir) {
    String uri = Storage.resolve(modelDir, FILE);
    if (!Storage.exists(uri)) {
      return none();
    }
    try {
      return of(JSON.readTree(Storage.readString(uri)));
    } catch (IOException e) {
      throw new UncheckedIOException(uri + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** The facts in a parsed provenance document. */
  static ModelProvenance of(JsonNode p) {
    JsonNode training = p.path("training");
    String dataset = training.path("dataset_fingerprint").isTextual() ? training.path("dataset_fingerprint").asText()
        : p.path("dataset_fingerprint").isTextual() ? p.path("dataset_fingerprint").asText() : null;
    JsonNode config = training.path("config").isObject() ? training.path("config").deepCopy() : null;
    ObjectNode by = JSON.createObjectNode();
    for (String key : new String[] {"pipeline", "run_id", "stage", "execution_id"}) {
      if (p.hasNonNull(key)) {
        by.set(key, p.get(key));
      }
    }
    return new ModelProvenance(dataset, config, by.isEmpty() ? null : by);
  }
}
