package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.Storage;
import dev.beamline.training.PrivacyGuarantee;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * What one push published, as {@code push.json} in the push stage's output and as the facts recorded
 * with its {@code PUSHED_MODEL} artifact: the model's name and version, where the version lies, when it
 * was pushed, the model it copies (URI and fingerprint), the data and hyperparameters it was trained
 * with, the evaluation and blessing it passed with the overall metrics, the infra validation, and the
 * model's differential-privacy ε ({@link PrivacyGuarantee}). A
 * version re-published by {@code beamline rollback} carries the same facts and the version it copies.
 *
 * <pre>{@code
 * PushRecord r = PushRecord.read("/runs/penguins/push/15/push.json");
 * r.summary();   // "pushed penguins version 3 to /srv/models/penguins/3"
 * }</pre>
 *
 * @param modelName the model's name: its folder under the serving base
 * @param version the version pushed
 * @param servingPath {@code <serving_base>/<model_name>/<version>}
 * @param pushedAt when it was published, ISO-8601 in UTC
 * @param modelUri the model folder that was copied
 * @param modelFingerprint that folder's graph and variables fingerprint ({@link ModelPush#modelFingerprint})
 * @param datasetFingerprint the training data's fingerprint when the model's provenance states it, else null
 * @param hyperparameters the training configuration from the model's provenance, or null
 * @param trainedBy the pipeline, run and execution that trained it, or null
 * @param evaluationUri the evaluation that blessed it
 * @param blessing the blessing's summary ({@link BlessingFile#summary})
 * @param metrics the evaluation's overall metrics (empty when it states none)
 * @param infraValidation the infra validation's outcome ({@link InfraValidation.Report#toJson})
 * @param rolledBackFrom for a version re-published by a rollback, the version it copies; else null
 * @param epsilon the model's differential-privacy ε per training row ({@code +Infinity} for a model trained
 *     without differential privacy); null when the record does not state it (pushed before ε was recorded)
 */
public record PushRecord(
    String modelName,
    long version,
    String servingPath,
    String pushedAt,
    String modelUri,
    String modelFingerprint,
    String datasetFingerprint,
    JsonNode hyperparameters,
    ObjectNode trainedBy,
    String evaluationUri,
    ObjectNode blessing,
    ObjectNode metrics,
    ObjectNode infraValidation,
    Long rolledBackFrom,
    Double epsilon) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public PushRecord {
    checkNotNull(modelName, "modelName");
    checkArgument(version >= 0, "version must be >= 0, got %s", version);
    checkNotNull(servingPath, "servingPath");
    checkNotNull(pushedAt, "pushedAt");
    blessing = blessing == null ? JsonNodeFactory.instance.objectNode() : blessing;
    metrics = metrics == null ? JsonNodeFactory.instance.objectNode() : metrics;
    infraValidation = infraValidation == null ? JsonNodeFactory.instance.objectNode() : infraValidation;
    checkArgument(epsilon == null || epsilon > 0, "epsilon must be > 0 (+Infinity without differential privacy), got %s", epsilon);
  }

  /** A record that does not state the model's ε. */
  public PushRecord(String modelName, long version, String servingPath, String pushedAt, String modelUri, String modelFingerprint,
      String datasetFingerprint, JsonNode hyperparameters, ObjectNode trainedBy, String evaluationUri, ObjectNode blessing,
      ObjectNode metrics, ObjectNode infraValidation, Long rolledBackFrom) {
    this(modelName, version, servingPath, pushedAt, modelUri, modelFingerprint, datasetFingerprint, hyperparameters, trainedBy,
        evaluationUri, blessing, metrics, infraValidation, rolledBackFrom, null);
  }

  /** The same record stating the model's ε ({@code +Infinity} without differential privacy). */
  public PushRecord withEpsilon(double epsilon) {
    return new PushRecord(modelName, version, servingPath, pushedAt, modelUri, modelFingerprint, datasetFingerprint, hyperparameters,
        trainedBy, evaluationUri, blessing, metrics, infraValidation, rolledBackFrom, epsilon);
  }

  /** Whether the blessing it was pushed with says blessed (always, for a push; kept for readers of the facts). */
  public boolean blessed() {
    return blessing.path("blessed").asBoolean(false);
  }

  /** The same facts for a copy published as {@code version} at {@code servingPath}: a rollback to this version. */
  public PushRecord republishedAs(long version, String servingPath, String pushedAt) {
    return new PushRecord(modelName, version, servingPath, pushedAt, modelUri, modelFingerprint, datasetFingerprint,
        hyperparameters, trainedBy, evaluationUri, blessing, metrics, infraValidation, this.version, epsilon);
  }

  /** The line the run prints: {@code pushed penguins version 3 to /srv/models/penguins/3}. */
  public String summary() {
    return (rolledBackFrom == null ? "pushed " : "re-published ") + modelName + " version " + version + " to " + servingPath
        + (rolledBackFrom == null ? "" : " (a copy of version " + rolledBackFrom + ")");
  }

  /**
   * The JSON form: snake_case keys in a fixed order; absent facts are null, {@code epsilon} (a number, or
   * {@code "inf"} without differential privacy) only when stated, {@code rolled_back_from} only for a rollback.
   */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("model_name", modelName);
    o.put("version", version);
    o.put("serving_path", servingPath);
    o.put("pushed_at", pushedAt);
    o.put("blessed", blessed());
    if (epsilon != null) {
      if (epsilon.isInfinite()) {
        o.put("epsilon", PrivacyGuarantee.epsilonText(epsilon));
      } else {
        o.put("epsilon", epsilon.doubleValue());
      }
    }
    ObjectNode model = o.putObject("model");
    model.put("uri", modelUri);
    model.put("fingerprint", modelFingerprint);
    o.put("dataset_fingerprint", datasetFingerprint);
    o.set("hyperparameters", hyperparameters);
    o.set("trained_by", trainedBy);
    o.put("evaluation", evaluationUri);
    o.set("blessing", blessing);
    o.set("metrics", metrics);
    o.set("infra_validation", infraValidation);
    if (rolledBackFrom != null) {
      o.put("rolled_back_from", rolledBackFrom);
    }
    return o;
  }

  /**
   * Reads the JSON form back, from {@code push.json} or from the facts recorded with the artifact (which
   * hold further keys, ignored here).
   *
   * @throws IllegalArgumentException when {@code node} lacks the model name, version, path or time
   */
  public static PushRecord fromJson(JsonNode node) {
    for (String key : new String[] {"model_name", "version", "serving_path", "pushed_at"}) {
      checkArgument(node.hasNonNull(key), "not a push record: it has no '%s'", key);
    }
    return new PushRecord(
        node.get("model_name").asText(),
        node.get("version").asLong(),
        node.get("serving_path").asText(),
        node.get("pushed_at").asText(),
        text(node.path("model").path("uri")),
        text(node.path("model").path("fingerprint")),
        text(node.path("dataset_fingerprint")),
        node.hasNonNull("hyperparameters") ? node.get("hyperparameters").deepCopy() : null,
        node.path("trained_by").isObject() ? node.get("trained_by").deepCopy() : null,
        text(node.path("evaluation")),
        node.path("blessing").isObject() ? node.get("blessing").deepCopy() : null,
        node.path("metrics").isObject() ? node.get("metrics").deepCopy() : null,
        node.path("infra_validation").isObject() ? node.get("infra_validation").deepCopy() : null,
        node.hasNonNull("rolled_back_from") ? node.get("rolled_back_from").asLong() : null,
        node.hasNonNull("epsilon") ? PrivacyGuarantee.number(node.get("epsilon")) : null);
  }

  /** Reads the file {@code uri} ({@code push.json}). */
  public static PushRecord read(String uri) {
    try {
      return fromJson(JSON.readTree(Storage.readString(uri)));
    } catch (IOException e) {
      throw new UncheckedIOException(uri + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n) {
    return n.isTextual() ? n.asText() : null;
  }

  /**
   * The overall slice's metrics in the evaluation's {@code metrics.json} ({@code "slices": [{"slice":
   * "overall", "metrics": {...}}, ...]}); empty when it has none.
   *
   * @throws UncheckedIOException when the file is missing or not JSON
   */
  public static ObjectNode overallMetrics(String evaluationDir) {
    String uri = Storage.resolve(evaluationDir, "metrics.json");
    JsonNode root;
    try {
      root = JSON.readTree(Storage.readString(uri));
    } catch (IOException e) {
      throw new UncheckedIOException(uri + " is not valid JSON: " + e.getMessage(), e);
    }
    for (Iterator<JsonNode> it = root.path("slices").elements(); it.hasNext(); ) {
      JsonNode s = it.next();
      if ("overall".equals(s.path("slice").asText()) && s.path("metrics").isObject()) {
        return s.get("metrics").deepCopy();
      }
    }
    return JSON.createObjectNode();
  }
}
