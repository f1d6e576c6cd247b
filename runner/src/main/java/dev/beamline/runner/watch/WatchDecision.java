package dev.beamline.runner.watch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Whether a watch runs its pipeline now, and why: a plain function of the input state now, the last run
 * the watch started (as the metadata store recorded it), the interval, and the retrain trigger of that
 * run. In order: no input file yet: wait; never run: run; the last run did not finish (its watch was
 * killed): run; new spans, versions or changed files (the pipeline file's too): run, naming them; the last run's retrain trigger
 * fired: run; the interval has passed since the last run started: run; else wait. A run that failed is
 * not retried on unchanged input: its input state counts as seen.
 *
 * <pre>{@code
 * WatchDecision d = WatchDecision.decide(inputs.scan(), lastRun, Optional.of(Duration.ofDays(1)), Instant.now(), Optional.empty());
 * if (d.run()) { ... start a run, recorded with d.reason() ... }
 * }</pre>
 */
public record WatchDecision(boolean run, String reason) {
  /** The most files a reason names of one kind; the others are counted. */
  static final int NAMED_FILES = 3;

  /**
   * The last run a watch started: its id, when it started, the input state it was started for, and
   * whether it finished (with its exit code) or its watch stopped while it ran.
   */
  public record LastRun(String runId, Instant started, InputState inputs, boolean finished, Integer exitCode) {}

  /** Runs the pipeline, because of {@code reason}. */
  public static WatchDecision run(String reason) {
    return new WatchDecision(true, reason);
  }

  /** Waits, because of {@code reason}. */
  public static WatchDecision idle(String reason) {
    return new WatchDecision(false, reason);
  }

  /**
   * The decision for the input state {@code now} of the files, given the {@code last} run the watch
   * started (empty: none yet), the {@code interval} between runs (empty: runs only on new input), the
   * time {@code at}, and the reasons of the last run's retrain trigger if it fired.
   */
  public static WatchDecision decide(
      InputState now, Optional<LastRun> last, Optional<Duration> interval, Instant at, Optional<String> retrainFired) {
    if (now.files().stream().allMatch(f -> f.role().equals("pipeline"))) {
      return idle("no input file yet");
    }
    if (last.isEmpty()) {
      return run("first run: no run of this watch is recorded");
    }
    LastRun l = last.get();
    if (!l.finished()) {
      return run("the last run " + l.runId() + " did not finish: its watch stopped while it ran");
    }
    List<String> reasons = new ArrayList<>(changes(l.inputs(), now));
    retrainFired.ifPresent(r -> reasons.add("retrain trigger fired: " + r));
    if (!reasons.isEmpty()) {
      return run(String.join("; ", reasons));
    }
    if (interval.isPresent()) {
      Instant due = l.started().plus(interval.get());
      if (!at.isBefore(due)) {
        return run("interval " + DurationText.format(interval.get()) + " elapsed since run " + l.runId() + " started at " + l.started());
      }
      return idle("no change since run " + l.runId() + "; next run by interval at " + due);
    }
    return idle("no change since run " + l.runId());
  }

  /** What changed from {@code before} to {@code after}: per role, new spans and versions, then files added, changed, removed. */
  static List<String> changes(InputState before, InputState after) {
    Map<String, InputState.File> old = new LinkedHashMap<>();
    for (InputState.File f : before.files()) {
      old.put(f.key(), f);
    }
    Map<String, InputState.File> now = new LinkedHashMap<>();
    for (InputState.File f : after.files()) {
      now.put(f.key(), f);
    }
    TreeSet<String> roles = new TreeSet<>();
    before.files().forEach(f -> roles.add(f.role()));
    after.files().forEach(f -> roles.add(f.role()));
    List<String> out = new ArrayList<>();
    for (String role : List.of("pipeline", "input", "labels", "request_log")) {
      if (roles.remove(role)) {
        out.addAll(changes(role, before.files(role), after.files(role), old, now));
      }
    }
    for (String role : roles) {
      out.addAll(changes(role, before.files(role), after.files(role), old, now));
    }
    return out;
  }

  private static List<String> changes(
      String role, List<InputState.File> before, List<InputState.File> after, Map<String, InputState.File> old, Map<String, InputState.File> now) {
    TreeSet<Long> spansBefore = new TreeSet<>();
    TreeSet<String> versionsBefore = new TreeSet<>();
    for (InputState.File f : before) {
      if (f.span() != null) {
        spansBefore.add(f.span());
        versionsBefore.add(f.span() + "/" + f.version());
      }
    }
    TreeSet<Long> newSpans = new TreeSet<>();
    // span -> new versions of a span seen before
    Map<Long, TreeSet<Long>> newVersions = new java.util.TreeMap<>();
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (InputState.File f : after) {
      InputState.File o = old.get(f.key());
      if (o == null) {
        if (f.span() != null && !spansBefore.contains(f.span())) {
          newSpans.add(f.span());
        } else if (f.version() != null && !versionsBefore.contains(f.span() + "/" + f.version())) {
          newVersions.computeIfAbsent(f.span(), s -> new TreeSet<>()).add(f.version());
        } else {
          added.add(f.path());
        }
      } else if (o.bytes() != f.bytes() || o.modified() != f.modified()) {
        changed.add(f.path());
      }
    }
    for (InputState.File f : before) {
      if (!now.containsKey(f.key())) {
        removed.add(f.path());
      }
    }
    String of = " of " + role;
    List<String> out = new ArrayList<>();
    if (!newSpans.isEmpty()) {
      out.add((newSpans.size() == 1 ? "new span " : "new spans ") + join(newSpans) + of);
    }
    newVersions.forEach((span, versions) -> out.add((versions.size() == 1 ? "new version " : "new versions ") + join(versions) + " of span " + span + of));
    if (!added.isEmpty()) {
      out.add(files(added.size()) + " added" + of + " (" + names(added) + ")");
    }
    if (!changed.isEmpty()) {
      out.add(files(changed.size()) + " changed" + of + " (" + names(changed) + ")");
    }
    if (!removed.isEmpty()) {
      out.add(files(removed.size()) + " removed" + of + " (" + names(removed) + ")");
    }
    return out;
  }

  private static String join(Iterable<Long> numbers) {
    List<String> s = new ArrayList<>();
    numbers.forEach(n -> s.add(String.valueOf(n)));
    return String.join(", ", s);
  }

  private static String files(int n) {
    return n == 1 ? "1 file" : n + " files";
  }

  private static String names(List<String> paths) {
    List<String> named = new ArrayList<>(paths.subList(0, Math.min(NAMED_FILES, paths.size())));
    if (paths.size() > NAMED_FILES) {
      named.add("and " + (paths.size() - NAMED_FILES) + " more");
    }
    return String.join(", ", named);
  }
}
