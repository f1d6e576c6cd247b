package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.serving.server.LabelMove;
import java.nio.file.Path;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the canary with the stable version on the live metrics ({@link CanaryWindows}) once their
 * folder is published, and publishes {@value CanaryWindows#FILE} atomically. Its input is the live
 * metrics' {@code ready()} signal: one element, the folder. With {@code auto_promote} it acts on the
 * verdict in the server's model config file ({@link #act}) and writes what it did as {@code action}.
 *
 * <pre>{@code
 * PCollection<String> published = liveMetricsDir.apply(CompareCanary.of(CanaryConfig.of()).to(output));
 * }</pre>
 */
public final class CompareCanary extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  private final CanaryConfig config;
  private final StageOutput output;

  private CompareCanary(CanaryConfig config, StageOutput output) {
    this.config = config;
    this.output = output;
  }

  public static CompareCanary of(CanaryConfig config) {
    return new CompareCanary(checkNotNull(config, "config"), null);
  }

  /** Writes into {@code output}. */
  public CompareCanary to(StageOutput output) {
    return new CompareCanary(config, checkNotNull(output, "output"));
  }

  @Override
  public PCollection<String> expand(PCollection<String> liveMetricsDir) {
    checkState(output != null, "CompareCanary needs an output: call to(StageOutput)");
    return liveMetricsDir.apply("Compare", ParDo.of(new CompareFn(config, output))).setCoder(StringUtf8Coder.of());
  }

  /**
   * Acts on the verdict in the server's model config file: {@code promote} moves the stable label to the
   * canary's version, {@code rollback} the canary label back to the stable's, {@code keep} moves nothing.
   * What was done (or why not) is returned, to be written with the verdict; a file that cannot be edited
   * (no such model or label) is reported there, never failing the comparison.
   */
  static ObjectNode act(JsonNode doc, CanaryConfig config) {
    ObjectNode a = JsonNodeFactory.instance.objectNode();
    a.put("model_config", config.modelConfig());
    CanaryComparison.Verdict verdict = CanaryWindows.verdict(doc);
    if (verdict == CanaryComparison.Verdict.KEEP) {
      a.putNull("moved");
      a.put("note", "verdict keep: no label moved");
      return a;
    }
    LabelMove move = verdict == CanaryComparison.Verdict.PROMOTE
        ? LabelMove.of(doc.path("model").asText(), config.canaryLabel(), config.stableLabel())
        : LabelMove.of(doc.path("model").asText(), config.stableLabel(), config.canaryLabel());
    a.put("moved", move.to());
    try {
      LabelMove.Moved m = move.apply(Path.of(config.modelConfig()));
      a.put("to_version", m.version());
      a.put("previous_version", m.previousVersion());
    } catch (ConfigException e) {
      a.putNull("moved");
      a.put(e.getMessage().endsWith("nothing to move") ? "note" : "error", e.getMessage());
    }
    return a;
  }

  /** Reads the live metrics, compares, publishes; a retry finds the output published and does nothing more. */
  private static final class CompareFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CompareFn.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final CanaryConfig config;
    private final StageOutput output;

    CompareFn(CanaryConfig config, StageOutput output) {
      this.config = config;
      this.output = output;
    }

    @ProcessElement
    public void process(@Element String dir, OutputReceiver<String> out) {
      ObjectNode doc;
      try {
        JsonNode metrics = Storage.readJson(Storage.resolve(dir, LiveMetricsDocument.FILE));
        doc = CanaryWindows.compare(metrics, config);
        doc.put("live_metrics", dir);
        if (config.autoPromote() && !output.isPublished()) {
          // The label moves before the verdict is published: a retry moves nothing more ("nothing to move") and publishes.
          doc.set("action", act(doc, config));
        }
        output.publish(Map.of(CanaryWindows.FILE, JSON.writeValueAsString(doc) + "\n"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot compare the canary on " + dir + ": " + e.getMessage(), e);
      }
      LOG.info("canary published {}: {} ({})", output.dir(), doc.path("verdict").asText(), doc.path("reason").asText());
      out.output(output.dir());
    }
  }
}
