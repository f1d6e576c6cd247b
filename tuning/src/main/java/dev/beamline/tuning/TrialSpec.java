package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One trial a search asks for: train with these values, for this many epochs, with this seed.
 *
 * <pre>{@code
 * for (TrialSpec t : search.propose(round, finished)) {
 *   double loss = train(t.values(), t.epochs() == 0 ? configuredEpochs : t.epochs(), t.seed());
 *   results.add(TrialResult.of(t, loss));
 * }
 * }</pre>
 *
 * @param id unique within the search, fixed by the round and the place in it (not by earlier results)
 * @param values the value of every parameter of the search space, by name, in the space's order
 * @param epochs the budget: epochs to train; 0 for the training configuration's own
 * @param seed the training seed, derived from the search's seed and the trial's id (a trial Hyperband
 *     promotes keeps the seed of the trial it continues)
 * @param bracket Hyperband's bracket s (its most rungs minus one); 0 for the other searches, a single bracket
 * @param rung the rung within the bracket, 0 for a trial sampled afresh; 0 for the other searches
 */
public record TrialSpec(int id, Map<String, Object> values, int epochs, long seed, int bracket, int rung) implements Serializable {
  public TrialSpec {
    checkArgument(id >= 0, "a trial id must be 0 or more, got %s", id);
    checkArgument(epochs >= 0, "epochs must be 0 (the training configuration's own) or more, got %s", epochs);
    checkArgument(bracket >= 0 && rung >= 0, "bracket and rung must be 0 or more, got %s and %s", bracket, rung);
    // A map that keeps the order and allows a null choice value, unlike Map.copyOf.
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** A trial of a search without budgets: the training configuration's own epochs, bracket 0, rung 0. */
  public static TrialSpec of(int id, Map<String, Object> values, long seed) {
    return new TrialSpec(id, values, 0, seed, 0, 0);
  }
}
