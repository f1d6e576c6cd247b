package dev.beamline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.RunLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Ingests one file on Beam's DirectRunner in this JVM and prints what was published, for tests that run
 * ingestion in a JVM of its own with a small heap ({@code -Xmx}): {@code rows=R rejected=J
 * dead_letter_lines=D max_heap=H}, exit code 0; {@code check failed: <message>}, exit code 1, when the
 * data failed a check. Anything else fails with a stack trace.
 *
 * <pre>{@code
 * java -Xmx256m -cp <class path> dev.beamline.ingest.IngestFileMain <input> <pipeline root> <max_rejected_fraction>
 * }</pre>
 */
public final class IngestFileMain {
  private IngestFileMain() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: IngestFileMain <input> <pipeline root> <max_rejected_fraction>");
      System.exit(2);
    }
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setRunner(DirectRunner.class);
    FileSystems.setDefaultPipelineOptions(options);
    IngestExamples.Config config =
        IngestExamples.Config.of(args[0])
            .withSplits(SplitConfig.of(Map.of("all", 1)))
            .withMaxRejectedFraction(Double.parseDouble(args[2]));
    RunLayout layout = RunLayout.of(Path.of(args[1]), "hostile", "run-1");
    Pipeline p = Pipeline.create(options);
    IngestResult result = p.apply(IngestExamples.from(config).to(layout));
    try {
      p.run().waitUntilFinish();
    } catch (RuntimeException e) {
      DataCheckException check = DataCheckException.findIn(e);
      if (check == null) {
        throw e;
      }
      System.out.println("check failed: " + check.getMessage());
      System.exit(1);
    }
    IngestOutput out = IngestOutput.open(result.outputDir());
    JsonNode f = out.fingerprint();
    List<String> dead = out.rejectedRows();
    System.out.printf(
        "rows=%d rejected=%d dead_letter_lines=%d max_heap=%d%n",
        f.get("rows").asLong(), f.get("rejected").asLong(), dead.size(), Runtime.getRuntime().maxMemory());
    System.exit(0);
  }
}
