package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the server learns from a completed round: the sum of the surviving clients' updates, nothing per client.
 *
 * <pre>{@code
 * SecAggSum result = server.aggregate();
 * double[] mean = Arrays.stream(result.sum()).map(s -> s / result.survivors().size()).toArray();
 * }</pre>
 *
 * @param quantizedSum the exact sum Σ_{u∈U3} q_u of the survivors' quantized updates, as signed integers
 * @param sum the same sum decoded: quantizedSum / 2^f
 * @param survivors U3, the clients whose updates are in the sum
 * @param dropped U2 \ U3, the clients that shared keys but whose updates are not in the sum
 */
public record SecAggSum(long[] quantizedSum, double[] sum, SortedSet<Integer> survivors, SortedSet<Integer> dropped)
    implements Serializable {
  public SecAggSum {
    quantizedSum = quantizedSum.clone();
    sum = sum.clone();
    survivors = Collections.unmodifiableSortedSet(new TreeSet<>(survivors));
    dropped = Collections.unmodifiableSortedSet(new TreeSet<>(dropped));
  }

  @Override
  public long[] quantizedSum() {
    return quantizedSum.clone();
  }

  @Override
  public double[] sum() {
    return sum.clone();
  }
}
