package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.Storage;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The files of an exported model, in memory: each file's path relative to the model folder (with '/',
 * e.g. {@code variables/variables.index}) to its content. {@link SavedModelExport} renders a model
 * into one without touching local disk, and {@link #writeTo} writes every file through {@link
 * Storage}, the one place artifact files are written (and encrypted at rest).
 *
 * <p>The map is sorted by path and cannot be changed; the byte arrays are the caller's and are not
 * copied.
 *
 * <pre>{@code
 * ModelFiles files = SavedModelExport.render(spec, weights, history, privacy, provenanceJson);
 * files.writeTo(output.stagingDir());
 * }</pre>
 */
public record ModelFiles(Map<String, byte[]> files) {
  public ModelFiles {
    checkNotNull(files, "files");
    for (String path : files.keySet()) {
      checkArgument(!path.isEmpty() && !path.startsWith("/") && !path.contains("\\") && !path.contains(".."),
          "a model file's path must be relative, with '/', and inside the model folder, got '%s'", path);
    }
    files = Collections.unmodifiableMap(new TreeMap<>(files));
  }

  /** The relative paths of the files, sorted. */
  public Set<String> paths() {
    return files.keySet();
  }

  /** The content of the file {@code path}. */
  public byte[] content(String path) {
    byte[] c = files.get(path);
    checkArgument(c != null, "the model has no file '%s'; it has %s", path, files.keySet());
    return c;
  }

  /** Writes every file into the folder {@code dir} (a path or a URI of any file system Beam supports) with {@link Storage#write}. */
  public void writeTo(String dir) {
    files.forEach((path, content) -> Storage.write(Storage.resolve(dir, path), content));
  }
}
