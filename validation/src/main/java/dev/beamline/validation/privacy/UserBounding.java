package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.avro.generic.GenericRecord;

/**
 * Bounds what one user contributes: of a user's rows, keeps the {@code m} whose content hashes
 * smallest (a choice that is fixed for each row and does not depend on the user's other rows or on
 * their order), so that every sensitivity of a {@link DpQueryPlan} is {@code m} times a row's. Memory
 * is {@code O(m)} whatever the number of rows.
 *
 * <pre>{@code
 * List<GenericRecord> kept = UserBounding.keep(rowsOfOneUser, 2);
 * }</pre>
 */
public final class UserBounding {
  /** The key of rows without a user id: together, they count as one user. */
  public static final String MISSING_USER = "\u0000missing";

  private UserBounding() {}

  /** The user key of a value of the user column: its text, or {@link #MISSING_USER}. */
  public static String userOf(Object value) {
    return value == null ? MISSING_USER : value.toString();
  }

  /** The hash that orders a user's rows: of the row's content, so independent of read order. */
  static long rank(GenericRecord r) {
    return Hashing.murmur3_128().hashString(r.toString(), StandardCharsets.UTF_8).asLong();
  }

  /** The at most {@code m} rows of {@code rows} with the smallest {@link #rank}, smallest first. */
  public static List<GenericRecord> keep(Iterable<GenericRecord> rows, int m) {
    checkArgument(m >= 1, "max_rows_per_user must be >= 1, got %s", m);
    record Ranked(long rank, String text, GenericRecord row) {}
    // Ties of the hash (identical rows, in practice) broken by the text, so the choice never depends on order.
    Comparator<Ranked> order = Comparator.comparingLong(Ranked::rank).thenComparing(Ranked::text);
    PriorityQueue<Ranked> largestFirst = new PriorityQueue<>(order.reversed());
    for (GenericRecord r : rows) {
      largestFirst.add(new Ranked(rank(r), r.toString(), r));
      if (largestFirst.size() > m) {
        largestFirst.poll();
      }
    }
    List<Ranked> kept = new ArrayList<>(largestFirst);
    kept.sort(order);
    List<GenericRecord> out = new ArrayList<>(kept.size());
    kept.forEach(k -> out.add(k.row()));
    return out;
  }
}
