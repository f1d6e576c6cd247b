package dev.beamline.tuning;

import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainStageFactory;
import dev.beamline.transform.TransformStageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tune:} section: the search ({@link TuneSpec}) over keys of the pipeline's {@code train:}
 * section, whose values the trials start from, and over alternative features the {@code transform:}
 * section computes ({@code features.<slot>}, see {@link FeatureChoices}). Every key of the search space
 * must be a {@code train:} key or a slot, every value it can take one the {@code train:} section accepts,
 * every alternative of a slot a transformed feature: all checked here, before anything runs.
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
 *     features.month: {choice: [month_id, month_cyc, none]}   # transformed features, or none
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
    if (train.federated() != null) {
      // A trial trains on the pooled training split in one place, which federated training exists to avoid.
      throw section.error("", "'tune' cannot search a federated 'train' section: each trial would train centrally on every"
          + " client's rows; tune a centralized section, then train federated with the values it chose");
    }
    List<String> errors = new ArrayList<>();
    train = checkFeatureChoices(section, tune, train, errors);
    check(section, tune, train, errors);
    if (!errors.isEmpty()) {
      throw new ConfigException(String.join(System.lineSeparator(), errors));
    }
    return List.of(new TuneStage(tune, train));
  }

  /**
   * Checks the {@code features.<slot>} parameters against the {@code transform:} section: each a choice
   * among features it declares (or {@code none}), none of them the label, in one slot only, and not
   * named by {@code wide_features} or {@code deep_features}. Returns {@code train} with its features
   * listed (every transformed feature but the label when it lists none), from which every trial's
   * features follow ({@link FeatureChoices}); {@code train} itself when the search chooses no features
   * or a problem was added to {@code errors}.
   */
  static TrainConfig checkFeatureChoices(ConfigSection section, TuneConfig tune, TrainConfig train, List<String> errors) {
    int before = errors.size();
    Map<String, Parameter> slots = new LinkedHashMap<>();
    tune.searchSpace().parameters().forEach((name, p) -> {
      if (FeatureChoices.isSlot(name)) {
        slots.put(name, p);
      }
    });
    if (slots.isEmpty()) {
      return train;
    }
    List<String> transformed = transformedFeatures(section);
    if (tune.searchSpace().parameters().containsKey("features")) {
      errors.add(section.at("search_space.features") + "'features' and 'features.<slot>' cannot both be tuned: a slot chooses among the features of train.features");
    }
    Map<String, String> slotOf = new LinkedHashMap<>();
    slots.forEach((name, p) -> {
      String key = "search_space." + name;
      if (!(p instanceof Parameter.Choice c)) {
        errors.add(section.at(key) + "'" + name + "' chooses among features: write it {choice: [feature, ..., " + FeatureChoices.NONE + "]}");
        return;
      }
      for (Object v : c.values()) {
        if (!(v instanceof String f)) {
          errors.add(section.at(key) + "'" + name + "' chooses among features: " + v + " is not a feature's name (or " + FeatureChoices.NONE + ")");
          continue;
        }
        if (f.equals(FeatureChoices.NONE)) {
          continue;
        }
        if (!transformed.contains(f)) {
          String closest = YamlFiles.closest(f, transformed);
          errors.add(section.at(key) + "'" + f + "' is not a feature of transform:" + (closest == null ? "" : "; did you mean '" + closest + "'?")
              + " (transformed features: " + String.join(", ", transformed) + ")");
        } else if (f.equals(train.label())) {
          errors.add(section.at(key) + "'" + f + "' is the label (train.label); a model cannot read its own label");
        } else if (slotOf.containsKey(f)) {
          errors.add(section.at(key) + "'" + f + "' is an alternative of '" + slotOf.get(f) + "' already: a feature belongs to one slot");
        } else if (train.wideFeatures().contains(f) || train.deepFeatures().contains(f)) {
          errors.add(section.at(key) + "'" + f + "' is named by train." + (train.wideFeatures().contains(f) ? "wide_features" : "deep_features")
              + ", which a trial without it could not train: leave the slot's alternatives out of it");
        } else {
          slotOf.put(f, name);
        }
      }
    });
    if (errors.size() > before || !train.features().isEmpty()) {
      return train;
    }
    // Every transformed feature but the label, as the trainer reads them when train.features is empty.
    return train.withFeatures(transformed.stream().filter(f -> !f.equals(train.label())).toList());
  }

  /** The names of the features the {@code transform:} section declares, in its order. */
  private static List<String> transformedFeatures(ConfigSection section) {
    ConfigSection transform = section.sibling(TransformStageFactory.SECTION).orElseThrow(() -> section.error("search_space",
        "a search among features ('features.<slot>') needs a 'transform' section: its features are the alternatives"));
    List<String> names = new ArrayList<>();
    transform.node().path("features").fieldNames().forEachRemaining(names::add);
    return names;
  }

  /**
   * Every search-space key a tunable {@code train:} key, every value of it one the trainer accepts (with
   * the first alternative of each slot among features); problems are added to {@code errors}. The values
   * are checked only when the features' slots had no problem ({@code errors} empty).
   */
  static void check(ConfigSection section, TuneConfig tune, TrainConfig train, List<String> errors) {
    List<String> keys = new ArrayList<>();
    for (java.lang.reflect.Field f : TrainStageFactory.TrainDoc.class.getFields()) {
      keys.add(f.getName());
    }
    keys.removeAll(FIXED);
    TrialRunner runner = errors.isEmpty() ? new TrialRunner(train, tune) : null;
    Map<String, Object> firstChoices = new LinkedHashMap<>();
    tune.searchSpace().parameters().forEach((name, p) -> {
      if (FeatureChoices.isSlot(name) && p instanceof Parameter.Choice c) {
        firstChoices.put(name, c.values().get(0));
      }
    });
    for (Map.Entry<String, Parameter> e : tune.searchSpace().parameters().entrySet()) {
      String name = e.getKey();
      String key = "search_space." + name;
      if (FeatureChoices.isSlot(name)) {
        continue; // checked against the transform section
      }
      if (FIXED.contains(name)) {
        errors.add(section.at(key) + "'" + name + "' cannot be tuned: it defines the task (the trials set seed themselves)");
        continue;
      }
      if (!keys.contains(name)) {
        String closest = YamlFiles.closest(name, keys);
        errors.add(section.at(key) + "'" + name + "' is not a key of train:" + (closest == null ? "" : "; did you mean '" + closest + "'?")
            + " (tunable: " + String.join(", ", keys) + ", or features.<slot> to choose among transformed features)");
        continue;
      }
      for (Object value : runner == null ? List.of() : extremes(e.getValue())) {
        Map<String, Object> values = new LinkedHashMap<>(firstChoices);
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
