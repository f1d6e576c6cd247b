package dev.beamline.core.stage;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ArtifactKind;

/**
 * One artifact that a stage consumes or produces: its role in the lineage graph (e.g. {@code
 * examples}), its kind, and whether the stage can do without it.
 *
 * <p>A consumed port is wired by kind to the one stage of the pipeline that produces that kind; a
 * required port with no producer is a configuration error. A produced port names where the artifact
 * lies inside the stage's output folder: the folder itself ({@code path} empty, the stage's main
 * artifact, declared first) or a file or folder inside it.
 *
 * <pre>{@code
 * List<Port> consumes = List.of(Port.required("examples", ArtifactKind.EXAMPLES));
 * List<Port> produces = List.of(Port.folder("statistics", ArtifactKind.STATISTICS));
 * }</pre>
 */
public record Port(String role, ArtifactKind kind, boolean optional, String path) {
  public Port {
    checkArgument(role != null && role.matches("[a-z][a-z0-9_]*"), "port role '%s' must be snake_case", role);
    checkNotNull(kind, "kind");
    checkNotNull(path, "path");
  }

  /** An input the stage cannot run without. */
  public static Port required(String role, ArtifactKind kind) {
    return new Port(role, kind, false, "");
  }

  /** An input the stage reads (or waits for) when the pipeline has a producer of it. */
  public static Port optional(String role, ArtifactKind kind) {
    return new Port(role, kind, true, "");
  }

  /** The stage's main output: its whole output folder. */
  public static Port folder(String role, ArtifactKind kind) {
    return new Port(role, kind, false, "");
  }

  /** A further output inside the stage's output folder, at {@code path} relative to it. */
  public static Port inside(String role, ArtifactKind kind, String path) {
    checkArgument(path != null && !path.isEmpty() && !path.startsWith("/"), "path '%s' must be relative and not empty", path);
    return new Port(role, kind, false, path);
  }
}
