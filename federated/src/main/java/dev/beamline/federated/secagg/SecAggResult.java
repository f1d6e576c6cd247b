package dev.beamline.federated.secagg;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.Optional;

/**
 * The outcome of a {@link SecAggRound}, as a value: either the sum of the survivors' updates, or the reason the
 * protocol aborted (too few clients left for the threshold, a share that failed authentication, …). An aborted round
 * outputs no sum at all, never a wrong one.
 *
 * <pre>{@code
 * SecAggResult result = round.run(updates, Dropouts.afterShareKeys(Set.of(3)));
 * if (result.aggregated()) {
 *   double[] sum = result.sumOrThrow().sum();
 * } else {
 *   log.warn("secure aggregation aborted: {}", result.abortReason().orElseThrow());
 * }
 * }</pre>
 */
public final class SecAggResult implements Serializable {
  private static final long serialVersionUID = 1L;

  private final SecAggSum sum;
  private final String abortReason;

  private SecAggResult(SecAggSum sum, String abortReason) {
    this.sum = sum;
    this.abortReason = abortReason;
  }

  public static SecAggResult aggregated(SecAggSum sum) {
    return new SecAggResult(checkNotNull(sum, "sum"), null);
  }

  public static SecAggResult aborted(String reason) {
    return new SecAggResult(null, checkNotNull(reason, "reason"));
  }

  public boolean aggregated() {
    return sum != null;
  }

  public Optional<SecAggSum> sum() {
    return Optional.ofNullable(sum);
  }

  /** The sum; throws {@link SecAggException} with the abort reason if the round aborted. */
  public SecAggSum sumOrThrow() {
    if (sum == null) {
      throw new SecAggException("secure aggregation aborted: " + abortReason);
    }
    return sum;
  }

  public Optional<String> abortReason() {
    return Optional.ofNullable(abortReason);
  }

  @Override
  public String toString() {
    return aggregated() ? "SecAggResult{aggregated " + sum.survivors() + "}" : "SecAggResult{aborted: " + abortReason
        + "}";
  }
}
