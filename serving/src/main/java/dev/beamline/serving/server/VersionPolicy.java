package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of the versions found on disk a model serves (TF Serving's {@code ServableVersionPolicy}):
 * the {@code latest} N (default 1), {@code all}, or a {@code specific} list.
 *
 * <pre>{@code
 * VersionPolicy.latest(2).select(new TreeSet<>(List.of(1L, 2L, 3L)));   // [2, 3]
 * }</pre>
 */
public sealed interface VersionPolicy {
  /** The versions of {@code onDisk} to serve. */
  NavigableSet<Long> select(NavigableSet<Long> onDisk);

  static VersionPolicy latest(int n) {
    return new Latest(n);
  }

  static VersionPolicy all() {
    return new All();
  }

  static VersionPolicy specific(List<Long> versions) {
    return new Specific(Set.copyOf(versions));
  }

  /** The newest {@code n} versions. */
  record Latest(int n) implements VersionPolicy {
    public Latest {
      checkArgument(n >= 1, "latest: %s must be at least 1", n);
    }

    @Override
    public NavigableSet<Long> select(NavigableSet<Long> onDisk) {
      NavigableSet<Long> out = new TreeSet<>();
      for (Long v : onDisk.descendingSet()) {
        if (out.size() == n) {
          break;
        }
        out.add(v);
      }
      return out;
    }

    @Override
    public String toString() {
      return "latest: " + n;
    }
  }

  /** Every version on disk. */
  record All() implements VersionPolicy {
    @Override
    public NavigableSet<Long> select(NavigableSet<Long> onDisk) {
      return new TreeSet<>(onDisk);
    }

    @Override
    public String toString() {
      return "all";
    }
  }

  /** The listed versions that are on disk. */
  record Specific(Set<Long> versions) implements VersionPolicy {
    public Specific {
      checkArgument(!versions.isEmpty(), "specific: lists no version");
    }

    @Override
    public NavigableSet<Long> select(NavigableSet<Long> onDisk) {
      NavigableSet<Long> out = new TreeSet<>(onDisk);
      out.retainAll(versions);
      return out;
    }

    @Override
    public String toString() {
      return "specific: " + new TreeSet<>(versions);
    }
  }
}
