package dev.beamline.runner;

import dev.beamline.core.Storage;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up after runs that were killed (SIGKILL, a lost host or container, a process stalled for
 * longer than its lease), from any process on any host, with nothing but the metadata store and the
 * pipeline root.
 *
 * <p>An execution whose lease expired is marked FAILED as killed, its outputs ABANDONED; then its
 * staging folder and any folder it had published (a killed run publishes a stage before the store
 * records it LIVE) are removed, and its outputs marked DELETED. Each step can be interrupted by another
 * kill and is taken up again by the next run: an execution killed but with outputs not yet DELETED is
 * cleaned again. Last, under a local pipeline root, a staging folder of an execution that is no longer
 * RUNNING, or a published folder of a killed execution (one that published after it was taken for
 * killed), is removed.
 *
 * <pre>{@code
 * KilledRuns.reclaim(store);
 * KilledRuns.removeLeftovers(store, spec.root(), spec.name());
 * }</pre>
 */
final class KilledRuns {
  private static final Logger LOG = LoggerFactory.getLogger(KilledRuns.class);
  private static final Pattern OUTPUT_FOLDER = Pattern.compile("(\\.staging-)?([0-9]+)");

  private KilledRuns() {}

  /** Marks FAILED every execution whose lease expired and removes the files of killed executions; returns those it marked. */
  static List<Execution> reclaim(MetadataStore store) {
    List<Execution> killed = new ArrayList<>();
    for (Execution e : store.expiredExecutions()) {
      if (store.failExpired(e)) {
        LOG.warn("execution #{} ({} of run {}) was killed: its lease expired; it is now FAILED", e.id(), e.stage(), e.runId());
        killed.add(e);
      }
    }
    for (Execution e : store.killedWithOutputsLeft()) {
      removeOutputs(store, e);
    }
    return killed;
  }

  /**
   * Removes the folders of the killed execution {@code e} (staged or published), then marks its
   * abandoned outputs DELETED. A folder that cannot be removed now (a file system out of reach) is
   * left for the next run.
   */
  private static void removeOutputs(MetadataStore store, Execution e) {
    List<Artifact> outputs =
        store.eventsOfExecution(e.id()).stream()
            .filter(v -> v.type() == Event.Type.OUTPUT)
            .map(v -> store.artifact(v.artifactId()).orElseThrow())
            .toList();
    try {
      for (Artifact a : outputs) {
        // An output inside another output's folder goes with that folder.
        boolean inside = outputs.stream().anyMatch(o -> a.uri().startsWith(o.uri() + "/"));
        if (!inside) {
          Storage.deleteRecursively(Storage.stagingOf(a.uri()));
          Storage.deleteRecursively(a.uri());
        }
      }
    } catch (RuntimeException ex) {
      LOG.warn("the files of killed execution #{} ({}) cannot be removed now: {}", e.id(), e.stage(), ex.toString());
      return;
    }
    for (Artifact a : outputs) {
      if (a.state() == ArtifactState.ABANDONED) {
        store.setArtifactState(a.id(), ArtifactState.DELETED);
      }
    }
    LOG.info("removed the files of killed execution #{} ({} of run {})", e.id(), e.stage(), e.runId());
  }

  /**
   * Under the local pipeline root {@code root}, removes what no store record accounts for in {@code
   * pipeline}'s stage folders: {@code .staging-<id>} of an execution of that stage that is no longer
   * RUNNING, and {@code <id>} of an execution of that stage that was killed. Folders of executions the
   * store does not know are left alone: they may belong to another store.
   */
  static void removeLeftovers(MetadataStore store, String root, String pipeline) {
    if (!Storage.isLocal(root)) {
      return;
    }
    Path dir = Paths.get(root).toAbsolutePath().normalize().resolve(pipeline);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> stages = Files.list(dir)) {
      for (Path stage : stages.filter(Files::isDirectory).toList()) {
        try (Stream<Path> entries = Files.list(stage)) {
          for (Path entry : entries.toList()) {
            removeIfLeftOver(store, pipeline, stage.getFileName().toString(), entry);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void removeIfLeftOver(MetadataStore store, String pipeline, String stage, Path entry) {
    Matcher m = OUTPUT_FOLDER.matcher(entry.getFileName().toString());
    if (!m.matches()) {
      return;
    }
    boolean staging = m.group(1) != null;
    Optional<Execution> e = store.execution(Long.parseLong(m.group(2)));
    if (e.isEmpty() || !e.get().pipeline().equals(pipeline) || !e.get().stage().equals(stage)) {
      return;
    }
    boolean leftOver = staging ? e.get().state() != ExecutionState.RUNNING : e.get().killed();
    if (leftOver) {
      try {
        Storage.deleteRecursively(entry.toString());
        LOG.info("removed {}: left by execution #{} ({})", entry, e.get().id(), e.get().state());
      } catch (RuntimeException ex) {
        // Another run removing it at the same moment, or a file that cannot be removed now: the next run tries again.
        LOG.warn("cannot remove {} (left by execution #{}): {}", entry, e.get().id(), ex.toString());
      }
    }
  }
}
