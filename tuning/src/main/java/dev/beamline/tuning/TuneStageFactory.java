package dev.beamline.tuning;

import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainStageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tune:} section: the search ({@link TuneSpec}) over keys of the pipeline's {@code train:}
 * section, whose values the trials start from. Every key of the search space must be a {@code train:}
 * key, and every value it can take must be one the {@code train:} section accepts: both are checked
 * here, before anything runs.
 *
 * <pre>{@code
 * tune:
 *   algorithm: bayesian          # random | bayesian | hyperband
 *   max_trials: 12
 *   max_parallel_trials: 2
 *   objective: {metric: eval_auc}
 *   search_space:
 *     learning_rate: {float: [0.001, 0.1], log: true}
 *     hidden_units: {choice: [[16], [32, 16]]}
 * }</pre>
 */
public final class TuneStageFactory implements StageFactory {
  /** Keys of {@code train:} a search may not change: they define the task, not the model. */
  static final List<String> FIXED = List.of("label", "task", "train_split", "eval_split", "seed");

  @Override
  public String section() {
    return TuneSpec.SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    TuneConfig tune = TuneSpec.bind(section);
    ConfigSection trainSection = section.sibling(TrainStageFactory.SECTION).orElseThrow(() -> section.error("",
        "'tune' needs a 'train' section: the trials start from its values and change those of the search space"));
    TrainConfig train = TrainStageFactory.bind(trainSection);
    check(section, tune, train);
    return List.of(new TuneStage(tune, train));
  }

  /** Every search-space key a tunable {@code train:} key, every value of it one the trainer accepts. */
  static void check(ConfigSection section, TuneConfig tune, TrainConfig train) {
    List<String> keys = new ArrayList<>();
    for (java.lang.reflect.Field f : TrainStageFactory.TrainDoc.class.getFields()) {
      keys.add(f.getName());
    }
    keys.removeAll(FIXED);
    TrialRunner runner = new TrialRunner(train, tune.objective());
    List<String> errors = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : tune.searchSpace().parameters().entrySet()) {
      String name = e.getKey();
      String key = "search_space." + name;
      if (FIXED.contains(name)) {
        errors.add(section.at(key) + "'" + name + "' cannot be tuned: it defines the task (the trials set seed themselves)");
        continue;
      }
      if (!keys.contains(name)) {
        String closest = YamlFiles.closest(name, keys);
        errors.add(section.at(key) + "'" + name + "' is not a key of train:" + (closest == null ? "" : "; did you mean '" + closest + "'?")
            + " (tunable: " + String.join(", ", keys) + ")");
        continue;
      }
      for (Object value : extremes(e.getValue())) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(name, value);
        try {
          runner.configOf(TrialSpec.of(0, values, 0));
        } catch (ConfigException | IllegalArgumentException x) {
          String m = x.getMessage();
          errors.add(section.at(key) + "the value " + value + " is not valid for train." + name + ": "
              + m.substring(m.indexOf(": ") < 0 ? 0 : m.lastIndexOf(": ") + 2));
        }
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), errors));
    }
  }

  /** The values that stand for a parameter's whole range: every choice, or both ends of a range. */
  private static List<Object> extremes(Parameter p) {
    if (p instanceof Parameter.Choice c) {
      return c.values();
    }
    if (p instanceof Parameter.IntRange r) {
      return List.of(r.min(), r.max());
    }
    Parameter.FloatRange f = (Parameter.FloatRange) p;
    return List.of(f.min(), f.max());
  }
}
