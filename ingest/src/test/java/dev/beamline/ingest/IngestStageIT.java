package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import com.google.common.base.Throwables;
import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The ingest stage through its contract, on the DirectRunner: plan, prepare, expand, run, describe.
 * JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's
 * immutability and encodability checks are on ({@link PipelineChecksTest}).
 */
public class IngestStageIT {
  private static final String CSV =
      "species,culmen_length_mm,body_mass_g\n"
          + "Adelie,39.1,3750\n"
          + "Gentoo,47.3,5200\n"
          + "Chinstrap,50.0,3900\n";

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path input;
  private Path root;

  @Before
  public void setUp() throws IOException {
    PipelineChecks.enable(p);
    input = folder.newFolder("input").toPath();
    root = folder.newFolder("root").toPath();
  }

  private static List<String> tree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  public void expandOnlyBuildsTheGraphAndTheRunPublishes() throws IOException {
    Path csv = input.resolve("penguins.csv");
    Files.writeString(csv, CSV);
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString()).withSplits(SplitConfig.of(Map.of("all", 1))));
    StageOutput output = RunLayout.of(root, "test", "r1").output(IngestExamples.STAGE);

    Plan<IngestStage.State> plan = stage.prepare(stage.plan(IngestStageTest.CONTEXT), IngestStageTest.CONTEXT);
    PCollection<String> published = stage.expand(p, plan, StageInputs.none(), output);

    // Planning and building the graph created nothing: no output, no staging folder, no pipeline folder.
    assertThat(tree(root)).isEmpty();
    assertThat(tree(input)).containsExactly("penguins.csv");

    PAssert.that(published).containsInAnyOrder(output.dir());
    p.run().waitUntilFinish();

    Path dir = output.path();
    assertThat(tree(dir.getParent())).as("nothing but the output is left").allMatch(f -> f.startsWith("r1"));
    assertThat(tree(dir))
        .containsExactly(
            "dead_letter",
            "dead_letter/rejected-00000-of-00001.jsonl",
            "examples",
            "examples/all",
            "examples/all/part-00000-of-00001.parquet",
            "fingerprint.json",
            "schema.avsc");
    assertThat(IngestOutput.open(output.dir()).readSplit("all")).hasSize(3);

    ExamplesInfo stated = (ExamplesInfo) plan.outputs().get("examples");
    assertThat(stage.readInfo(Port.folder("examples", ArtifactKind.EXAMPLES), output.dir())).isEqualTo(stated);

    String sha = Hashing.sha256().hashBytes(Files.readAllBytes(csv)).toString();
    String dataset = Hashing.sha256().hashString(sha, StandardCharsets.UTF_8).toString();
    Published facts = stage.describe(plan, output.dir());
    assertThat(facts.fingerprint()).isEqualTo(dataset);
    assertThat(facts.summary())
        .containsExactly("3 rows (0 rejected) from 1 file(s), dataset fingerprint " + dataset.substring(0, 16), "splits: all=3");
    assertThat(facts.properties()).containsOnlyKeys("examples");
    assertThat(facts.properties().get("examples").toString())
        .isEqualTo(
            "{\"rows\":3,\"rejected\":0,\"splits\":{\"all\":3},\"spans\":[],\"format\":\"csv\","
                + "\"input_pattern\":\"" + csv + "\","
                + "\"input_files\":[{\"path\":\"" + csv + "\",\"sha256\":\"" + sha + "\",\"rows\":3}]}");
  }

  @Test
  public void provenanceIsPublishedWithTheExamplesAndLeftoverStagingFilesAreNot() throws IOException {
    Path csv = input.resolve("penguins.csv");
    Files.writeString(csv, CSV);
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString()));
    StageOutput output = RunLayout.of(root, "test", "r1").output(IngestExamples.STAGE).withProvenance("{\"run\":1}\n");
    Plan<IngestStage.State> plan = stage.prepare(stage.plan(IngestStageTest.CONTEXT), IngestStageTest.CONTEXT);
    // An earlier attempt at the same output was killed after writing a shard that this run does not write.
    Path stale = output.stagingPath().resolve("examples/train/part-00007-of-00009.parquet");
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "not parquet");

    stage.expand(p, plan, StageInputs.none(), output);
    p.run().waitUntilFinish();

    assertThat(output.path().resolve("examples/train/part-00007-of-00009.parquet")).doesNotExist();
    assertThat(output.path().resolve(StageOutput.PROVENANCE_FILE)).hasContent("{\"run\":1}");
    assertThat(output.stagingPath()).doesNotExist();
    IngestOutput out = IngestOutput.open(output.dir());
    assertThat(out.readSplit("train").size() + out.readSplit("eval").size()).isEqualTo(3);
  }

  @Test
  public void anOutputThatExistsAlreadyFailsTheRunAndIsLeftAlone() throws IOException {
    Path csv = input.resolve("penguins.csv");
    Files.writeString(csv, CSV);
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString()));
    StageOutput output = RunLayout.of(root, "test", "r1").output(IngestExamples.STAGE);
    Files.createDirectories(output.path());
    Files.writeString(output.path().resolve("fingerprint.json"), "{}");
    Plan<IngestStage.State> plan = stage.prepare(stage.plan(IngestStageTest.CONTEXT), IngestStageTest.CONTEXT);

    stage.expand(p, plan, StageInputs.none(), output);

    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .satisfies(
            e ->
                assertThat(Throwables.getCausalChain(e))
                    .anySatisfy(
                        c ->
                            assertThat(c)
                                .isInstanceOf(ConfigException.class)
                                .hasMessage("output " + output.dir() + " exists already: run ids must not be reused")));
    assertThat(tree(output.path())).containsExactly("fingerprint.json");
    assertThat(output.stagingPath()).doesNotExist();
  }
}

