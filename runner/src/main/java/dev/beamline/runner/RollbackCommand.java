package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FolderFingerprint;
import dev.beamline.core.Storage;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.push.ModelPush;
import dev.beamline.serving.push.PushRecord;
import dev.beamline.serving.push.PushStage;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline rollback <name> --to <version>}: serves an earlier pushed version again by
 * re-publishing it as the newest version (TensorFlow Serving serves the largest), with the push
 * stage's own atomic copy ({@link ModelPush}). The store records a {@code rollback} execution that read
 * the earlier version's {@code PUSHED_MODEL} artifact and wrote the new one, so lineage shows where the
 * served model came from.
 */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Serves an earlier pushed version of a model again: re-publishes <serving_base>/<name>/<version> as the",
      "newest version (the one TensorFlow Serving serves) and records it, with its lineage, in the metadata store."
    })
final class RollbackCommand implements Callable<Integer> {
  /** The stage name of the executions recorded. */
  static final String STAGE = "rollback";
  /** The role of the version read and of the version written. */
  static final String ROLE = "pushed_model";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "<name>", description = "The model's name, as 'beamline models' lists it.")
  String name;

  @Option(names = "--to", required = true, paramLabel = "<version>", description = "The pushed version to serve again.")
  long version;

  @Override
  public Integer call() throws Exception {
    // Serving bases on HDFS or any file system whose Beam registrar is on the class path.
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      PushedVersions.Version from = find(s);
      String modelDir = from.modelDir();
      ModelPush push = ModelPush.into(Storage.parent(modelDir), name);
      Optional<Long> latest = push.latest();
      if (latest.isPresent() && latest.get() == version) {
        throw new ConfigException("version " + version + " of model '" + name + "' is the newest in " + modelDir
            + ", the one served already: nothing to roll back");
      }
      Rolled r = rollBack(s, from, push);
      if (store.json) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("name", name).put("from_version", version).put("version", r.record().version()).put("serving_path", r.record().servingPath())
            .put("artifact_id", r.artifactId()).put("execution_id", r.executionId());
        out.println(o.toPrettyString());
      } else {
        out.printf("rolled back %s: version %d re-published as version %d%n", name, version, r.record().version());
      }
    }
    return BeamlineCli.OK;
  }

  /**
   * The recorded version to roll back to, whose folder still exists.
   *
   * @throws ConfigException naming the known models or versions when there is none
   */
  private PushedVersions.Version find(MetadataStore s) {
    List<PushedVersions.Version> all = PushedVersions.of(s, null);
    List<PushedVersions.Version> ofName = all.stream().filter(v -> v.record().modelName().equals(name)).toList();
    if (ofName.isEmpty()) {
      TreeSet<String> names = all.stream().map(v -> v.record().modelName()).collect(Collectors.toCollection(TreeSet::new));
      throw new ConfigException("no model '" + name + "' was pushed (metadata store " + s.url() + ")"
          + (names.isEmpty() ? "; no model was pushed at all" : "; pushed models: " + String.join(", ", names)));
    }
    PushedVersions.Version from = ofName.stream().filter(v -> v.record().version() == version).findFirst().orElseThrow(() ->
        new ConfigException("model '" + name + "' has no pushed version " + version + "; pushed versions: "
            + ofName.stream().map(v -> v.record().version()).collect(Collectors.toCollection(TreeSet::new)).stream()
                .map(String::valueOf).collect(Collectors.joining(", "))));
    if (!Storage.exists(from.record().servingPath())) {
      throw new ConfigException("version " + version + " of model '" + name + "' was pushed to " + from.record().servingPath()
          + ", which no longer exists");
    }
    return from;
  }

  /** A version re-published, as recorded. */
  private record Rolled(PushRecord record, long artifactId, long executionId) {}

  /** Copies {@code from} as the next version and records the execution, its input and its output. */
  private Rolled rollBack(MetadataStore s, PushedVersions.Version from, ModelPush push) {
    String pipeline = PushedVersions.pipelineOf(s, from.artifact()).orElse(name);
    ObjectNode parameters = new ObjectMapper().createObjectNode()
        .put("model_name", name).put("to_version", version).put("serving_base", push.servingBase());
    CommandExecution.Recorded<PushRecord> r = CommandExecution.record(s, pipeline, STAGE, parameters,
        Optional.of(new CommandExecution.Input(from.artifact().id(), ROLE)),
        () -> {
          ModelPush.Pushed pushed = push.push(from.record().servingPath());
          return from.record().republishedAs(pushed.version(), pushed.path(), Instant.now().toString());
        },
        record -> new CommandExecution.Output(PushStage.PUSHED_MODEL.name(), record.servingPath(),
            FolderFingerprint.sha256(record.servingPath(), rel -> true), record.toJson(), ROLE));
    return new Rolled(r.value(), r.artifactId(), r.executionId());
  }
}
