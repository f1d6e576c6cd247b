package dev.beamline.runner;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Provenance;
import dev.beamline.core.Storage;
import dev.beamline.evaluation.ModelInputs;
import dev.beamline.flink.FlinkCluster;
import dev.beamline.flink.JobJar;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.ingest.ResolvedInput;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.training.SavedModelExport;
import dev.beamline.training.ServingModel;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import picocli.CommandLine.Option;

/**
 * What {@code beamline predict} and {@code beamline evaluate} share: the model ({@code --model}, a
 * SavedModel folder or {@code name:version} of a pushed model, found in the metadata store), the data
 * ({@code --data}, read as {@code beamline stats} reads files, with the model's input columns read as
 * the model takes them: {@link ModelInputs}), the output folder ({@code --out}, new or empty), and the
 * Beam runner ({@code --runner}, {@code --parallelism}), as {@code beamline run} takes them.
 */
final class ScoringOptions {
  @picocli.CommandLine.Mixin EncryptionOptions encryption;

  /**
   * With {@code --encryption-keyset}: the pipeline root, its serving base and the folder that holds a
   * {@code --model} folder outside them (a serving base: {@code <base>/<name>/<version>}) are read
   * through the keyset. What the command writes into {@code --out} stays in plaintext: the user's
   * output, outside the pipeline root.
   */
  void openEncryption() {
    dev.beamline.core.crypto.ArtifactCipher cipher = encryption.openFor(pipelineRoot.toAbsolutePath().normalize().toString());
    String m = model.trim();
    String dir = absolute(m);
    if (cipher != null && Storage.exists(dir) && dev.beamline.core.crypto.Encryption.binding(dir) == null) {
      dev.beamline.core.crypto.Encryption.register(Storage.parent(Storage.parent(dir)), dev.beamline.core.crypto.Encryption.SERVING, cipher);
    }
  }

  @Option(names = "--model", required = true, paramLabel = "<dir|name:version>",
      description = "The model: a SavedModel folder Beamline exported (a train stage's output, or a pushed version's folder"
          + " <serving_base>/<name>/<version>), or name:version of a pushed model, found in the metadata store (--pipeline-root,"
          + " --metadata-url).")
  String model;

  @Option(names = "--data", required = true, paramLabel = "<path|glob>",
      description = "The rows: a file or a glob (* within a folder, ** across folders) of CSV, TSV, JSON lines, Avro or Parquet"
          + " files, read as beamline stats reads them. Column types are inferred, except for the model's input columns, read as"
          + " the model takes them: a value that cannot be (text in a column the model takes as a number) rejects its row.")
  String data;

  @Option(names = "--out", required = true, paramLabel = "<dir>",
      description = "The output folder. It must not exist, or be empty (else exit 2); it is written beside it, then published"
          + " with one rename.")
  String out;

  @Option(names = "--format", paramLabel = "csv|tsv|jsonl|avro|parquet",
      description = "The data's format (default: from the first file's extension; .tsv is tab-separated). CSV and TSV need a header line.")
  String format;

  @Option(names = "--runner", defaultValue = "direct", paramLabel = "direct|flink",
      description = "Beam runner: direct (default; in this JVM) or flink (embedded Flink unless --flinkMaster=host:port).")
  String runner;

  @Option(names = "--parallelism", defaultValue = "0", paramLabel = "N",
      description = "Worker threads (direct) or task slots (flink); 0 (default): one per core, on a Flink cluster its free task slots.")
  int parallelism;

  @Option(names = "--pipeline-root", defaultValue = "beamline-runs", paramLabel = "<dir>",
      description = "For --model name:version: the folder of all runs, holding metadata.sqlite (default: ./beamline-runs).")
  Path pipelineRoot;

  @Option(names = "--metadata-url", paramLabel = "<jdbc-url>",
      description = "For --model name:version: the JDBC URL of the metadata store; overrides --pipeline-root.")
  String metadataUrl;

  /** The Flink cluster the job runs on; null on the DirectRunner or an embedded Flink. */
  private FlinkCluster cluster;

  /** {@code --out} as a path or URI: local paths made absolute. */
  String outputDir() {
    return absolute(out);
  }

  /** {@code --data}: local paths made absolute. */
  String dataPattern() {
    return absolute(data);
  }

  private static String absolute(String path) {
    return path.contains("://") ? path : Paths.get(path).toAbsolutePath().normalize().toString();
  }

  /**
   * The model's folder: {@code --model} itself when it holds a SavedModel, else the folder the pushed
   * version {@code name:version} was pushed to.
   *
   * @throws ConfigException when {@code --model} names neither
   */
  String modelDir() {
    String m = model.trim();
    String dir = absolute(m);
    if (Storage.exists(Storage.resolve(dir, "saved_model.pb"))) {
      return dir;
    }
    int colon = m.lastIndexOf(':');
    if (colon > 0 && m.substring(colon + 1).matches("\\d+") && !Storage.exists(dir)) {
      return pushed(m.substring(0, colon), Long.parseLong(m.substring(colon + 1)));
    }
    if (Storage.exists(dir)) {
      throw new ConfigException("--model " + m + ": " + dir + " is not a SavedModel folder (it has no saved_model.pb)");
    }
    throw new ConfigException("--model " + m + ": no such folder, and not name:version of a pushed model");
  }

  /** The folder that holds version {@code version} of the pushed model {@code name}. */
  private String pushed(String name, long version) {
    String url = metadataUrl != null ? metadataUrl : PipelineSpec.defaultMetadataUrl(pipelineRoot);
    if (metadataUrl == null && !Files.exists(pipelineRoot.toAbsolutePath().resolve("metadata.sqlite"))) {
      throw new ConfigException("--model " + name + ":" + version + " names a pushed model, but there is no metadata store at "
          + pipelineRoot.toAbsolutePath().normalize().resolve("metadata.sqlite") + " (give --pipeline-root or --metadata-url)");
    }
    try (MetadataStore store = MetadataStore.open(url)) {
      List<PushedVersions.Version> versions = PushedVersions.of(store, name);
      if (versions.isEmpty()) {
        throw new ConfigException("--model " + name + ":" + version + ": no pushed model '" + name + "' in " + store.url());
      }
      Optional<PushedVersions.Version> v = versions.stream().filter(x -> x.record().version() == version).findFirst();
      if (v.isEmpty()) {
        throw new ConfigException("--model " + name + ":" + version + ": model '" + name + "' has no pushed version " + version
            + "; pushed versions: " + String.join(", ", versions.stream().map(x -> x.record().version()).sorted().map(String::valueOf).toList()));
      }
      // The pushed copy; else the model it copied, should the serving folder have been cleaned up.
      for (String dir : java.util.Arrays.asList(v.get().record().servingPath(), v.get().record().modelUri())) {
        if (dir != null && Storage.exists(Storage.resolve(dir, "saved_model.pb"))) {
          return dir;
        }
      }
      throw new ConfigException("--model " + name + ":" + version + ": the pushed folder " + v.get().record().servingPath()
          + " holds no SavedModel any more");
    }
  }

  /** What the model's {@code model.json} says of it. */
  static ServingModel.Description describe(String modelDir) {
    String modelJson = Storage.resolve(Storage.resolve(modelDir, SavedModelExport.EXTRA), "model.json");
    if (!Storage.exists(modelJson)) {
      throw new ConfigException(modelDir + " is not a model Beamline exported: it has no " + SavedModelExport.EXTRA + "/model.json");
    }
    try {
      return ServingModel.describe(modelDir);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new ConfigException(modelDir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The read of {@code --data} for {@code model}: the files listed and their schema inferred now, the
   * model's input columns typed as it takes them; rows that do not fit are an output of the read.
   *
   * @throws ConfigException when nothing matches, the format is unknown, or the data lacks an input of the model
   */
  ReadExamples.KeepingRejected read(ServingModel.Description model) {
    IngestExamples.Config config = IngestExamples.Config.of(dataPattern());
    boolean tsv;
    if (format != null) {
      try {
        config = config.withFormat(InputFormat.parse(format));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--format: unknown format '" + format + "'; expected csv, tsv, jsonl, avro or parquet");
      }
      tsv = format.trim().toLowerCase(Locale.ROOT).equals("tsv");
    } else {
      tsv = data.toLowerCase(Locale.ROOT).endsWith(".tsv");
    }
    if (tsv) {
      config = config.withCsv(CsvFormat.defaults().withDelimiter('\t'));
    }
    ResolvedInput inferred = ResolvedInput.of(config);
    List<String> missing = ModelInputs.missing(inferred.schema(), model);
    if (!missing.isEmpty()) {
      throw new ConfigException("the data " + data + " lacks the model's input column(s) " + missing + " (columns: "
          + inferred.schema().names() + ")");
    }
    return ReadExamples.of(config.withSchema(ModelInputs.readTypes(inferred.schema(), model))).keepingRejected();
  }

  /**
   * Checks that {@code --out} is new or an empty folder.
   *
   * @throws ConfigException when it exists and is not an empty folder
   */
  void checkOutput() {
    String dir = outputDir();
    if (Storage.exists(dir) && !(Storage.isLocal(dir) ? isEmptyFolder(Paths.get(dir)) : Storage.list(dir).isEmpty())) {
      throw new ConfigException("--out " + dir + " exists and is not empty; give a new or an empty folder");
    }
  }

  /**
   * Just before the job: removes an empty {@code --out} folder, which the job publishes anew with one
   * rename, and what a failed run left staged beside it.
   */
  private void clearOutput() {
    checkOutput();
    String dir = outputDir();
    if (Storage.exists(dir)) {
      Storage.deleteRecursively(dir);
    }
    Storage.deleteRecursively(Storage.stagingOf(dir));
  }

  private static boolean isEmptyFolder(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (java.io.IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Beam options for {@code --runner} and {@code beamOptions}, as {@code beamline run} makes them; on a
   * Flink cluster, fitted to it (its free slots, the job jar).
   */
  PipelineOptions pipelineOptions(List<String> beamOptions, String jobName) {
    PipelineOptions options = RunnerOptions.create(runner, parallelism, beamOptions);
    FileSystems.setDefaultPipelineOptions(options);
    if (options instanceof FlinkPipelineOptions flink) {
      flink.setJobName(jobName);
      if (FlinkCluster.isRemote(flink)) {
        cluster = FlinkCluster.prepare(flink, parallelism > 0 || RunnerOptions.given(beamOptions, "parallelism"), JobJar.besides(BeamlineCli.class));
      }
    }
    return options;
  }

  /**
   * Runs {@code pipeline}, which publishes into {@code --out}, to its end; a failure on a Flink cluster is
   * explained as {@code beamline run} explains it.
   */
  void run(Pipeline pipeline, String runId) {
    clearOutput();
    dev.beamline.core.crypto.Encryption.into(pipeline.getOptions());
    PipelineResult.State state;
    try {
      state = pipeline.run().waitUntilFinish();
    } catch (RuntimeException e) {
      throw cluster != null ? cluster.explain(e, runId) : e;
    }
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the job ended " + state);
    }
  }

  /** The provenance written beside the output: versions, runner and options, the command's {@code parameters}. */
  String provenance(String command, String runId, PipelineOptions options, List<String> beamOptions, Map<String, String> seeds,
      ObjectNode parameters) {
    Provenance run = Provenance.ofRun(BeamlineCli.version(), options.getRunner().getSimpleName(),
        new Provenance.RunnerOptions(runner, parallelism, List.copyOf(beamOptions)), seeds, null, null, null);
    return new Provenance(run.beamlineVersion(), run.beamVersion(), run.javaVersion(), run.javaVendor(), run.os(), run.runner(),
        run.runnerOptions(), run.seeds(), null, null, null, command, null, runId, null, BeamlineCli.version(), Instant.now().toString(),
        parameters).toJson();
  }

  /** {@code beamOptions} are all {@code --name=value}; else the argument is a mistake. */
  static void checkBeamOptions(picocli.CommandLine commandLine, List<String> beamOptions) {
    for (String o : beamOptions) {
      if (!o.startsWith("--")) {
        throw new picocli.CommandLine.ParameterException(commandLine, "unexpected argument '" + o + "'");
      }
    }
  }
}
