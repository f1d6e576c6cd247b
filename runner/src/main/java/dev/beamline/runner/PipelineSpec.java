package dev.beamline.runner;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.crypto.Encryption;
import dev.beamline.core.crypto.EncryptionConfig;
import dev.beamline.core.stage.Stage;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A whole Beamline pipeline, as a value: its name, the root folder of its runs, its metadata store and
 * its stages. A YAML file ({@link PipelineYaml}) and this Java API build the same value; the runner
 * ({@link PipelineRun}) orders the stages by the artifact kinds they consume and produce, so they may
 * be given in any order.
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineSpec.named("penguins")
 *     .withRoot(Paths.get("beamline-runs"))
 *     .withStage(new IngestStage(IngestExamples.Config.of("examples/penguins/data/penguins.csv")));
 * }</pre>
 */
public record PipelineSpec(String name, String root, String metadataUrl, List<Stage<?>> stages, EncryptionConfig encryption) {
  /** Where runs go when neither the file nor the command line says: {@code beamline-runs} in the working folder. */
  public static final String DEFAULT_ROOT = "beamline-runs";

  public PipelineSpec {
    checkArgument(
        name != null && name.matches("[A-Za-z0-9][A-Za-z0-9._-]*"),
        "pipeline name '%s' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit",
        name);
    checkNotNull(root, "root");
    // A local folder is named by its absolute path, so that outputs and the store agree on it.
    root = Storage.isLocal(root) ? Paths.get(root).toAbsolutePath().normalize().toString() : root;
    stages = List.copyOf(stages);
  }

  /** A pipeline called {@code name}, with runs under {@link #DEFAULT_ROOT} and no stage yet. */
  public static PipelineSpec named(String name) {
    return new PipelineSpec(name, DEFAULT_ROOT, null, List.of(), null);
  }

  /** Runs go under the local folder {@code root}. */
  public PipelineSpec withRoot(Path root) {
    return withRoot(checkNotNull(root, "root").toString());
  }

  /**
   * Runs go under {@code root}: a local folder or the URI of any file system Beam supports (e.g. {@code
   * hdfs://namenode:8020/beamline-runs}); the metadata store is then named explicitly.
   */
  public PipelineSpec withRoot(String root) {
    return new PipelineSpec(name, checkNotNull(root, "root"), metadataUrl, stages, encryption);
  }

  /**
   * Records runs in the metadata store at {@code jdbcUrl} ({@code jdbc:sqlite:...} or {@code
   * jdbc:postgresql://...}); null (the default) means the SQLite file {@code <root>/metadata.sqlite}.
   */
  public PipelineSpec withMetadataUrl(String jdbcUrl) {
    return new PipelineSpec(name, root, jdbcUrl, stages, encryption);
  }

  /**
   * Adds {@code stage}.
   *
   * @throws IllegalArgumentException when the pipeline has a stage of that name already
   */
  public PipelineSpec withStage(Stage<?> stage) {
    checkNotNull(stage, "stage");
    checkArgument(stage(stage.name()).isEmpty(), "pipeline '%s' has a stage '%s' already", name, stage.name());
    List<Stage<?>> more = new ArrayList<>(stages);
    more.add(stage);
    return new PipelineSpec(name, root, metadataUrl, more, encryption);
  }

  /**
   * Encrypts every artifact holding data or a model with the keyset of {@code config} (null: none). See
   * {@link #openEncryption}.
   */
  public PipelineSpec withEncryption(EncryptionConfig config) {
    return new PipelineSpec(name, root, metadataUrl, stages, config);
  }

  /**
   * Opens the keyset, when the pipeline has one, and registers the root as encrypted ({@link
   * Encryption#openRoot}): every later read and write below it goes through the keyset. Called before
   * anything is written, so that a wrong or missing key stops a command with nothing written.
   *
   * @throws ConfigException when the keyset or its master key is missing or wrong, when the root was
   *     encrypted with another keyset, or when it was encrypted and the pipeline names no keyset
   */
  public void openEncryption() {
    if (encryption != null) {
      Encryption.openRoot(root, encryption.open());
    } else {
      Encryption.refuseUnkeyed(root);
    }
  }

  /** Adds each of {@code more}. */
  public PipelineSpec withStages(List<? extends Stage<?>> more) {
    PipelineSpec s = this;
    for (Stage<?> stage : more) {
      s = s.withStage(stage);
    }
    return s;
  }

  /** The stage called {@code stageName}, if the pipeline has it. */
  public Optional<Stage<?>> stage(String stageName) {
    return stages.stream().filter(s -> s.name().equals(stageName)).findFirst();
  }

  /** The pipeline's stage of type {@code type}, if it has one. */
  public <T extends Stage<?>> Optional<T> stage(Class<T> type) {
    return stages.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /**
   * The JDBC URL of the metadata store this pipeline records into.
   *
   * @throws ConfigException when none is named and the root is not local (SQLite needs a local file)
   */
  public String metadataJdbcUrl() {
    if (metadataUrl != null) {
      return metadataUrl;
    }
    if (!Storage.isLocal(root)) {
      throw new ConfigException(
          "pipeline '" + name + "' has its root on " + root + ": name a metadata store with pipeline.metadata or --metadata-url"
              + " (the default SQLite file must be on a local disk)");
    }
    return defaultMetadataUrl(Paths.get(root));
  }

  /** The default store of runs under {@code root}: the SQLite file {@code <root>/metadata.sqlite}. */
  public static String defaultMetadataUrl(Path root) {
    return "jdbc:sqlite:" + root.toAbsolutePath().normalize().resolve("metadata.sqlite");
  }
}
