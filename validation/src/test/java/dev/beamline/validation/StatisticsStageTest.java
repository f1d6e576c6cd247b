package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.testing.PipelineChecks;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.core.stage.StoredArtifact;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The validation stages on the DirectRunner, over a published examples folder written here (two splits,
 * two shards in one of them): the statistics stage reads the shards once the folder is ready and
 * publishes exact counts; the schema and validate stages wired behind it publish theirs. JUnit 4, for
 * {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's immutability and
 * encodability checks are on ({@link PipelineChecksTest}).
 */
public class StatisticsStageTest {
  private static final ExampleSchema SCHEMA =
      ExampleSchema.of(List.of(dev.beamline.core.FeatureSpec.of("x", FeatureType.FLOAT), dev.beamline.core.FeatureSpec.of("s", FeatureType.STRING)));

  @Rule public final transient TestPipeline pipeline = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Before
  public void setUp() {
    PipelineChecks.enable(pipeline);
  }

  private String examples() throws IOException {
    return examples(tmp);
  }

  /** Published examples in {@code tmp}: train: x = 1, null, 3 and s = a, b, null (in two shards); eval: x = 5, 7 and s = a, a. */
  static String examples(TemporaryFolder tmp) throws IOException {
    Path dir = tmp.newFolder("ingest", "1").toPath();
    Schema avro = SCHEMA.toAvro();
    shard(dir.resolve("examples/train/part-00000-of-00002.parquet"), avro, new Object[][] {{1.0, "a"}, {null, "b"}});
    shard(dir.resolve("examples/train/part-00001-of-00002.parquet"), avro, new Object[][] {{3.0, null}});
    shard(dir.resolve("examples/eval/part-00000-of-00001.parquet"), avro, new Object[][] {{5.0, "a"}, {7.0, "a"}});
    return dir.toString();
  }

  private static void shard(Path file, Schema avro, Object[][] rows) throws IOException {
    Files.createDirectories(file.getParent());
    try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new org.apache.hadoop.fs.Path(file.toString()))
        .withSchema(avro)
        .withConf(new Configuration(false))
        .build()) {
      for (Object[] row : rows) {
        GenericData.Record r = new GenericData.Record(avro);
        for (int i = 0; i < row.length; i++) {
          r.put(i, row[i]);
        }
        w.write(r);
      }
    }
  }

  /** The published examples as a stage sees them: ready is one element, the folder. */
  private StageInput examplesInput(String dir) {
    PCollection<String> ready = pipeline.apply("ExamplesReady", Create.of(dir).withCoder(StringUtf8Coder.of()));
    return new StageInput(
        Port.required("examples", ArtifactKind.EXAMPLES), 1, dir, new ExamplesInfo(SCHEMA, List.of("train", "eval")), () -> ready);
  }

  private static PlanContext context(StageInputs inputs) {
    return PlanContext.of("p", inputs);
  }

  @Test
  public void theStatisticsOfEverySplitArePublishedOnceTheExamplesAre() throws IOException {
    String examples = examples();
    String out = tmp.getRoot().toPath().resolve("statistics/1").toString();
    StatisticsStage stage = new StatisticsStage();
    StageInputs inputs = new StageInputs(List.of(examplesInput(examples)));
    Plan<Serializable> plan = stage.plan(context(inputs));
    PCollection<String> published = stage.expand(pipeline, plan, inputs, new StageOutput(out, "run-1", "{\"run\":\"run-1\"}"));
    PAssert.that(published).containsInAnyOrder(out);
    pipeline.run().waitUntilFinish();

    StatisticsSet s = ValidationRun.readStatistics(out);
    assertThat(s.splitNames()).containsExactly("train", "eval");
    DatasetStatistics train = s.split("train").orElseThrow();
    assertThat(train.numExamples()).isEqualTo(3);
    FeatureStatistics x = train.feature("x").orElseThrow();
    assertThat(Arrays.asList(x.count(), x.missing())).containsExactly(2L, 1L);
    assertThat(x.numeric().mean()).isEqualTo(2.0);
    assertThat(x.numeric().stdDev()).isEqualTo(1.0);
    assertThat(Arrays.asList(x.numeric().min(), x.numeric().max())).containsExactly(1.0, 3.0);
    FeatureStatistics str = train.feature("s").orElseThrow();
    assertThat(Arrays.asList(str.count(), str.missing(), str.strings().distinct())).containsExactly(2L, 1L, 2L);
    DatasetStatistics eval = s.split("eval").orElseThrow();
    assertThat(eval.numExamples()).isEqualTo(2);
    assertThat(eval.feature("x").orElseThrow().numeric().mean()).isCloseTo(6.0, within(0.0));
    StringStatistics evalS = eval.feature("s").orElseThrow().strings();
    assertThat(evalS.distinct()).isEqualTo(1);
    assertThat(evalS.topValues()).containsExactly(new ValueCount("a", 2));
    assertThat(Path.of(out, "provenance.json")).hasContent("{\"run\":\"run-1\"}");

    Published p = stage.describe(plan, out);
    assertThat(p.fingerprint()).isEqualTo(Hashing.sha256().hashBytes(Files.readAllBytes(Path.of(out, "statistics.json"))).toString());
    assertThat(p.properties()).containsOnlyKeys("statistics");
    assertThat(p.properties().get("statistics").toString()).isEqualTo("{\"examples\":{\"train\":3,\"eval\":2},\"features\":2}");
    assertThat(p.summary()).containsExactly("train 3 examples, 2 features; eval 2 examples, 2 features");
  }

  @Test
  public void theSchemaAndValidateStagesReadWhatTheStatisticsStagePublished() throws IOException {
    String examples = examples();
    Path root = tmp.getRoot().toPath();
    ValidationConfig config = ValidationConfig.defaults();
    StatisticsStage statistics = new StatisticsStage();
    SchemaStage schema = new SchemaStage(config);
    ValidateStage validate = new ValidateStage(config);

    StageInputs toStatistics = new StageInputs(List.of(examplesInput(examples)));
    Plan<Serializable> statisticsPlan = statistics.plan(context(toStatistics));
    String statisticsDir = root.resolve("statistics/1").toString();
    PCollection<String> statisticsReady = statistics.expand(pipeline, statisticsPlan, toStatistics, new StageOutput(statisticsDir, "r", null));

    StageInput statisticsInput = new StageInput(Port.required("statistics", ArtifactKind.STATISTICS), 2, statisticsDir, null, () -> statisticsReady);
    StageInputs toSchema = new StageInputs(List.of(statisticsInput));
    Plan<Serializable> schemaPlan = schema.plan(context(toSchema));
    String schemaDir = root.resolve("schema/1").toString();
    PCollection<String> schemaReady = schema.expand(pipeline, schemaPlan, toSchema, new StageOutput(schemaDir, "r", null));

    StageInputs toValidate = new StageInputs(List.of(
        new StageInput(Port.required("statistics", ArtifactKind.STATISTICS), 2, statisticsDir, null, () -> statisticsReady),
        new StageInput(Port.required("schema", ArtifactKind.SCHEMA), 3, schemaDir, null, () -> schemaReady)));
    Plan<ValidateStage.Resolved> validatePlan = validate.plan(context(toValidate));
    String anomaliesDir = root.resolve("validate/1").toString();
    PCollection<String> validated = validate.expand(pipeline, validatePlan, toValidate, new StageOutput(anomaliesDir, "r", null));
    PAssert.that(validated).containsInAnyOrder(anomaliesDir);
    pipeline.run().waitUntilFinish();

    Published s = schema.describe(schemaPlan, schemaDir);
    assertThat(s.properties().get("schema").toString()).isEqualTo("{\"features\":2,\"imported\":false}");
    assertThat(s.summary()).containsExactly("2 features, inferred; " + schemaDir + "/schema.yaml");
    assertThat(ValidationRun.readSchema(schemaDir).features()).extracting(SchemaFeature::name).containsExactly("x", "s");

    Published v = validate.describe(validatePlan, anomaliesDir);
    assertThat(v.fingerprint()).isEqualTo(Hashing.sha256().hashBytes(Files.readAllBytes(Path.of(anomaliesDir, "anomalies.json"))).toString());
    String anomalies = Files.readString(Path.of(anomaliesDir, "anomalies.json"));
    assertThat(v.properties().get("anomalies").get("errors").asLong()).isZero();
    assertThat(v.summary()).hasSize(2).last().isEqualTo("report: " + anomaliesDir + "/report.html");
    assertThat(Path.of(anomaliesDir, "report.html")).exists();
    assertThat(anomalies).contains("\"errors\" : 0");
  }
}
