package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.serving.server.LabelMove;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline promote <model> --label canary --to stable --model-config <file>}: moves a label in the
 * model server's config file to the version another label names ({@link LabelMove}: in place, comments
 * kept, one atomic rename; the server picks it up on its next poll) and records it in the metadata store:
 * a {@code promote} execution with the model, the labels and the versions as parameters, its input the
 * promoted version's {@code PUSHED_MODEL} artifact when the store knows it, its output a {@code
 * MODEL_CONFIG} artifact (the file, the SHA-256 of its new text, the model's labels).
 */
@Command(
    name = "promote",
    mixinStandardHelpOptions = true,
    description = {
      "Moves a label of a model in the model server's config file to the version another label names (by default",
      "stable to the canary's version; the canary label stays) and records the change in the metadata store."
    })
final class PromoteCommand implements Callable<Integer> {
  /** The stage name of the executions recorded. */
  static final String STAGE = "promote";
  /** The artifact type of the model config file written. */
  static final String MODEL_CONFIG = "MODEL_CONFIG";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Parameters(index = "0", paramLabel = "<model>", description = "The model's name in the config file.")
  String model;

  @Option(names = "--label", defaultValue = "canary", paramLabel = "<label>", description = "The label whose version is promoted (default: canary).")
  String from;

  @Option(names = "--to", defaultValue = "stable", paramLabel = "<label>", description = "The label that moves to it (default: stable).")
  String to;

  @Option(names = "--model-config", required = true, paramLabel = "<file>", description = "The server's --model-config file, rewritten in place.")
  Path modelConfig;

  @Override
  public Integer call() throws Exception {
    // Base paths on HDFS or any file system whose Beam registrar is on the class path.
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    PrintWriter out = spec.commandLine().getOut();
    LabelMove move;
    try {
      move = LabelMove.of(model, from, to);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    if (!Files.isRegularFile(modelConfig)) {
      throw new ConfigException("no model config file " + modelConfig);
    }
    // Refusals (no such model or label, nothing to move) come before anything is recorded or written.
    LabelMove.Moved planned = move.edit(Files.readString(modelConfig), modelConfig.toString(), modelConfig.toAbsolutePath().getParent());
    try (MetadataStore s = store.open()) {
      Recorded r = promote(s, move, planned);
      LabelMove.Moved m = r.moved();
      if (store.json) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", model).put("from_label", from).put("to_label", to).put("version", m.version());
        o.put("previous_version", m.previousVersion()).put("model_config", modelConfig.toAbsolutePath().toString());
        o.put("comments_kept", m.commentsKept()).put("execution_id", r.executionId()).put("artifact_id", r.artifactId());
        out.println(o.toPrettyString());
      } else {
        out.printf("promoted %s: label '%s' now names version %d (was %s), as '%s' does; %s rewritten%s%n", model, to, m.version(),
            m.previousVersion() == null ? "unset" : "version " + m.previousVersion(), from, modelConfig,
            m.commentsKept() ? "" : " (without its comments: its labels were not in a form edited in place)");
      }
    }
    return BeamlineCli.OK;
  }

  private record Recorded(LabelMove.Moved moved, long executionId, long artifactId) {}

  private Recorded promote(MetadataStore s, LabelMove move, LabelMove.Moved planned) {
    Optional<PushedVersions.Version> pushed = PushedVersions.of(s, model).stream()
        .filter(v -> Path.of(v.record().servingPath()).normalize().equals(Path.of(planned.versionDir()).normalize()))
        .findFirst();
    String pipeline = pushed.flatMap(v -> PushedVersions.pipelineOf(s, v.artifact())).orElse(model);
    ObjectNode parameters = new ObjectMapper().createObjectNode()
        .put("model", model).put("from_label", from).put("to_label", to)
        .put("version", planned.version()).put("previous_version", planned.previousVersion())
        .put("model_config", modelConfig.toAbsolutePath().toString());
    CommandExecution.Recorded<LabelMove.Moved> r = CommandExecution.record(s, pipeline, STAGE, parameters,
        pushed.map(v -> new CommandExecution.Input(v.artifact().id(), "pushed_model")), () -> move.apply(modelConfig),
        m -> {
          ObjectNode props = new ObjectMapper().createObjectNode().put("model", model);
          ObjectNode labels = props.putObject("labels");
          m.labels().forEach(labels::put);
          String fingerprint = com.google.common.hash.Hashing.sha256().hashString(m.text(), StandardCharsets.UTF_8).toString();
          return new CommandExecution.Output(MODEL_CONFIG, modelConfig.toAbsolutePath().toString(), fingerprint, props, "model_config");
        });
    return new Recorded(r.value(), r.executionId(), r.artifactId());
  }
}
