package dev.beamline.tuning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Test fixtures: a search run to its end against a known function, and that function. */
final class Searches {
  private Searches() {}

  /** The global minimum of {@link #branin}. */
  static final double BRANIN_MIN = 0.397887357729738;

  /** Branin's domain: x1 in [-5, 10], x2 in [0, 15]. */
  static SearchSpace braninSpace() {
    Map<String, Parameter> p = new LinkedHashMap<>();
    p.put("x1", new Parameter.FloatRange(-5, 10, false));
    p.put("x2", new Parameter.FloatRange(0, 15, false));
    return SearchSpace.of(p);
  }

  /** The Branin–Hoo function (Dixon and Szegö 1978), minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475). */
  static double branin(Map<String, Object> v) {
    double x1 = (Double) v.get("x1");
    double x2 = (Double) v.get("x2");
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double t = 1 / (8 * Math.PI);
    double u = x2 - b * x1 * x1 + c * x1 - 6;
    return u * u + 10 * (1 - t) * Math.cos(x1) + 10;
  }

  /** Every trial of {@code search}, round by round, each evaluated by {@code f} as soon as its round is proposed. */
  static List<TrialResult> run(SearchAlgorithm search, ToDoubleFunction<TrialSpec> f) {
    List<TrialResult> finished = new ArrayList<>();
    for (int round = 0; round < search.rounds(); round++) {
      List<TrialResult> results = new ArrayList<>();
      for (TrialSpec t : search.propose(round, List.copyOf(finished))) {
        results.add(TrialResult.of(t, f.applyAsDouble(t)));
      }
      finished.addAll(results);
    }
    return finished;
  }

  /** The lowest objective among {@code results}. */
  static double best(List<TrialResult> results) {
    return results.stream().filter(TrialResult::succeeded).mapToDouble(TrialResult::objective).min().orElse(Double.NaN);
  }
}
