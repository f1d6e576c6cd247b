package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.push.PushRecord;
import dev.beamline.training.PrivacyGuarantee;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beamline models}: the pushed model versions, newest first, with what each was trained on and
 * how it evaluated, and which version of each model TensorFlow Serving serves (the largest).
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "Lists pushed model versions, newest first: where each lies, when it was pushed, its overall metrics,",
      "the fingerprint of its training data and its hyperparameters. SERVED marks the version TensorFlow Serving",
      "serves for each model (the largest); a version re-published by rollback shows the version it copies, e.g. 4 (=2)."
    })
final class ModelsCommand implements Callable<Integer> {
  /** The overall metrics shown in the table, those present, in this order. */
  private static final List<String> HEADLINE_METRICS = List.of("accuracy", "roc_auc", "rmse", "mae");
  /** The hyperparameters shown in the table, those set, in this order (--json has them all). */
  private static final List<String> HEADLINE_HYPERPARAMETERS =
      List.of("model", "hidden_units", "optimizer", "learning_rate", "batch_size", "epochs", "steps", "dropout", "l2", "seed");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Option(names = "--name", description = "Only the versions of this model.")
  String name;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      List<PushedVersions.Version> versions = PushedVersions.of(s, name);
      Map<String, Long> served = PushedVersions.served(versions);
      if (store.json) {
        ObjectMapper json = new ObjectMapper();
        ArrayNode array = json.createArrayNode();
        for (PushedVersions.Version v : versions) {
          PushRecord r = v.record();
          ObjectNode o = array.addObject();
          o.put("artifact_id", v.artifact().id());
          o.put("name", r.modelName());
          o.put("version", r.version());
          o.put("served", isServed(v, served));
          o.put("serving_path", r.servingPath());
          o.put("pushed_at", r.pushedAt());
          if (r.rolledBackFrom() != null) {
            o.put("rolled_back_from", r.rolledBackFrom());
          }
          o.put("blessed", r.blessed());
          if (r.epsilon() != null) {
            // A number for a model trained with differential privacy, "inf" without.
            if (r.epsilon().isInfinite()) {
              o.put("epsilon", "inf");
            } else {
              o.put("epsilon", r.epsilon());
            }
          }
          o.set("metrics", r.metrics());
          o.put("dataset_fingerprint", PushedVersions.datasetFingerprint(s, v).orElse(null));
          o.set("hyperparameters", r.hyperparameters());
          o.putObject("model").put("uri", r.modelUri()).put("fingerprint", r.modelFingerprint());
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        return BeamlineCli.OK;
      }
      if (versions.isEmpty()) {
        out.println(name == null
            ? "(no pushed models recorded in " + s.url() + ")"
            : "(no pushed versions of model '" + name + "' recorded in " + s.url() + ")");
        return BeamlineCli.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("NAME", "VERSION", "SERVED", "PUSHED (UTC)", "METRICS", "EPSILON", "DATASET", "SERVING PATH", "HYPERPARAMETERS"));
      for (PushedVersions.Version v : versions) {
        PushRecord r = v.record();
        String dataset = PushedVersions.datasetFingerprint(s, v).map(f -> f.substring(0, Math.min(16, f.length()))).orElse("-");
        rows.add(List.of(
            r.modelName(),
            r.version() + (r.rolledBackFrom() == null ? "" : " (=" + r.rolledBackFrom() + ")"),
            isServed(v, served) ? "served" : "-",
            time(r.pushedAt()),
            metrics(r.metrics()),
            // Pushed before privacy was recorded: unknown, shown as "-".
            r.epsilon() == null ? "-" : PrivacyGuarantee.epsilonText(r.epsilon()),
            dataset,
            r.servingPath(),
            hyperparameters(r.hyperparameters())));
      }
      printTable(out, rows);
    }
    return BeamlineCli.OK;
  }

  private static boolean isServed(PushedVersions.Version v, Map<String, Long> served) {
    return served.getOrDefault(v.modelDir(), -1L) == v.record().version();
  }

  private static String time(String iso) {
    try {
      return RunsCommand.TIME.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  /** {@code accuracy 0.9706, roc_auc 0.9981}: the headline metrics present; {@code -} when none. */
  static String metrics(JsonNode metrics) {
    List<String> parts = new ArrayList<>();
    for (String m : HEADLINE_METRICS) {
      if (metrics.path(m).isNumber()) {
        parts.add(String.format(Locale.ROOT, "%s %.4f", m, metrics.get(m).asDouble()));
      }
    }
    return parts.isEmpty() ? "-" : String.join(", ", parts);
  }

  /** {@code model=dnn hidden_units=[16,8] optimizer=adam ...}: the headline hyperparameters set; {@code -} when unknown. */
  static String hyperparameters(JsonNode h) {
    if (h == null || !h.isObject()) {
      return "-";
    }
    List<String> parts = new ArrayList<>();
    for (String key : HEADLINE_HYPERPARAMETERS) {
      JsonNode v = h.path(key);
      if (!v.isMissingNode() && !v.isNull()) {
        parts.add(key + "=" + (v.isTextual() ? v.asText().toLowerCase(Locale.ROOT) : v.toString()));
      }
    }
    return parts.isEmpty() ? "-" : String.join(" ", parts);
  }

  /** {@code rows} (the first the header) in left-aligned columns two spaces apart, the last as long as it is. */
  private static void printTable(PrintWriter out, List<List<String>> rows) {
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < columns - 1; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns - 1; i++) {
        line.append(row.get(i)).append(" ".repeat(width[i] - row.get(i).length() + 2));
      }
      line.append(row.get(columns - 1));
      out.println(line.toString().stripTrailing());
    }
  }
}
