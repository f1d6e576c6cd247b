package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import dev.beamline.core.Provenance;
import dev.beamline.metadata.MetadataStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift is measured against the statistics of the previous span or version of the data, not against
 * whichever run finished last: two runs of the same data at once leave twin statistics, and the next
 * unchanged run still takes every stage from the cache; new data is compared with the old.
 */
class DriftBaselineIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();

  @TempDir Path tmp;

  /** The example through validation, reading {@code csv}. */
  private Path pipeline(Path csv) throws IOException {
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml")).replace("input: data/penguins.csv", "input: " + csv);
    Path file = tmp.resolve("pipeline.yaml");
    Files.writeString(file, yaml.substring(0, yaml.indexOf("\ntransform:")) + "\n");
    return file;
  }

  private PipelineRun planned(MetadataStore store, PipelineSpec spec, String runId, Pipeline p) {
    // Without the cache, as two first runs of new data would be.
    Provenance provenance = Provenance.ofRun(BeamlineCli.version(), "DirectRunner", null, java.util.Map.of(), null, null, null);
    PipelineRun run = new PipelineRun(store, spec, runId, BeamlineCli.version(), provenance, false);
    assertThat(run.plan(p)).isTrue();
    return run;
  }

  @Test
  void twinRunsOfTheSameDataLeaveTheNextUnchangedRunFullyCachedAndNewDataIsComparedWithTheOld() throws IOException {
    Path csv = tmp.resolve("penguins.csv");
    Files.copy(EXAMPLE.resolve("data/penguins.csv"), csv);
    Path yaml = pipeline(csv);
    Path root = tmp.resolve("runs");
    assertThat(BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root.toString(), "--run-id", "first").code()).isZero();

    // Two runs of the same data at once (here: both planned before either runs), as two users might.
    PipelineSpec spec = PipelineYaml.load(yaml).withRoot(root);
    PipelineOptions options = PipelineOptionsFactory.create();
    try (MetadataStore store = MetadataStore.open(spec.metadataJdbcUrl())) {
      Pipeline a = Pipeline.create(options);
      Pipeline b = Pipeline.create(options);
      PipelineRun runA = planned(store, spec, "twin-a", a);
      PipelineRun runB = planned(store, spec, "twin-b", b);
      assertThat(a.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
      runA.succeeded();
      assertThat(b.run().waitUntilFinish()).isEqualTo(PipelineResult.State.DONE);
      runB.succeeded();
    }

    BeamlineCliIT.Result unchanged = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root.toString(), "--run-id", "again");
    assertThat(unchanged.code()).as(unchanged.err()).isZero();
    assertThat(unchanged.out()).contains("(from cache: ingest, statistics, schema, validate)");

    // New data (a version with one more row): validated against the statistics of the old data.
    Files.writeString(csv, "Adelie,Dream,40.0,18.0,190,3900,MALE\n", java.nio.file.StandardOpenOption.APPEND);
    BeamlineCliIT.Result changed = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root.toString(), "--run-id", "new-data");
    assertThat(changed.code()).as(changed.err()).isZero();
    assertThat(changed.out()).contains("345 rows").contains("drift against " + root.resolve("penguins/statistics"));
  }
}
