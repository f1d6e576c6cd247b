package dev.beamline.transform;

import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static dev.beamline.transform.TestData.floats;
import static dev.beamline.transform.TestData.longs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import dev.beamline.validation.FeatureStatistics;
import dev.beamline.validation.StatisticsSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The stage on the DirectRunner: fitted on train only, applied to train and eval, published as one
 * folder. JUnit 4, for {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's
 * immutability and encodability checks are on ({@link PipelineChecksTest}).
 */
public class AnalyzeAndTransformTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  /** A second pipeline, for the test that compares two. */
  @Rule public final transient TestPipeline q = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();
  private Path tmp;

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
    PipelineChecks.enable(q);
    tmp = folder.getRoot().toPath();
  }

  private static final ExampleSchema RAW =
      TestData.schema("id", INT, "mass", FLOAT, "island", STRING, "when", TIMESTAMP, "tags", STRING);
  private static final TransformSpec SPEC = TransformSpec.of(List.of(
      FeatureTransform.numeric("id"),
      FeatureTransform.numeric("mass").withScale(Scale.Z_SCORE),
      FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()),
      FeatureTransform.string("island").withOutput("island_hot").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT),
      FeatureTransform.numeric("when").withTimePart(TimePart.HOUR_OF_DAY),
      FeatureTransform.string("tags").withSeparator(",").withVocabulary(new Vocabulary(null, 1, 0)).withEncode(Encoding.IDS).withMaxTokens(2)));

  private static long at(String hour) {
    return Instant.parse("2026-11-28T" + hour + ":30:00Z").toEpochMilli() * 1000;
  }

  /** Masses 1, 2, 4, 9 (mean 4, variance 9.5); islands Biscoe 3, Dream 1, Torgersen 1; hour 10 twice. */
  private static List<GenericRecord> train() {
    return List.of(
        TestData.record(RAW, 1L, 1.0, "Biscoe", at("10"), "a,b"),
        TestData.record(RAW, 2L, 2.0, "Dream", at("10"), "b"),
        TestData.record(RAW, 3L, null, "Biscoe", at("07"), "b,c,a"),
        TestData.record(RAW, 4L, 4.0, "Torgersen", null, null),
        TestData.record(RAW, 5L, 9.0, null, at("22"), "c"),
        TestData.record(RAW, 6L, Double.NaN, "Biscoe", at("07"), "b"));
  }

  /** Values far from the training ones: constants fitted on eval would differ from every expectation below. */
  private static List<GenericRecord> eval() {
    return List.of(
        TestData.record(RAW, 11L, 100.0, "Dream", at("03"), "z,a,b"),
        TestData.record(RAW, 12L, null, "Atlantis", null, "c"),
        TestData.record(RAW, 13L, 4.0, null, at("03"), null));
  }

  private static PCollection<ExampleBatch> batches(Pipeline p, String name, List<GenericRecord> records) {
    return p.apply(name, Create.of(TestData.batches(records, 2)).withCoder(ExampleBatch.coder(RAW.toAvro())));
  }

  private static List<GenericRecord> sortedById(List<GenericRecord> records) {
    List<GenericRecord> out = new ArrayList<>(records);
    out.sort(Comparator.comparingDouble(r -> (Float) r.get("id")));
    return out;
  }

  @Test
  public void fitsOnTrainAppliesToEverySplitAndPublishesOneFolder() throws Exception {
    StageOutput output = new StageOutput(tmp.resolve("transform").resolve("run-1").toString(), "run-1", "{\"by\":\"test\"}\n");
    Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
    splits.put("train", batches(p, "Train", train()));
    splits.put("eval", batches(p, "Eval", eval()));
    TransformResult r = AnalyzeAndTransform.splits(splits)
        .apply("Transform", AnalyzeAndTransform.of(RAW, SPEC).withShards(1).to(output));
    PAssert.thatSingleton(r.published()).isEqualTo(output.dir());
    PAssert.thatSingleton(r.fitted()).satisfies(f -> {
      assertThat(f.feature("mass").mean()).isCloseTo(4.0, within(1e-12));
      assertThat(f.feature("island").vocabulary()).containsExactly("Biscoe", "Dream", "Torgersen");
      return null;
    });
    assertThat(r.splitNames()).containsExactly("train", "eval");
    // A later stage reads the published shards with the ingest reader: the layout is the same.
    PCollection<ExampleBatch> reread =
        r.published().apply("Reread", ReadPublishedExamples.split("eval", r.outputSchema()));
    PAssert.that(reread).satisfies(batches -> {
      int rows = 0;
      for (ExampleBatch b : batches) {
        rows += b.size();
      }
      assertThat(rows).isEqualTo(3);
      return null;
    });
    p.run().waitUntilFinish();

    Path dir = output.path();
    assertThat(output.stagingPath()).doesNotExist();
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).sorted().toList())
          .containsExactly(
              "examples/eval/part-00000-of-00001.parquet",
              "examples/train/part-00000-of-00001.parquet",
              "provenance.json",
              "schema.avsc",
              "statistics.json",
              "transform.json",
              "vocabularies/island.tsv",
              "vocabularies/island_hot.tsv",
              "vocabularies/tags.tsv");
    }
    assertThat(Files.readString(dir.resolve("vocabularies/island.tsv"))).isEqualTo("Biscoe\t3\nDream\t1\nTorgersen\t1\n");
    assertThat(Files.readString(dir.resolve("vocabularies/tags.tsv"))).isEqualTo("b\t4\na\t2\nc\t2\n");
    assertThat(Files.readString(dir.resolve("provenance.json"))).isEqualTo("{\"by\":\"test\"}\n");

    TransformOutput out = TransformOutput.open(dir);
    assertThat(out.splitNames()).containsExactly("train", "eval");
    assertThat(out.avroSchema()).isEqualTo(r.outputSchema());
    assertThat(out.transform().feature("when").imputeNumber()).isEqualTo(7.0); // hours 7 and 10 tie: the smaller

    double std = Math.sqrt(9.5);
    List<GenericRecord> evalRows = sortedById(out.readSplit("eval"));
    assertThat(evalRows).hasSize(3);
    GenericRecord e1 = evalRows.get(0);
    assertThat(e1.get("id")).isEqualTo(11f);
    assertThat((Float) e1.get("mass")).isCloseTo((float) (96 / std), within(1e-5f));
    assertThat(e1.get("island")).isEqualTo(1L);
    assertThat(e1.get("island_hot")).isEqualTo(floats(0, 1, 0, 0));
    assertThat(e1.get("when")).isEqualTo(3L);
    assertThat(e1.get("tags")).isEqualTo(longs(1, 0)); // z has no id; a, b; cut at 2
    GenericRecord e2 = evalRows.get(1);
    assertThat((Float) e2.get("mass")).isCloseTo(0f, within(1e-6f)); // the training mean 4
    assertThat(e2.get("island")).isEqualTo(3L); // unknown: the OOV bucket
    assertThat(e2.get("island_hot")).isEqualTo(floats(0, 0, 0, 1));
    assertThat(e2.get("when")).isEqualTo(7L); // the training's most frequent hour
    assertThat(e2.get("tags")).isEqualTo(longs(2, -1));
    GenericRecord e3 = evalRows.get(2);
    assertThat((Float) e3.get("mass")).isCloseTo(0f, within(1e-6f));
    assertThat(e3.get("island")).isEqualTo(3L); // missing: the OOV bucket too
    assertThat(e3.get("tags")).isEqualTo(longs(-1, -1));

    List<GenericRecord> trainRows = sortedById(out.readSplit("train"));
    assertThat(trainRows).extracting(x -> x.get("island")).containsExactly(0L, 1L, 0L, 2L, 3L, 0L);
    assertThat(trainRows).extracting(x -> x.get("when")).containsExactly(10L, 10L, 7L, 7L, 22L, 7L);
    assertThat((Float) trainRows.get(4).get("mass")).isCloseTo((float) (5 / std), within(1e-6f));

    StatisticsSet stats = StatisticsSet.fromJson(Files.readString(dir.resolve("statistics.json")));
    assertThat(stats.splitNames()).containsExactly("train", "eval");
    assertThat(stats.split("eval").orElseThrow().numExamples()).isEqualTo(3);
    // Scalar outputs only: id, mass (float), island, when (int); vectors and lists are left out.
    assertThat(stats.split("eval").orElseThrow().featureNames()).containsExactly("id", "mass", "island", "when");
    FeatureStatistics island = stats.feature("eval", "island").orElseThrow();
    assertThat(island.type()).isEqualTo("int");
    assertThat(island.missing()).isZero();
    assertThat(island.numeric().max()).isEqualTo(3.0);
    assertThat(stats.feature("train", "mass").orElseThrow().type()).isEqualTo("float");
    assertThat(stats.feature("train", "id").orElseThrow().numeric().mean()).isEqualTo(3.5);
  }

  @Test
  public void readingPublishedExamplesGivesWhatTheBatchesGive() throws Exception {
    // An ingestion output's layout: examples/<split>/*.parquet, several shards per split.
    Path ingest = tmp.resolve("ingest");
    writeShard(ingest.resolve("examples/train/part-0.parquet"), train().subList(0, 4));
    writeShard(ingest.resolve("examples/train/part-1.parquet"), train().subList(4, 6));
    writeShard(ingest.resolve("examples/eval/part-0.parquet"), eval());

    StageOutput fromBatches = new StageOutput(tmp.resolve("a").toString(), "a", null);
    Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
    splits.put("train", batches(p, "Train", train()));
    splits.put("eval", batches(p, "Eval", eval()));
    AnalyzeAndTransform.splits(splits).apply("Transform", AnalyzeAndTransform.of(RAW, SPEC).to(fromBatches));
    p.run().waitUntilFinish();

    StageOutput fromFiles = new StageOutput(tmp.resolve("b").toString(), "b", null);
    TransformResult r = q.apply("IngestDir", Create.of(ingest.toString()))
        .apply("Transform", AnalyzeAndTransform.of(RAW, SPEC).to(fromFiles).readingPublished(RAW.toAvro(), List.of("train", "eval")));
    PAssert.thatSingleton(r.published()).isEqualTo(fromFiles.dir());
    q.run().waitUntilFinish();

    TransformOutput a = TransformOutput.open(fromBatches.path());
    TransformOutput b = TransformOutput.open(fromFiles.path());
    assertThat(b.transform()).isEqualTo(a.transform());
    assertThat(b.transform().feature("mass").mean()).isCloseTo(4.0, within(1e-12));
    for (String split : List.of("train", "eval")) {
      assertThat(sortedById(b.readSplit(split)).toString()).isEqualTo(sortedById(a.readSplit(split)).toString());
    }
    assertThat(b.readSplit("train")).hasSize(6);
    assertThat(b.statistics().split("eval").orElseThrow().numExamples()).isEqualTo(3);
    // Only the named splits, and the analyze split must be one of them.
    assertThatThrownBy(() -> AnalyzeAndTransform.of(RAW, SPEC).readingPublished(RAW.toAvro(), List.of("eval")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("analyze_split 'train'");
  }

  private static void writeShard(Path file, List<GenericRecord> records) throws Exception {
    TestData.writeShard(file, RAW, records);
  }

  @Test
  public void withOnlyListOutputsTheStatisticsCountTheExamples() throws Exception {
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), "r", null);
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.ONE_HOT)));
    AnalyzeAndTransform.splits(Map.of("train", batches(p, "Train", train())))
        .apply(AnalyzeAndTransform.of(RAW, spec).to(output));
    p.run().waitUntilFinish();
    TransformOutput out = TransformOutput.open(output.path());
    assertThat(out.statistics().split("train").orElseThrow().numExamples()).isEqualTo(6);
    assertThat(out.statistics().split("train").orElseThrow().features()).isEmpty();
    assertThat(out.readSplit("train")).hasSize(6);
    assertThat(out.avroSchema().getField("island").schema().getType()).isEqualTo(Schema.Type.ARRAY);
  }

  @Test
  public void theAnalyzeSplitMustBeAnInput() {
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), "r", null);
    assertThatThrownBy(() -> AnalyzeAndTransform.splits(Map.of("eval", batches(unrun, "Eval", eval())))
            .apply(AnalyzeAndTransform.of(RAW, SPEC).to(output)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform: analyze_split 'train' is not a split of the data (splits: eval)");
  }

  @Test
  public void aBadSpecIsRejectedWhenTheGraphIsBuilt() {
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), "r", null);
    TransformSpec bad = TransformSpec.of(List.of(FeatureTransform.numeric("island").withScale(Scale.Z_SCORE)));
    assertThatThrownBy(() -> AnalyzeAndTransform.splits(Map.of("train", batches(unrun, "Train", train())))
            .apply(AnalyzeAndTransform.of(RAW, bad).to(output)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("transform 'island': input 'island' is string, so clip, log, scale, bucketize and binarize do not apply");
  }

  @Test
  public void anExistingOutputIsNeverOverwritten() throws Exception {
    Files.createDirectories(tmp.resolve("out"));
    Files.writeString(tmp.resolve("out/kept.txt"), "earlier run");
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), "r", null);
    AnalyzeAndTransform.splits(Map.of("train", batches(p, "Train", train()))).apply(AnalyzeAndTransform.of(RAW, SPEC).to(output));
    // Checked when the pipeline runs: building the graph looks at no file.
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .hasRootCauseInstanceOf(ConfigException.class)
        .hasStackTraceContaining("exists already: run ids must not be reused");
    assertThat(tmp.resolve("out/kept.txt")).hasContent("earlier run");
    assertThat(output.stagingPath()).doesNotExist();
  }

  @Test
  public void buildingTheGraphCreatesAndDeletesNothing() throws Exception {
    // What an earlier, failed attempt left behind is removed when the pipeline runs, not before.
    StageOutput output = new StageOutput(tmp.resolve("out").toString(), "r", null);
    Files.createDirectories(output.stagingPath().resolve("examples/train"));
    Files.writeString(output.stagingPath().resolve("examples/train/stale.parquet"), "stale");
    Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
    splits.put("train", batches(p, "Train", train()));
    splits.put("eval", p.apply("Eval", Create.empty(ExampleBatch.coder(RAW.toAvro()))));
    AnalyzeAndTransform.splits(splits).apply(AnalyzeAndTransform.of(RAW, SPEC).withShards(1).to(output));
    try (Stream<Path> files = Files.walk(tmp)) {
      assertThat(files.map(f -> tmp.relativize(f).toString()).sorted().toList())
          .containsExactly("", ".staging-out", ".staging-out/examples", ".staging-out/examples/train", ".staging-out/examples/train/stale.parquet");
    }
    p.run().waitUntilFinish();
    assertThat(output.stagingPath()).doesNotExist();
    assertThat(output.path().resolve("examples/train/stale.parquet")).doesNotExist();
    // An empty split still has its folder.
    assertThat(output.path().resolve("examples/eval")).isDirectory();
    assertThat(TransformOutput.open(output.dir()).statistics().split("eval").orElseThrow().numExamples()).isZero();
  }

  @Test
  public void configurationChecksItsArguments() {
    assertThatThrownBy(() -> AnalyzeAndTransform.of(RAW, SPEC).withShards(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shards must be 0 (runner decides) or more, got -1");
    assertThatThrownBy(() -> AnalyzeAndTransform.of(RAW, SPEC).withAnalyzeSplit(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("analyze_split must name a split, got ' '");
    assertThat(AnalyzeAndTransform.of(RAW, SPEC).withAnalyzeSplit("eval").analyzeSplit()).isEqualTo("eval");
    assertThat(AnalyzeAndTransform.of(RAW, TransformConfig.of(SPEC).withAnalyzeSplit("eval")).analyzeSplit()).isEqualTo("eval");
  }
}
