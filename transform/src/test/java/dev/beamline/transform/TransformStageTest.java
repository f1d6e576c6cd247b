package dev.beamline.transform;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.STRING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import com.google.common.base.Suppliers;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The transform stage behind the stage contract: plan, a graph that touches no file, describe. JUnit 4,
 * for {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's immutability and
 * encodability checks are on ({@link PipelineChecksTest}). Tests that only plan use a plain pipeline,
 * never run.
 */
public class TransformStageTest {
  private static final ExampleSchema RAW = TestData.schema("mass", FLOAT, "island", STRING);
  private static final TransformConfig CONFIG = TransformConfig.of(TransformSpec.of(List.of(
      FeatureTransform.numeric("mass").withScale(Scale.Z_SCORE),
      FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT))));
  private static final ExamplesInfo EXAMPLES = new ExamplesInfo(RAW, List.of("train", "eval"));

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path tmp;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    tmp = folder.getRoot().toPath();
  }

  /** Published examples: train masses 1, 2, 4, 9 on three islands; eval two rows. */
  private String ingest() throws IOException {
    Path dir = tmp.resolve("ingest/1");
    TestData.writeShard(dir.resolve("examples/train/part-0.parquet"), RAW, List.of(
        TestData.record(RAW, 1.0, "Biscoe"), TestData.record(RAW, 2.0, "Dream"),
        TestData.record(RAW, 4.0, "Biscoe"), TestData.record(RAW, 9.0, null)));
    TestData.writeShard(dir.resolve("examples/eval/part-0.parquet"), RAW, List.of(
        TestData.record(RAW, 3.0, "Torgersen"), TestData.record(RAW, null, "Dream")));
    return dir.toString();
  }

  private static StageInput input(Pipeline p, Port port, String uri, ExamplesInfo info) {
    return StageInput.published(p, port, 1, uri, info);
  }

  private static PlanContext context(StageInputs inputs) {
    return PlanContext.of("p", inputs);
  }

  private List<String> filesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.map(f -> dir.relativize(f).toString()).sorted().toList();
    }
  }

  /** The content fingerprint, computed here independently: each file's path and the SHA-256 of its bytes, in path order, provenance left out. */
  private static String referenceFingerprint(Path dir) throws IOException {
    Hasher h = Hashing.sha256().newHasher();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        String rel = dir.relativize(f).toString();
        if (!rel.equals("provenance.json")) {
          h.putUnencodedChars(rel).putUnencodedChars(Hashing.sha256().hashBytes(Files.readAllBytes(f)).toString());
        }
      }
    }
    return h.hash().toString();
  }

  @Test
  public void declaresItsPortsByKind() {
    TransformStage stage = new TransformStage(CONFIG);
    assertThat(stage.name()).isEqualTo("transform");
    assertThat(stage.consumes()).containsExactly(
        Port.required("examples", ArtifactKind.EXAMPLES), Port.optional("anomalies", ArtifactKind.ANOMALIES));
    assertThat(stage.produces()).containsExactly(
        Port.folder("transform_graph", ArtifactKind.TRANSFORM_GRAPH),
        Port.inside("transformed_examples", ArtifactKind.EXAMPLES, "examples"),
        Port.inside("transformed_statistics", ArtifactKind.STATISTICS, "statistics.json"));
  }

  @Test
  public void planStatesTheProvisionalFeatures() {
    Pipeline unrun = Pipeline.create();
    StageInputs inputs = new StageInputs(List.of(input(unrun, TransformStage.EXAMPLES, "ingest", EXAMPLES)));
    Plan<TransformStage.State> plan = new TransformStage(CONFIG).plan(context(inputs));
    TransformGraphInfo info = (TransformGraphInfo) plan.outputs().get("transform_graph");
    assertThat(info.provisional()).isTrue();
    assertThat(info.features()).extracting(FittedFeature::name).containsExactly("mass", "island");
    assertThat(info.features()).extracting(FittedFeature::inputType).containsExactly(FLOAT, STRING);
    assertThat(info.features()).extracting(FittedFeature::kind).containsExactly(OutputKind.FLOAT, OutputKind.VECTOR);
    // A vocabulary's size is unknown before the run: 2 plus its one OOV bucket.
    assertThat(info.features()).extracting(FittedFeature::cardinality).containsExactly(0, 3);
    assertThat(plan.state().unfit()).isNull();
    assertThat(plan.externalInputs()).isEmpty();
  }

  @Test
  public void expandBuildsTheGraphWithoutTouchingAFileAndTheRunPublishesWhatDescribeReads() throws Exception {
    String ingest = ingest();
    StageOutput output = new StageOutput(tmp.resolve("transform/1").toString(), "1", "{\"run\":\"1\"}\n");
    // With validation in the pipeline the analyzers wait for its anomalies.
    StageInputs inputs = new StageInputs(List.of(
        input(p, TransformStage.EXAMPLES, ingest, EXAMPLES), input(p, TransformStage.ANOMALIES, tmp.resolve("validate/1").toString(), null)));
    TransformStage stage = new TransformStage(CONFIG);
    Plan<TransformStage.State> plan = stage.plan(context(inputs));
    List<String> before = filesUnder(tmp);

    PCollection<String> published = stage.expand(p, plan, inputs, output);

    assertThat(filesUnder(tmp)).isEqualTo(before);
    PAssert.thatSingleton(published).isEqualTo(output.dir());
    p.run().waitUntilFinish();

    Published d = stage.describe(plan, output.dir());
    assertThat(d.fingerprint()).isEqualTo(referenceFingerprint(output.path()));
    assertThat(d.properties().get("transform_graph").toString()).isEqualTo(
        "{\"analyze_split\":\"train\",\"features\":{\"mass\":\"float\",\"island\":\"vector (3)\"},\"examples\":{\"train\":4,\"eval\":2}}");
    String inside = "{\"examples\":{\"train\":4,\"eval\":2},\"features\":2,\"transformed\":true}";
    assertThat(d.properties().get("transformed_examples").toString()).isEqualTo(inside);
    assertThat(d.properties().get("transformed_statistics").toString()).isEqualTo(inside);
    assertThat(d.summary()).containsExactly(
        "2 features fitted on train: mass: float, island: vector (3)", "transformed examples (Parquet): train=4, eval=2");
    // The provenance says what made the folder, not what it holds.
    Files.writeString(output.path().resolve("provenance.json"), "{\"run\":\"other\"}\n");
    assertThat(stage.describe(plan, output.dir()).fingerprint()).isEqualTo(d.fingerprint());

    TransformGraphInfo read = (TransformGraphInfo) stage.readInfo(TransformStage.TRANSFORM_GRAPH, output.dir());
    assertThat(read.provisional()).isFalse();
    assertThat(read.features()).isEqualTo(TransformOutput.open(output.dir()).transform().features());
    assertThat(read.features().get(1).vocabulary()).containsExactly("Biscoe", "Dream");
    assertThat(stage.readInfo(TransformStage.TRANSFORMED_EXAMPLES, output.dir())).isNull();
  }

  @Test
  public void aSpecThatDoesNotFitTheDataFailsThePlanWithoutValidation() {
    Pipeline unrun = Pipeline.create();
    StageInputs inputs = new StageInputs(List.of(input(unrun, TransformStage.EXAMPLES, "ingest", EXAMPLES)));
    TransformStage stage = new TransformStage(TransformConfig.of(TransformSpec.of(List.of(FeatureTransform.numeric("bill")))));
    assertThatThrownBy(() -> stage.plan(context(inputs)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform 'bill': input feature 'bill' is not in the data (features: mass, island)");
  }

  @Test
  public void withValidationASpecThatDoesNotFitTheDataFailsTheRunOnceValidationPassed() throws Exception {
    String ingest = ingest();
    StageOutput output = new StageOutput(tmp.resolve("transform/1").toString(), "1", null);
    StageInputs inputs = new StageInputs(List.of(
        input(p, TransformStage.EXAMPLES, ingest, EXAMPLES), input(p, TransformStage.ANOMALIES, "validate", null)));
    // A column whose type changed: validation names it first, if it finds it.
    TransformStage stage = new TransformStage(TransformConfig.of(TransformSpec.of(List.of(
        FeatureTransform.numeric("island").withScale(Scale.Z_SCORE).withHashBuckets(2)))));
    Plan<TransformStage.State> plan = stage.plan(context(inputs));
    String message = "transform 'island': input 'island' is string, so clip, log, scale, bucketize and binarize do not apply"
        + " (they need a numeric feature)";
    assertThat(plan.state().unfit()).isEqualTo(message);
    assertThat(((TransformGraphInfo) plan.outputs().get("transform_graph")).known()).isFalse();
    List<String> before = filesUnder(tmp);
    stage.expand(p, plan, inputs, output);
    assertThat(filesUnder(tmp)).isEqualTo(before);
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .hasRootCauseInstanceOf(ConfigException.class)
        .hasRootCauseMessage(message);
    assertThat(filesUnder(tmp)).isEqualTo(before);
  }

  @Test
  public void aVectorsFileIsAnExternalInputTheFolderCarriesItsVectorsAndDescribeStatesWhatWasRead() throws Exception {
    ExampleSchema raw = TestData.schema("mass", FLOAT, "island", STRING);
    Path vectors = tmp.resolve("vectors.txt");
    // "biscoe" and "dream" have vectors; "torgersen" does not.
    Files.writeString(vectors, "biscoe 0.5 1.5\ndream -2 0.25\n");
    String sha256 = "1b30498b552d54663256211705db6af08b9da356308daa034305ed68db11d03e";   // sha256sum of the file
    TransformStage stage = new TransformStage(TransformConfig.of(TransformSpec.of(List.of(
        FeatureTransform.string("island").withSeparator(" ").withLowercase(true).withVocabulary(Vocabulary.defaults())
            .withEncode(Encoding.EMBEDDING).withMaxTokens(2)
            .withEmbedding(FeatureTransform.Embedding.defaults().withVectors(vectors.toString()))))));
    String ingest = ingest();
    StageOutput output = new StageOutput(tmp.resolve("transform/1").toString(), "1", null);
    StageInputs inputs = new StageInputs(List.of(input(p, TransformStage.EXAMPLES, ingest, new ExamplesInfo(raw, List.of("train", "eval")))));
    Plan<TransformStage.State> plan = stage.plan(context(inputs));
    assertThat(plan.externalInputs()).hasSize(1);
    assertThat(plan.externalInputs().get(0).role()).isEqualTo("vectors");
    assertThat(plan.externalInputs().get(0).uri()).isEqualTo(vectors.toString());
    assertThat(plan.externalInputs().get(0).isListed()).isTrue();
    assertThat(plan.externalInputs().get(0).properties().get("bytes").asLong()).isEqualTo(Files.size(vectors));

    // Building the graph reads no file: not even the vectors, gone while it is built.
    Files.move(vectors, tmp.resolve("away.txt"));
    List<String> before = filesUnder(tmp);
    stage.expand(p, plan, inputs, output);
    assertThat(filesUnder(tmp)).isEqualTo(before);
    Files.move(tmp.resolve("away.txt"), vectors);
    p.run().waitUntilFinish();

    assertThat(Files.readString(output.path().resolve("vectors/island.txt"))).isEqualTo("biscoe 0.5 1.5\ndream -2.0 0.25\n");
    Published d = stage.describe(plan, output.dir());
    assertThat(d.properties().get("transform_graph").get("input_files").toString())
        .isEqualTo("[{\"path\":\"" + vectors + "\",\"sha256\":\"" + sha256 + "\"}]");
    FittedFeature island = ((TransformGraphInfo) stage.readInfo(TransformStage.TRANSFORM_GRAPH, output.dir())).features().get(0);
    assertThat(island.vocabulary()).containsExactly("biscoe", "dream");
    assertThat(island.vectors().values()).containsExactly(0.5f, 1.5f, -2f, 0.25f);

    // A vectors file that is not there stops the plan.
    TransformStage missing = new TransformStage(TransformConfig.of(TransformSpec.of(List.of(
        FeatureTransform.string("island").withSeparator(" ").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.EMBEDDING)
            .withEmbedding(FeatureTransform.Embedding.defaults().withVectors(tmp.resolve("nope.txt").toString()))))));
    assertThatThrownBy(() -> missing.plan(context(inputs)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("transform 'island': embedding.vectors " + tmp.resolve("nope.txt") + " cannot be read: ");
  }

  @Test
  public void theAnalyzeSplitMustBeASplitOfTheExamples() {
    Pipeline unrun = Pipeline.create();
    List<StageInput> in = new ArrayList<>();
    in.add(input(unrun, TransformStage.EXAMPLES, "ingest", EXAMPLES));
    TransformStage stage = new TransformStage(CONFIG.withAnalyzeSplit("test"));
    assertThatThrownBy(() -> stage.plan(context(new StageInputs(in))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform: analyze_split 'test' is not a split of the data (splits: train, eval)");
  }
}
