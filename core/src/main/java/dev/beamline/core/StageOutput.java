package dev.beamline.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/**
 * Where one stage of one run publishes its output: a folder, the hidden staging folder beside it that
 * is renamed onto it when the stage is done, the run it belongs to, and the provenance to write with
 * it ({@code provenance.json}, null for none).
 *
 * <pre>{@code
 * StageOutput out = RunLayout.of(root, "penguins", runId).output("ingest");
 * pipeline.apply(IngestExamples.from(config).to(out.withProvenance(json)));
 * }</pre>
 */
public record StageOutput(String dir, String runId, String provenanceJson) implements Serializable {
  /** The file, inside every published output, that says what made it. */
  public static final String PROVENANCE_FILE = "provenance.json";

  public StageOutput {
    checkNotNull(dir, "dir");
    checkNotNull(runId, "runId");
  }

  /** The published folder, on the local file system. */
  public Path path() {
    return Paths.get(dir);
  }

  /** The staging folder on the local file system: {@code .staging-<name>} beside {@link #path()}. */
  public Path stagingPath() {
    return Paths.get(stagingDir());
  }

  /** The staging folder's path or URI: {@code .staging-<name>} beside {@link #dir()}. */
  public String stagingDir() {
    return Storage.stagingOf(dir);
  }

  /** {@code name} inside the staging folder. */
  public String staged(String name) {
    return Storage.resolve(stagingDir(), name);
  }

  /** The same output, with {@code provenanceJson} written beside the artifact when it is published. */
  public StageOutput withProvenance(String provenanceJson) {
    return new StageOutput(dir, runId, provenanceJson);
  }

  /**
   * Publishes an artifact made of small text files: writes each of {@code files} (name to content) and
   * the provenance into the staging folder, then renames it onto the output. Does nothing when the
   * output is already published (a retried step), so it may be called again safely.
   */
  public void publish(Map<String, String> files) {
    if (isPublished()) {
      return;
    }
    files.forEach((name, text) -> Storage.writeString(staged(name), text));
    writeProvenance();
    Storage.publish(stagingDir(), dir);
  }

  /**
   * Whether the output is published and nothing is staged for it: a retried step that published before
   * finds its work done. The one check every publishing step makes.
   */
  public boolean isPublished() {
    return !Storage.exists(stagingDir()) && Storage.exists(dir);
  }

  /** Writes the provenance, if any, into the staging folder; call before publishing it. */
  public void writeProvenance() {
    if (provenanceJson != null) {
      Storage.writeString(staged(PROVENANCE_FILE), provenanceJson);
    }
  }
}
