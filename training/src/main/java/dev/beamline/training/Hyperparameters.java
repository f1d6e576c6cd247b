package dev.beamline.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ConfigSection;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Values of {@code train:} keys chosen by a tuner (the HYPERPARAMETERS artifact, {@value #FILE} in its
 * folder), which the train stage applies over its own configuration: the final model is trained with
 * them, and its lineage shows them.
 *
 * <pre>{@code
 * Hyperparameters h = Hyperparameters.read(tuneDir);           // {"learning_rate": 0.003, "hidden_units": [32, 16]}
 * TrainConfig tuned = h.applyTo(TrainConfig.defaults("species"));
 * }</pre>
 */
public record Hyperparameters(String valuesJson) implements Serializable {
  /** The artifact kind a tuner produces and the train stage consumes. */
  public static final ArtifactKind KIND = ArtifactKind.of("HYPERPARAMETERS");
  /** The file in the artifact's folder: {@code {"values": {key: value, ...}, ...}}. */
  public static final String FILE = "hyperparameters.json";
  /** The start of a value that records a tuner's choice among alternative features: {@code features.<slot>}. */
  public static final String FEATURE_SLOT = "features.";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Values by {@code train:} key, e.g. {@code {"learning_rate": 0.003}}. */
  public static Hyperparameters of(ObjectNode values) {
    return new Hyperparameters(values.toString());
  }

  /** The values in the artifact folder {@code dir}. */
  public static Hyperparameters read(String dir) {
    try {
      JsonNode root = JSON.readTree(Storage.readString(Storage.resolve(dir, FILE)));
      JsonNode values = root.get("values");
      if (values == null || !values.isObject()) {
        throw new IllegalArgumentException(Storage.resolve(dir, FILE) + " has no object 'values'");
      }
      return of((ObjectNode) values);
    } catch (IOException e) {
      throw new UncheckedIOException(Storage.resolve(dir, FILE) + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** The values, a copy. */
  public ObjectNode values() {
    try {
      return (ObjectNode) JSON.readTree(valuesJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code base} with these values set, bound as the {@code train:} section binds them (the same
   * checks and messages). A value named {@code features.<slot>} records which of a slot's alternative
   * features a tuner chose; the {@code features} list beside it is what applies.
   *
   * @throws ConfigException when a value is not valid for its key, or a {@code features.<slot>} value has no {@code features} list beside it
   */
  public TrainConfig applyTo(TrainConfig base) {
    ObjectNode merged = TrainStageFactory.parameters(base);
    ObjectNode values = values();
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) values::fields) {
      if (e.getKey().startsWith(FEATURE_SLOT)) {
        if (!values.has("features")) {
          throw new ConfigException("hyperparameters: '" + e.getKey() + "' chooses among features, but no 'features' list says which the model reads");
        }
        continue;
      }
      merged.set(e.getKey(), e.getValue());
    }
    return TrainStageFactory.bind(new ConfigSection(TrainStageFactory.SECTION, merged, "hyperparameters", Map.of(), Path.of(".")));
  }

  @Override
  public String toString() {
    return valuesJson;
  }
}
