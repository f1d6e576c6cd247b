package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;


import dev.beamline.ingest.InputFormat;
import dev.beamline.validation.local.EngineComparison;
import dev.beamline.validation.StandaloneStatistics;
import dev.beamline.validation.ValidationRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beamline stats} and {@code validate} with either engine, through the real command line. */
class DataCommandsIT {
  private static final Path PENGUINS = Paths.get("../examples/penguins/data/penguins.csv").toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void bothEnginesWriteTheSameStatisticsAndAnomalies() throws Exception {
    BeamlineCliIT.Result local = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--out", tmp.resolve("local").toString());
    assertThat(local.code()).as(local.err()).isZero();
    assertThat(local.out()).contains("data: 344 examples, 7 features").contains("(local engine, ");
    BeamlineCliIT.Result beam =
        BeamlineCliIT.cli("stats", PENGUINS.toString(), "--engine", "beam", "--out", tmp.resolve("beam").toString());
    assertThat(beam.code()).as(beam.err()).isZero();
    assertThat(beam.out()).contains("data: 344 examples, 7 features").contains("(beam engine, direct runner");
    EngineComparison.of(PENGUINS, InputFormat.CSV)
        .check(ValidationRun.readStatistics(tmp.resolve("local")), ValidationRun.readStatistics(tmp.resolve("beam")), "data");
    assertThat(tmp.resolve("local/report.html")).exists();

    // validate, with drift against the other engine's statistics: nothing to report either way.
    Path schema = tmp.resolve("schema.yaml");
    assertThat(BeamlineCliIT.cli("infer-schema", tmp.resolve("beam").toString(), "--out", schema.toString()).code()).isZero();
    for (String engine : new String[] {"local", "beam"}) {
      Path out = tmp.resolve("validate-" + engine);
      BeamlineCliIT.Result v = BeamlineCliIT.cli("validate", PENGUINS.toString(), "--schema", schema.toString(),
          "--baseline", tmp.resolve(engine.equals("local") ? "beam" : "local").toString(), "--engine", engine, "--out", out.toString());
      assertThat(v.code()).as(v.out() + v.err()).isZero();
      assertThat(v.out()).contains("0 anomalies (0 errors)");
      assertThat(Files.readString(out.resolve("anomalies.json"))).contains("\"anomalies_count\" : 0");
      assertThat(out.resolve("statistics.json")).exists();
    }

    // The local engine's file finds the anomaly that the schema expects.
    Files.writeString(schema, Files.readString(schema) + "  wingspan_mm:\n    type: float\n");
    BeamlineCliIT.Result bad = BeamlineCliIT.cli("validate", PENGUINS.toString(), "--schema", schema.toString(), "--out", tmp.resolve("v3").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("ERROR MISSING_FEATURE wingspan_mm (data)");
  }

  @Test
  void engineOptionsAreChecked() {
    BeamlineCliIT.Result unknown = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--engine", "spark", "--out", tmp.resolve("a").toString());
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown --engine 'spark'; expected local or beam");

    BeamlineCliIT.Result both = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--engine", "local", "--runner", "flink", "--out", tmp.resolve("b").toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("--runner applies to --engine beam");

    BeamlineCliIT.Result remote = BeamlineCliIT.cli("stats", "gs://bucket/data.csv", "--engine", "local", "--out", tmp.resolve("c").toString());
    assertThat(remote.code()).isEqualTo(2);
    assertThat(remote.err()).contains("--engine local reads local files only, got 'gs://bucket/data.csv'");

    assertThat(StandaloneStatistics.Engine.choose(null, null, "data.csv")).isEqualTo(StandaloneStatistics.Engine.LOCAL);
    assertThat(StandaloneStatistics.Engine.choose(null, "direct", "data.csv")).isEqualTo(StandaloneStatistics.Engine.BEAM);
    assertThat(StandaloneStatistics.Engine.choose(null, null, "gs://bucket/data.csv")).isEqualTo(StandaloneStatistics.Engine.BEAM);
    assertThat(StandaloneStatistics.Engine.choose("BEAM", null, "data.csv")).isEqualTo(StandaloneStatistics.Engine.BEAM);
  }
}
