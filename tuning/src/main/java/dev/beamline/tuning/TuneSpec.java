package dev.beamline.tuning;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.tuning.TuneConfig.Algorithm;
import dev.beamline.tuning.TuneConfig.Direction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code tune:} section of a pipeline file, bound strictly to a {@link TuneConfig}: unknown keys are
 * refused with the closest known one, and every refused value is named by file, line and dotted key. The
 * same documents give the canonical parameters ({@link #parameters}), which bind back to an equal
 * configuration.
 *
 * <pre>{@code
 * tune:
 *   algorithm: bayesian            # random | bayesian | hyperband
 *   max_trials: 30                 # random and bayesian; hyperband's brackets decide its own
 *   max_parallel_trials: 4         # default 1
 *   seed: 7                        # default 0
 *   objective: {metric: eval_auc}  # default eval_loss; direction from the metric unless given
 *   search_space:
 *     learning_rate: {float: [1e-4, 1e-1], log: true}
 *     batch_size: {int: [16, 256], log: true}
 *     hidden_units: {choice: [[16], [32, 16], [64, 32]]}
 *   bayesian: {initial_trials: 8}  # default max(max_parallel_trials, 4)
 *   hyperband: {max_epochs: 81, eta: 3}   # for algorithm hyperband; eta defaults to 3
 * }</pre>
 *
 * <pre>{@code
 * TuneConfig config = TuneSpec.bind(section);
 * ObjectNode recorded = TuneSpec.parameters(config);
 * }</pre>
 */
public final class TuneSpec {
  /** The section's key. */
  public static final String SECTION = "tune";

  /**
   * The metrics a trial can be judged by (those the trainer reports after each epoch), with the
   * direction that is better for each: the objective's default direction.
   */
  public static final Map<String, Direction> METRICS = metrics();

  /** Writes every key, null ones too: the canonical form has the same keys whatever is set. */
  private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS);

  private TuneSpec() {}

  private static Map<String, Direction> metrics() {
    Map<String, Direction> m = new LinkedHashMap<>();
    m.put("eval_loss", Direction.MINIMIZE);
    m.put("eval_accuracy", Direction.MAXIMIZE);
    m.put("eval_auc", Direction.MAXIMIZE);
    m.put("eval_rmse", Direction.MINIMIZE);
    return Collections.unmodifiableMap(m);
  }

  // The section's shape. Field names are the YAML keys.

  /** {@code tune:} */
  public static final class TuneDoc {
    public String algorithm;
    public Integer max_trials;
    public Integer max_parallel_trials;
    public Long seed;
    public ObjectiveDoc objective;
    public LinkedHashMap<String, JsonNode> search_space;
    public BayesianDoc bayesian;
    public HyperbandDoc hyperband;
  }

  /** {@code tune.objective:} */
  public static final class ObjectiveDoc {
    public String metric;
    public String direction;
  }

  /** {@code tune.bayesian:} */
  public static final class BayesianDoc {
    public Integer initial_trials;
  }

  /** {@code tune.hyperband:} */
  public static final class HyperbandDoc {
    public Integer max_epochs;
    public Integer eta;
  }

  /**
   * The configuration that {@code section} describes.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a missing or bad value
   */
  public static TuneConfig bind(ConfigSection section) {
    TuneDoc d = section.bind(TuneDoc.class);
    if (d.algorithm == null) {
      throw section.error("", "'" + section.key("algorithm") + "' is required: random, bayesian or hyperband");
    }
    Algorithm algorithm = section.choice("algorithm", d.algorithm, Algorithm.class);
    String name = algorithm.name().toLowerCase(Locale.ROOT);
    SearchSpace space = searchSpace(section, d.search_space);

    TuneConfig c;
    if (algorithm == Algorithm.HYPERBAND) {
      if (d.max_trials != null) {
        throw section.error("max_trials", "'" + section.key("max_trials") + "' does not apply to hyperband: its trials follow from '"
            + section.key("hyperband.max_epochs") + "' and 'eta'");
      }
      if (d.hyperband == null || d.hyperband.max_epochs == null) {
        throw section.error("hyperband", "'" + section.key("hyperband.max_epochs") + "' is required for hyperband: the most epochs a trial trains");
      }
      int maxEpochs = d.hyperband.max_epochs;
      int eta = d.hyperband.eta != null ? d.hyperband.eta : Hyperband.DEFAULT_ETA;
      c = section.check("hyperband", () -> new TuneConfig(Algorithm.HYPERBAND, space, 0, 1, 0, TuneConfig.Objective.EVAL_LOSS, 0, maxEpochs, eta));
    } else {
      if (d.hyperband != null) {
        throw section.error("hyperband", "'" + section.key("hyperband") + "' applies to algorithm hyperband only, not to " + name);
      }
      if (d.max_trials == null) {
        throw section.error("", "'" + section.key("max_trials") + "' is required for " + name + ": how many trials to train");
      }
      int maxTrials = d.max_trials;
      c = section.check("max_trials", () -> algorithm == Algorithm.RANDOM ? TuneConfig.random(space, maxTrials) : TuneConfig.bayesian(space, maxTrials));
    }
    if (d.bayesian != null) {
      if (algorithm != Algorithm.BAYESIAN) {
        throw section.error("bayesian", "'" + section.key("bayesian") + "' applies to algorithm bayesian only, not to " + name);
      }
      if (d.bayesian.initial_trials != null) {
        TuneConfig b = c;
        c = section.check("bayesian.initial_trials", () -> b.withInitialTrials(d.bayesian.initial_trials));
      }
    }
    if (d.max_parallel_trials != null) {
      TuneConfig b = c;
      c = section.check("max_parallel_trials", () -> b.withMaxParallelTrials(d.max_parallel_trials));
    }
    if (d.seed != null) {
      c = c.withSeed(d.seed);
    }
    if (d.objective != null) {
      c = c.withObjective(objective(section, d.objective));
    }
    return c;
  }

  private static SearchSpace searchSpace(ConfigSection section, LinkedHashMap<String, JsonNode> doc) {
    if (doc == null || doc.isEmpty()) {
      throw section.error("search_space", "'" + section.key("search_space")
          + "' is required: the parameters to tune, e.g. learning_rate: {float: [1e-4, 1e-1], log: true}");
    }
    LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();
    doc.forEach((key, node) -> parameters.put(key, section.check("search_space." + key, () -> Parameter.parse(node))));
    return SearchSpace.of(parameters);
  }

  private static TuneConfig.Objective objective(ConfigSection section, ObjectiveDoc doc) {
    String metric = doc.metric != null ? doc.metric : TuneConfig.Objective.EVAL_LOSS.metric();
    Direction better = METRICS.get(metric);
    if (better == null) {
      List<String> known = new ArrayList<>(METRICS.keySet());
      String closest = YamlFiles.closest(metric, known);
      throw section.error("objective.metric", "unknown metric '" + metric + "' for '" + section.key("objective.metric") + "'"
          + (closest == null ? "" : "; did you mean '" + closest + "'?") + " (one of: " + String.join(", ", known) + ")");
    }
    Direction direction = doc.direction != null ? section.choice("objective.direction", doc.direction, Direction.class) : better;
    return new TuneConfig.Objective(metric, direction);
  }

  /**
   * The canonical form of {@code config}: every key of the section with its value, defaults filled in
   * ({@code max_trials} null for hyperband, {@code bayesian} and {@code hyperband} null unless that is the
   * algorithm, {@code initial_trials} null for the default); binding it gives back an equal configuration.
   * The stage's cache key and its recorded parameters.
   */
  public static ObjectNode parameters(TuneConfig config) {
    return JSON.valueToTree(document(config));
  }

  /** The document that binds to {@code config}. */
  static TuneDoc document(TuneConfig c) {
    TuneDoc d = new TuneDoc();
    d.algorithm = c.algorithm().name().toLowerCase(Locale.ROOT);
    d.max_trials = c.algorithm() == Algorithm.HYPERBAND ? null : c.maxTrials();
    d.max_parallel_trials = c.maxParallelTrials();
    d.seed = c.seed();
    d.objective = new ObjectiveDoc();
    d.objective.metric = c.objective().metric();
    d.objective.direction = c.objective().direction().name().toLowerCase(Locale.ROOT);
    d.search_space = new LinkedHashMap<>();
    c.searchSpace().parameters().forEach((name, p) -> d.search_space.put(name, p.toJson()));
    if (c.algorithm() == Algorithm.BAYESIAN) {
      d.bayesian = new BayesianDoc();
      d.bayesian.initial_trials = c.initialTrials() == 0 ? null : c.initialTrials();
    }
    if (c.algorithm() == Algorithm.HYPERBAND) {
      d.hyperband = new HyperbandDoc();
      d.hyperband.max_epochs = c.maxEpochs();
      d.hyperband.eta = c.eta();
    }
    return d;
  }
}
