package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code features.<slot>} parameters of a search space: for each slot, the alternative encodings of
 * one feature that the transform computes side by side in its one pass, of which a trial's model reads
 * the chosen one, or none ({@value #NONE}). A trial's features are the base features (those of {@code
 * train:}, or every transformed feature but the label) with every alternative of every slot removed
 * and the chosen ones appended, in the order of the slots.
 *
 * <pre>{@code
 * # tune.search_space
 * features.month: {choice: [month_id, month_cyc, month_onehot, none]}
 * }</pre>
 *
 * <pre>{@code
 * FeatureChoices choices = FeatureChoices.of(space);
 * List<String> features = choices.features(List.of("wind", "month_id", "month_cyc"), Map.of("features.month", "month_cyc"));
 * // [wind, month_cyc]
 * }</pre>
 */
public final class FeatureChoices implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The start of a parameter's name that makes it a slot: {@code features.<slot>}. */
  public static final String PREFIX = dev.beamline.training.Hyperparameters.FEATURE_SLOT;
  /** The choice value for none of a slot's alternatives. */
  public static final String NONE = "none";

  /** The slots by parameter name, each with its alternatives (without {@value #NONE}), in the order written. */
  private final LinkedHashMap<String, List<String>> slots;

  private FeatureChoices(LinkedHashMap<String, List<String>> slots) {
    this.slots = slots;
  }

  /** Whether the parameter {@code name} chooses among features ({@code features.<slot>}). */
  public static boolean isSlot(String name) {
    return name.startsWith(PREFIX) && name.length() > PREFIX.length();
  }

  /**
   * The slots of {@code space}: its {@code features.<slot>} parameters, each a choice among feature names.
   *
   * @throws IllegalArgumentException for a slot that is not a choice of names
   */
  public static FeatureChoices of(SearchSpace space) {
    LinkedHashMap<String, List<String>> slots = new LinkedHashMap<>();
    space.parameters().forEach((name, p) -> {
      if (!isSlot(name)) {
        return;
      }
      checkArgument(p instanceof Parameter.Choice, "'%s' chooses among features: it must be {choice: [feature, ..., none]}, got %s", name, p.toJson());
      List<String> alternatives = new ArrayList<>();
      for (Object v : ((Parameter.Choice) p).values()) {
        checkArgument(v instanceof String, "'%s' chooses among features: its values must be feature names or %s, got %s", name, NONE, v);
        if (!v.equals(NONE)) {
          alternatives.add((String) v);
        }
      }
      slots.put(name, Collections.unmodifiableList(alternatives));
    });
    return new FeatureChoices(slots);
  }

  /** Whether the search chooses among no features. */
  public boolean isEmpty() {
    return slots.isEmpty();
  }

  /** The slots by parameter name ({@code features.<slot>}), each with its alternatives without {@value #NONE}. */
  public Map<String, List<String>> slots() {
    return Collections.unmodifiableMap(slots);
  }

  /** Every alternative of every slot. */
  public Set<String> alternatives() {
    Set<String> all = new LinkedHashSet<>();
    slots.values().forEach(all::addAll);
    return all;
  }

  /**
   * The features a trial with {@code values} trains on: {@code base} without any alternative of any
   * slot, then the chosen alternative of each slot (none for {@value #NONE}), in the order of the slots.
   *
   * @throws IllegalArgumentException when {@code values} lacks a slot or chooses what the slot does not offer
   */
  public List<String> features(List<String> base, Map<String, ?> values) {
    Set<String> alternatives = alternatives();
    List<String> out = new ArrayList<>();
    for (String f : base) {
      if (!alternatives.contains(f)) {
        out.add(f);
      }
    }
    slots.forEach((name, offered) -> {
      Object chosen = values.get(name);
      checkArgument(values.containsKey(name), "no value for '%s' in %s", name, values);
      if (NONE.equals(chosen)) {
        return;
      }
      checkArgument(offered.contains(chosen), "'%s' is %s, which is not one of %s or %s", name, chosen, offered, NONE);
      if (!out.contains(chosen)) {
        out.add((String) chosen);
      }
    });
    return Collections.unmodifiableList(out);
  }
}
