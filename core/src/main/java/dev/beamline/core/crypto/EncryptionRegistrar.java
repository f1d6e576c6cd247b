package dev.beamline.core.crypto;

import java.util.List;
import org.apache.beam.sdk.io.FileSystem;
import org.apache.beam.sdk.io.FileSystemRegistrar;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Registers a run's encrypted roots in a worker's process: Beam hands every worker the pipeline options
 * and sets up its file systems from them ({@code FileSystems.setDefaultPipelineOptions}, called when the
 * options are deserialized), which calls each {@link FileSystemRegistrar}. This one adds no file system;
 * it opens the keysets of {@link EncryptionPipelineOptions} with the worker's master key variable and
 * registers their roots, so that {@link dev.beamline.core.Storage} encrypts on a Flink TaskManager as it
 * does in the process that submitted the run.
 */
public final class EncryptionRegistrar implements FileSystemRegistrar {
  @Override
  public Iterable<FileSystem<?>> fromOptions(PipelineOptions options) {
    String roots = options == null ? null : options.as(EncryptionPipelineOptions.class).getBeamlineEncryptedRoots();
    if (roots != null && !roots.isBlank()) {
      Encryption.registerAll(roots);
    }
    return List.of();
  }
}
