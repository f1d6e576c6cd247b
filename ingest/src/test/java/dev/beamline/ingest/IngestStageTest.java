package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.RunLayout;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the ingest stage plans before the graph is built. */
class IngestStageTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(List.of(FeatureSpec.of("species", FeatureType.STRING), FeatureSpec.of("mass", FeatureType.INT)));

  /** The context of a stage that consumes nothing, in a run without a metadata store. */
  static final PlanContext CONTEXT = PlanContext.of("test", StageInputs.none());

  @TempDir Path tmp;

  private Path write(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
    return p;
  }

  @Test
  void consumesNothingAndProducesExamples() {
    IngestStage stage = new IngestStage(IngestExamples.Config.of("in.csv"));
    assertThat(stage.name()).isEqualTo(IngestExamples.STAGE);
    assertThat(stage.consumes()).isEmpty();
    assertThat(stage.produces()).containsExactly(Port.folder("examples", ArtifactKind.EXAMPLES));
  }

  @Test
  void planFingerprintsEachFileByPathSizeAndModificationTime() throws IOException {
    Path a = write("in/a.csv", "species,mass\nAdelie,3750\n");
    Path b = write("in/b.csv", "species,mass\nGentoo,5200\nGentoo,5100\n");
    IngestStage stage = new IngestStage(IngestExamples.Config.of(tmp.resolve("in/*.csv").toString()).withSchema(SCHEMA));

    Plan<IngestStage.State> plan = stage.plan(CONTEXT);

    assertThat(plan.externalInputs()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      Path file = List.of(a, b).get(i);
      long modified = Files.getLastModifiedTime(file).toMillis();
      ExternalInput in = plan.externalInputs().get(i);
      assertThat(in.role()).isEqualTo("raw_data");
      assertThat(in.kind()).isEqualTo(ArtifactKind.RAW_DATA);
      assertThat(in.uri()).isEqualTo(file.toString());
      assertThat(in.fingerprint())
          .isEqualTo(
              Hashing.sha256().hashString(file + "\n" + Files.size(file) + "\n" + modified, StandardCharsets.UTF_8).toString());
      assertThat(in.properties().toString()).isEqualTo("{\"bytes\":" + Files.size(file) + ",\"modified_ms\":" + modified + "}");
      assertThat(in.artifactId()).isNull();
    }
    // Nothing is read yet: a declared schema may give some columns only, and the files tell the others.
    assertThat(plan.outputs()).isEmpty();
    assertThat(plan.state().input()).isNull();
    Plan<IngestStage.State> prepared = stage.prepare(plan, CONTEXT);
    assertThat(prepared.outputs()).isEqualTo(Map.of("examples", new ExamplesInfo(SCHEMA, List.of("train", "eval"))));
  }

  @Test
  void aSchemaDeclaringSomeColumnsIsCompletedByInferenceOncePrepared() throws IOException {
    Path csv = write("in/a.csv", "species,mass,seen\nAdelie,3750,2012-01-01\nGentoo,5200.5,2012-01-02T10:00:00Z\n");
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString())
        .withSchema(ExampleSchema.of(List.of(FeatureSpec.of("seen", FeatureType.TIMESTAMP)))));

    Plan<IngestStage.State> prepared = stage.prepare(stage.plan(CONTEXT), CONTEXT);

    ExampleSchema expected = ExampleSchema.of(List.of(FeatureSpec.of("species", FeatureType.STRING),
        FeatureSpec.of("mass", FeatureType.FLOAT), FeatureSpec.of("seen", FeatureType.TIMESTAMP)));
    assertThat(prepared.outputs()).isEqualTo(Map.of("examples", new ExamplesInfo(expected, List.of("train", "eval"))));
    // The canonical parameters record the declaration as written.
    assertThat(stage.parameters().get("schema").toString()).isEqualTo("{\"seen\":\"timestamp\"}");
  }

  @Test
  void anInferredSchemaIsStatedOncePrepared() throws IOException {
    Path csv = write("in/a.csv", "species,mass\nAdelie,3750\n");
    IngestStage stage =
        new IngestStage(IngestExamples.Config.of(csv.toString()).withSplits(SplitConfig.of(Map.of("all", 1))));

    Plan<IngestStage.State> plan = stage.plan(CONTEXT);
    assertThat(plan.outputs()).isEmpty();

    Plan<IngestStage.State> prepared = stage.prepare(plan, CONTEXT);
    assertThat(prepared.outputs()).isEqualTo(Map.of("examples", new ExamplesInfo(SCHEMA, List.of("all"))));
    assertThat(prepared.externalInputs()).isEqualTo(plan.externalInputs());
    assertThat(prepared.state().input().schema()).isEqualTo(SCHEMA);
    assertThat(prepared.state().input().files().files()).isEqualTo(plan.state().files().files());
  }

  @Test
  void thePreparedPlanSurvivesJavaSerialization() throws Exception {
    Path csv = write("in/a.csv", "species,mass\nAdelie,3750\n");
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString()));
    Plan<IngestStage.State> prepared = stage.prepare(stage.plan(CONTEXT), CONTEXT);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(prepared.state());
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      IngestStage.State copy = (IngestStage.State) in.readObject();
      assertThat(copy.input().schema()).isEqualTo(SCHEMA);
      assertThat(copy.input().config()).isEqualTo(stage.config());
      assertThat(copy.files().files()).isEqualTo(prepared.state().files().files());
    }
  }

  @Test
  void expandNeedsAPreparedPlan() throws IOException {
    Path csv = write("in/a.csv", "species,mass\nAdelie,3750\n");
    IngestStage stage = new IngestStage(IngestExamples.Config.of(csv.toString()));
    // Building the graph fails, so there is nothing to run: a plain pipeline, never run.
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    assertThatThrownBy(
            () ->
                stage.expand(
                    p, stage.plan(CONTEXT), StageInputs.none(), RunLayout.of(tmp.resolve("runs"), "test", "r1").output("ingest")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the ingest stage's plan holds no resolved input: call prepare() before expand()");
  }

  @Test
  void planNamesAPatternThatMatchesNothing() {
    Path missing = tmp.resolve("in/nowhere.csv");
    IngestStage stage = new IngestStage(IngestExamples.Config.of(missing.toString()));
    assertThatThrownBy(() -> stage.plan(CONTEXT))
        .isInstanceOf(dev.beamline.core.ConfigException.class)
        .hasMessage("input file not found: nothing matches '" + missing + "'");
  }
}
