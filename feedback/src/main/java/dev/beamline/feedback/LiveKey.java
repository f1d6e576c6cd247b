package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Comparator;

/**
 * What the live metrics are cut by: the model version that answered, the server label the client
 * named ({@code stable}, {@code canary}; null for none), the time window of the request (its start, in
 * seconds since the epoch), and the slice ({@code overall} or e.g. {@code island=Dream}). Encoded as
 * text for grouping, as Beam groups by a deterministic coding.
 *
 * <pre>{@code
 * LiveKey k = new LiveKey(2, "canary", 1764460800, "overall");
 * LiveKey same = LiveKey.decode(k.encode());
 * }</pre>
 */
public record LiveKey(long version, String serverLabel, long windowStart, String slice) {
  private static final char SEP = '\u0001';

  /** Versions, then labels (none first), then windows, then the overall slice before the others, by name. */
  public static final Comparator<LiveKey> ORDER = Comparator.comparingLong(LiveKey::version)
      .thenComparing(LiveKey::serverLabel, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparingLong(LiveKey::windowStart)
      .thenComparing((LiveKey k) -> !k.isOverall())
      .thenComparing(LiveKey::slice);

  public LiveKey {
    checkNotNull(slice, "slice");
    checkArgument(serverLabel == null || serverLabel.indexOf(SEP) < 0, "a server label cannot hold U+0001");
  }

  public boolean isOverall() {
    return slice.equals(dev.beamline.evaluation.SliceSpec.OVERALL);
  }

  public String encode() {
    return version + String.valueOf(SEP) + (serverLabel == null ? "" : "=" + serverLabel) + SEP + windowStart + SEP + slice;
  }

  public static LiveKey decode(String text) {
    String[] p = text.split(String.valueOf(SEP), 4);
    checkArgument(p.length == 4, "not a live metrics key: %s", text);
    return new LiveKey(Long.parseLong(p[0]), p[1].isEmpty() ? null : p[1].substring(1), Long.parseLong(p[2]), p[3]);
  }
}
