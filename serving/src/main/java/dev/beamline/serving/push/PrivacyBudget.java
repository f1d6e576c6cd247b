package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.training.PrivacyGuarantee;
import java.util.Locale;
import java.util.Optional;

/**
 * The push stage's privacy check ({@code push.max_epsilon}): a model may be pushed only when its
 * differential-privacy guarantee ({@link PrivacyGuarantee}, ε per training row) is at most the
 * configured ε. A model trained without differential privacy has ε = ∞ and never passes. The
 * verdict is a value: the reason for refusing, or empty.
 *
 * <pre>{@code
 * Optional<String> why = PrivacyBudget.of(2.0).refusal(PrivacyGuarantee.ofModel(modelDir));
 * if (why.isPresent()) throw new DataCheckException(why.get());
 * }</pre>
 *
 * @param maxEpsilon the largest ε allowed, finite and > 0
 */
public record PrivacyBudget(double maxEpsilon) {
  public PrivacyBudget {
    checkArgument(maxEpsilon > 0 && Double.isFinite(maxEpsilon), "maxEpsilon must be a finite number > 0, got %s", maxEpsilon);
  }

  /** The budget of at most {@code maxEpsilon}. */
  public static PrivacyBudget of(double maxEpsilon) {
    return new PrivacyBudget(maxEpsilon);
  }

  /**
   * Why a model with {@code guarantee} is not pushed, or empty when its ε is within the budget (equal
   * passes): {@code privacy budget exceeded, nothing pushed: model epsilon 3.000 exceeds push.max_epsilon
   * 2.0 (delta 1.00e-05)}, or for a model without differential privacy {@code ...: model was trained
   * without differential privacy (epsilon = inf); push.max_epsilon is 2.0}.
   */
  public Optional<String> refusal(PrivacyGuarantee guarantee) {
    checkNotNull(guarantee, "guarantee");
    if (guarantee.epsilon() <= maxEpsilon) {
      return Optional.empty();
    }
    String why = guarantee.isPrivate()
        ? String.format(Locale.ROOT, "model epsilon %s exceeds %s.max_epsilon %s (delta %.3g)", PrivacyGuarantee.epsilonText(guarantee.epsilon()),
            PushStageFactory.SECTION, maxEpsilon, guarantee.delta())
        : String.format(Locale.ROOT, "model was trained without differential privacy (epsilon = inf); %s.max_epsilon is %s",
            PushStageFactory.SECTION, maxEpsilon);
    return Optional.of("privacy budget exceeded, nothing pushed: " + why);
  }
}
