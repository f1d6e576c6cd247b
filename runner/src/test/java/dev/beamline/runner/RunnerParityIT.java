package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.IngestOutput;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingesting the example on the DirectRunner and on embedded Flink gives the same output. */
class RunnerParityIT {
  @TempDir Path tmp;

  private IngestOutput run(String runner) {
    Path root = tmp.resolve(runner);
    BeamlineCliIT.Result r =
        BeamlineCliIT.cli(
            "run", Paths.get("../examples/penguins/pipeline.yaml").toString(),
            "--runner", runner, "--parallelism", "2", "--pipeline-root", root.toString(), "--run-id", "parity");
    assertThat(r.code()).as(r.err()).isZero();
    return IngestOutput.open(root.resolve("penguins/ingest/1"));
  }

  private static List<String> sorted(IngestOutput out, String split) {
    return out.readSplit(split).stream().map(Object::toString).sorted().toList();
  }

  @Test
  void directAndFlinkWriteTheSameExamples() {
    IngestOutput direct = run("direct");
    IngestOutput flink = run("flink");
    for (String split : List.of("train", "eval")) {
      assertThat(sorted(flink, split)).isEqualTo(sorted(direct, split)).isNotEmpty();
    }
    assertThat(flink.avroSchema()).isEqualTo(direct.avroSchema());
    assertThat(flink.fingerprint()).isEqualTo(direct.fingerprint());
    assertThat(flink.rejectedRows()).isEqualTo(direct.rejectedRows()).isEmpty();
  }
}
