package dev.beamline.tuning;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband: a novel bandit-based approach
 * to hyperparameter optimization", JMLR 18, 2018, algorithm 1): successive halving over brackets that
 * trade how many configurations against how many epochs each gets at first.
 *
 * <p>With R the most epochs a trial trains and η the cut: s_max = ⌊log_η R⌋; bracket s (from s_max down to
 * 0) samples n = ⌈(s_max + 1) η^s / (s + 1)⌉ configurations at r = R η^-s epochs; at rung i its n_i =
 * ⌊n η^-i⌋ trials train r_i = r η^i epochs and the best ⌊n_i / η⌋ go on to the next rung. For R = 81
 * and η = 3 bracket 4 trains 81 configurations for 1 epoch, the best 27 of them for 3, 9 for 9, 3 for 27
 * and 1 for 81; bracket 0 trains 5 for 81. When R is not a power of η, r_i is rounded to the nearest
 * whole epoch (halves up), at least 1, and the last rung trains exactly R.
 *
 * <p>Round i holds rung i of every bracket that has one, so that the brackets run side by side: {@code
 * rounds()} is s_max + 1, and round 0 holds every bracket's configurations (143 for R = 81, η = 3).
 * Configurations are drawn as {@link RandomSearch} draws them.
 *
 * <ul>
 *   <li>A promoted trial is a new {@link TrialSpec}: a new id, the same values and seed, more epochs, the
 *       next rung. It trains <em>from scratch</em> for its epochs (no checkpoint is resumed); with the
 *       same seed, its first epochs repeat its parent's when training is deterministic. Resuming from the
 *       parent's checkpoint would save a third of the work or less, at the cost of keeping every trial's
 *       weights.
 *   <li>Trials are ranked by objective, then id; a failed trial is never promoted. A rung with fewer
 *       successes than places promotes only those, and a rung without any ends its bracket.
 *   <li>{@link #best} counts only trials trained with the most epochs among the successful ones: a
 *       low loss after 1 epoch is not comparable with one after 81.
 * </ul>
 *
 * <pre>{@code
 * Hyperband search = new Hyperband(space, 81, 3, 7);
 * search.brackets().get(0);   // Bracket[s=4, rungs=[Rung[configs=81, epochs=1], Rung[27, 3], ...]]
 * search.rounds();            // 5
 * }</pre>
 */
public final class Hyperband implements SearchAlgorithm {
  private static final long serialVersionUID = 1L;

  /** The default cut η: a third of each rung goes on. */
  public static final int DEFAULT_ETA = 3;

  /** One rung of a bracket: how many trials train, for how many epochs. */
  public record Rung(int configs, int epochs) implements Serializable {}

  /** Bracket s: its s + 1 rungs, the first of configurations drawn afresh, each later one of the best of the one before. */
  public record Bracket(int s, List<Rung> rungs) implements Serializable {
    public Bracket {
      rungs = List.copyOf(rungs);
    }
  }

  private final SearchSpace space;
  private final int maxEpochs;
  private final int eta;
  private final long seed;
  private final List<Bracket> brackets;

  /**
   * @param space what to search
   * @param maxEpochs R, the most epochs a trial trains; at least {@code eta}, so that something stops early
   * @param eta η, at least 2: a rung keeps its best 1/η
   * @param seed the search's seed
   */
  public Hyperband(SearchSpace space, int maxEpochs, int eta, long seed) {
    checkArgument(eta >= 2, "eta must be at least 2, got %s", eta);
    checkArgument(maxEpochs >= eta, "max_epochs must be at least eta (%s) for Hyperband to stop a trial early, got %s", eta, maxEpochs);
    this.space = checkNotNull(space, "space");
    this.maxEpochs = maxEpochs;
    this.eta = eta;
    this.seed = seed;
    this.brackets = brackets(maxEpochs, eta);
  }

  /** Hyperband's brackets for R = {@code maxEpochs} and η = {@code eta}, s = s_max first. */
  public static List<Bracket> brackets(int maxEpochs, int eta) {
    checkArgument(eta >= 2 && maxEpochs >= 1, "needs eta >= 2 and max_epochs >= 1, got %s and %s", eta, maxEpochs);
    // s_max = floor(log_eta R), in integers: a floating logarithm of 81 to base 3 may fall just under 4.
    int sMax = 0;
    for (long p = eta; p <= maxEpochs; p *= eta) {
      sMax++;
    }
    List<Bracket> out = new ArrayList<>();
    for (int s = sMax; s >= 0; s--) {
      long etaS = pow(eta, s);
      // n = ceil((s_max + 1) / (s + 1) * eta^s), exactly.
      long n = ((sMax + 1) * etaS + s) / (s + 1);
      List<Rung> rungs = new ArrayList<>();
      for (int i = 0; i <= s; i++) {
        long down = pow(eta, s - i);
        long epochs = maxEpochs % down == 0 ? maxEpochs / down : Math.max(1, Math.round((double) maxEpochs / down));
        rungs.add(new Rung(Math.toIntExact(n / pow(eta, i)), Math.toIntExact(epochs)));
      }
      out.add(new Bracket(s, rungs));
    }
    return List.copyOf(out);
  }

  private static long pow(int base, int exp) {
    long p = 1;
    for (int i = 0; i < exp; i++) {
      p *= base;
    }
    return p;
  }

  /** The brackets, s = s_max first. */
  public List<Bracket> brackets() {
    return brackets;
  }

  @Override
  public int rounds() {
    return brackets.get(0).rungs().size();
  }

  @Override
  public int maxTrials() {
    return brackets.stream().flatMap(b -> b.rungs().stream()).mapToInt(Rung::configs).sum();
  }

  /** The id of the first trial of rung {@code i} of bracket {@code b} (index into {@link #brackets}): rounds in order, brackets in order within a round. */
  private int firstId(int b, int i) {
    int id = 0;
    for (int round = 0; round <= i; round++) {
      for (int k = 0; k < brackets.size(); k++) {
        if (round == i && k == b) {
          return id;
        }
        List<Rung> rungs = brackets.get(k).rungs();
        id += round < rungs.size() ? rungs.get(round).configs() : 0;
      }
    }
    throw new AssertionError();
  }

  @Override
  public List<TrialSpec> propose(int round, List<TrialResult> finished) {
    checkArgument(round >= 0 && round < rounds(), "this search has %s rounds, asked for round %s", rounds(), round);
    List<TrialSpec> trials = new ArrayList<>();
    for (int b = 0; b < brackets.size(); b++) {
      Bracket bracket = brackets.get(b);
      if (round >= bracket.rungs().size()) {
        continue;
      }
      Rung rung = bracket.rungs().get(round);
      int id = firstId(b, round);
      if (round == 0) {
        for (int k = 0; k < rung.configs(); k++, id++) {
          TrialSpec t = RandomSearch.randomTrial(space, seed, id);
          trials.add(new TrialSpec(id, t.values(), rung.epochs(), t.seed(), bracket.s(), 0));
        }
        continue;
      }
      int s = bracket.s();
      List<TrialResult> previous = finished.stream()
          .filter(r -> r.spec().bracket() == s && r.spec().rung() == round - 1 && r.succeeded())
          .sorted(BY_OBJECTIVE)
          .limit(rung.configs())
          .toList();
      for (TrialResult r : previous) {
        trials.add(new TrialSpec(id++, r.spec().values(), rung.epochs(), r.spec().seed(), s, round));
      }
    }
    return trials;
  }

  /** The best trial among those that succeeded with the most epochs any successful trial had. */
  @Override
  public Optional<TrialResult> best(List<TrialResult> finished) {
    int most = finished.stream().filter(TrialResult::succeeded).mapToInt(r -> r.spec().epochs()).max().orElse(-1);
    return finished.stream().filter(r -> r.succeeded() && r.spec().epochs() == most).min(BY_OBJECTIVE);
  }

  @Override
  public String toString() {
    return "Hyperband{maxEpochs=" + maxEpochs + ", eta=" + eta + ", seed=" + seed + ", space=" + space + "}";
  }
}
