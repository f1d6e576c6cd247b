package dev.beamline.federated.secagg;

import java.io.Serializable;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which clients of a simulated round ({@link SecAggRound}) stop responding, and after which round.
 *
 * <pre>{@code
 * Dropouts dropouts = Dropouts.afterShareKeys(Set.of(2, 7));   // 2 and 7 never send masked inputs
 * }</pre>
 *
 * @param afterAdvertiseKeys advertise keys, then never share them: not part of the sum, no masks to remove
 * @param afterShareKeys share keys, then never send a masked input: their pairwise masks are removed by the server
 * @param afterMaskedInput send a masked input, then never answer the unmasking request: still in the sum
 */
public record Dropouts(
    SortedSet<Integer> afterAdvertiseKeys, SortedSet<Integer> afterShareKeys, SortedSet<Integer> afterMaskedInput)
    implements Serializable {
  public Dropouts {
    afterAdvertiseKeys = Collections.unmodifiableSortedSet(new TreeSet<>(afterAdvertiseKeys));
    afterShareKeys = Collections.unmodifiableSortedSet(new TreeSet<>(afterShareKeys));
    afterMaskedInput = Collections.unmodifiableSortedSet(new TreeSet<>(afterMaskedInput));
    SortedSet<Integer> seen = new TreeSet<>(afterAdvertiseKeys);
    for (int id : afterShareKeys) {
      if (!seen.add(id)) {
        throw new IllegalArgumentException("client " + id + " drops out twice");
      }
    }
    for (int id : afterMaskedInput) {
      if (!seen.add(id)) {
        throw new IllegalArgumentException("client " + id + " drops out twice");
      }
    }
  }

  public static Dropouts none() {
    return new Dropouts(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
  }

  /** The paper's main case: these clients share keys and then never send their masked inputs. */
  public static Dropouts afterShareKeys(java.util.Set<Integer> clients) {
    return new Dropouts(new TreeSet<>(), new TreeSet<>(clients), new TreeSet<>());
  }
}
