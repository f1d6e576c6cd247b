package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.SplitConfig;
import dev.beamline.ingest.IngestStage;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainStage;
import dev.beamline.transform.TransformConfig;
import dev.beamline.transform.TransformStage;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.TransformSpec;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineYamlTest {
  private static final Path BASE = Paths.get("/data/project");

  private static PipelineSpec parse(String yaml) {
    return PipelineYaml.parse(yaml, "p.yaml", BASE);
  }

  private static IngestExamples.Config ingest(PipelineSpec spec) {
    return spec.stage(IngestStage.class).orElseThrow().config();
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void everyKeyMapsToTheJavaApi() {
    PipelineSpec spec =
        parse(
            String.join(
                "\n",
                "pipeline:",
                "  name: flights",
                "  root: runs",
                "ingest:",
                "  input: data/span-{SPAN}/*.tsv",
                "  format: csv",
                "  csv:",
                "    delimiter: \"\\t\"",
                "    quote: \"'\"",
                "    header: false",
                "    null_values: ['', NA]",
                "    columns: [a, b]",
                "  schema:",
                "    a: int",
                "    b: string",
                "  infer_rows: 1000",
                "  span: {from: 2, to: 5}",
                "  splits: {train: 8, eval: 1, test: 1}",
                "  partition_feature: a",
                "  max_rejected_fraction: 0.01",
                "  shards: 4",
                ""));
    Map<String, Integer> splits = new LinkedHashMap<>();
    splits.put("train", 8);
    splits.put("eval", 1);
    splits.put("test", 1);
    IngestExamples.Config expected =
        IngestExamples.Config.of("/data/project/data/span-{SPAN}/*.tsv")
            .withFormat(InputFormat.CSV)
            .withCsv(
                CsvFormat.defaults()
                    .withDelimiter('\t')
                    .withQuote('\'')
                    .withHeader(false)
                    .withNullValues(List.of("", "NA"))
                    .withColumnNames(List.of("a", "b")))
            .withSchema(
                ExampleSchema.of(List.of(FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("b", FeatureType.STRING))))
            .withInferRows(1000)
            .withSpans(InputFiles.SpanSelection.range(2, 5))
            .withSplits(SplitConfig.of(splits).withPartitionFeature("a"))
            .withMaxRejectedFraction(0.01)
            .withShards(4);
    assertThat(spec.name()).isEqualTo("flights");
    assertThat(spec.root()).isEqualTo("/data/project/runs");
    assertThat(ingest(spec)).isEqualTo(expected);
  }

  @Test
  void defaultsMatchTheJavaApiDefaults() {
    PipelineSpec spec = parse("pipeline:\n  name: p\ningest:\n  input: in.csv\n");
    assertThat(ingest(spec)).isEqualTo(IngestExamples.Config.of("/data/project/in.csv"));
    assertThat(spec.stages()).extracting(s -> s.name()).containsExactly("ingest");
    assertThat(spec.root()).isEqualTo(Paths.get("beamline-runs").toAbsolutePath().toString());
  }

  @Test
  void bundledExampleLoads() {
    PipelineSpec spec = PipelineYaml.load(Paths.get("../examples/penguins/pipeline.yaml"));
    assertThat(spec.name()).isEqualTo("penguins");
    assertThat(ingest(spec).input()).endsWith("examples/penguins/data/penguins.csv");
    assertThat(spec.stages()).extracting(s -> s.name()).containsExactly("ingest", "statistics", "schema", "validate", "transform", "train");
    assertThat(ingest(spec).splits().asMap()).containsExactly(Map.entry("train", 2), Map.entry("eval", 1));
  }

  @Test
  void misspelledKeyIsNamedWithItsLineAndTheLikelyKey() {
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    delimeter: ';'\n",
        "p.yaml line 6: unknown key 'ingest.csv.delimeter'; did you mean 'delimiter'? (known keys here: columns,"
            + " delimiter, header, null_values, quote)");
  }

  @Test
  void unknownTopLevelKeyIsNamed() {
    assertRejected(
        "pipeline:\n  name: p\ntraining:\n  epochs: 3\n",
        "p.yaml line 3: unknown key 'training' (known keys here: ingest, pipeline, train, transform, validation)");
  }

  @Test
  void valueOfTheWrongTypeIsNamedWithItsLine() {
    assertThatThrownBy(() -> parse("pipeline:\n  name: p\ningest:\n  input: in.csv\n  shards: many\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 5: bad value for 'ingest.shards': Cannot deserialize value of type `java.lang.Integer` from String \"many\"");
  }

  @Test
  void valueOutOfRangeIsNamedWithItsLine() {
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  max_rejected_fraction: 2\n",
        "p.yaml line 5: bad value for 'ingest.max_rejected_fraction': max_rejected_fraction must be between 0 and 1, got 2.0");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  format: xml\n",
        "p.yaml line 5: bad value for 'ingest.format': unknown input format 'xml'; expected one of csv, jsonl, avro, parquet");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  schema:\n    a: complex\n",
        "p.yaml line 6: bad value for 'ingest.schema.a': unknown feature type 'complex'; expected one of int, float,"
            + " string, boolean, timestamp");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  span: newest\n",
        "p.yaml line 5: bad value for 'ingest.span': expected 'latest' or {from: <span>, to: <span>}, got newest");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    delimiter: ';;'\n",
        "p.yaml line 6: 'ingest.csv.delimiter' must be one character, got ';;'");
  }

  @Test
  void requiredKeysAreNamed() {
    assertRejected("ingest:\n  input: in.csv\n", "p.yaml: 'pipeline.name' is required");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  format: csv\n",
        "p.yaml line 3: 'ingest.input' is required: the file or pattern to read");
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThatThrownBy(() -> parse("pipeline:\n  name: p\n  name: q\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("p.yaml line 3")
        .hasMessageContaining("Duplicate field 'name'");
  }

  @Test
  void missingFileIsNamed() {
    assertThatThrownBy(() -> PipelineYaml.load(Paths.get("no/such/pipeline.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline file not found: no/such/pipeline.yaml");
  }

  @Test
  void closestKeyOnlyForLikelyMisspellings() {
    assertThat(YamlFiles.closest("inptu", List.of("input", "format"))).isEqualTo("input");
    assertThat(YamlFiles.closest("learning_rate", List.of("input", "format"))).isNull();
    assertThat(YamlFiles.editDistance("kitten", "sitting")).isEqualTo(3);
  }

  private static final String INGEST = "pipeline:\n  name: p\ningest:\n  input: d.csv\n";

  @Test
  void transformAndTrainKeysMapToTheJavaApi() {
    PipelineSpec spec =
        parse(
            INGEST
                + String.join(
                    "\n",
                    "transform:",
                    "  analyze_split: train",
                    "  features:",
                    "    mass: {input: body_mass_g, impute: mean, clip: {min: 0, max: 9000}, log: true, scale: z_score}",
                    "    mass_bucket: {input: body_mass_g, bucketize: 4}",
                    "    heavy: {input: body_mass_g, binarize: 4000, encode: one_hot}",
                    "    hour: {input: date, time_part: hour_of_day, impute: constant, impute_value: '0'}",
                    "    island: {vocabulary: {top_k: 10, frequency_threshold: 2, oov_buckets: 3}, encode: one_hot}",
                    "    notes: {text: {ngrams: [1, 2]}, vocabulary: {}, encode: tfidf}",
                    "    tags: {separator: '|', hash_buckets: 16, encode: ids, max_tokens: 4}",
                    "train:",
                    "  label: island",
                    "  features: [mass, hour]",
                    "  task: classification",
                    "  model: linear",
                    "  hidden_units: [8]",
                    "  activation: tanh",
                    "  dropout: 0.25",
                    "  embedding_dim: 4",
                    "  embedding_dims: {tags: 2}",
                    "  batch_size: 16",
                    "  epochs: 3",
                    "  steps: 100",
                    "  optimizer: sgd",
                    "  learning_rate: 0.5",
                    "  l2: 0.01",
                    "  early_stopping: {patience: 2, min_delta: 0.001}",
                    "  shuffle_buffer: 50",
                    "  seed: 7",
                    "  train_split: a",
                    "  eval_split: b"));
    List<FeatureTransform> f =
        List.of(
            FeatureTransform.numeric("body_mass_g").withOutput("mass").withImpute(new FeatureTransform.Impute(FeatureTransform.Impute.Strategy.MEAN, null))
                .withClip(0.0, 9000.0).withLog(1.0).withScale(FeatureTransform.Scale.Z_SCORE),
            FeatureTransform.numeric("body_mass_g").withOutput("mass_bucket").withBucketize(4),
            FeatureTransform.numeric("body_mass_g").withOutput("heavy").withBinarize(4000.0).withEncode(FeatureTransform.Encoding.ONE_HOT),
            FeatureTransform.numeric("date").withOutput("hour").withTimePart(FeatureTransform.TimePart.HOUR_OF_DAY)
                .withImpute(new FeatureTransform.Impute(FeatureTransform.Impute.Strategy.CONSTANT, "0")),
            FeatureTransform.string("island").withVocabulary(new FeatureTransform.Vocabulary(10, 2, 3)).withEncode(FeatureTransform.Encoding.ONE_HOT),
            FeatureTransform.string("notes").withText(new FeatureTransform.Text(1, 2)).withLowercase(true)
                .withVocabulary(FeatureTransform.Vocabulary.defaults()).withEncode(FeatureTransform.Encoding.TFIDF),
            FeatureTransform.string("tags").withSeparator("|").withHashBuckets(16).withEncode(FeatureTransform.Encoding.IDS).withMaxTokens(4));
    assertThat(spec.stage(TransformStage.class).orElseThrow().config()).isEqualTo(TransformConfig.of(TransformSpec.of(f)));
    assertThat(spec.stage(TrainStage.class).orElseThrow().config())
        .isEqualTo(
            TrainConfig.defaults("island")
                .withFeatures(List.of("mass", "hour"))
                .withTask(TrainConfig.Task.CLASSIFICATION)
                .withModel(TrainConfig.ModelType.LINEAR)
                .withHiddenUnits(List.of(8))
                .withActivation(TrainConfig.Activation.TANH)
                .withDropout(0.25)
                .withEmbeddingDim(4)
                .withEmbeddingDims(Map.of("tags", 2))
                .withBatchSize(16)
                .withEpochs(3)
                .withSteps(100L)
                .withOptimizer(TrainConfig.Optimizer.SGD, 0.5)
                .withL2(0.01)
                .withEarlyStopping(2, 0.001)
                .withShuffleBuffer(50)
                .withSeed(7)
                .withSplits("a", "b"));
  }

  @Test
  void unknownModelTypeIsNamedWithItsLineAndTheChoices() {
    assertRejected(
        INGEST + "train:\n  label: y\n  model: dnm\n",
        "p.yaml line 7: unknown value 'dnm' for 'train.model'; did you mean 'dnn'? (one of: linear, dnn)");
  }

  @Test
  void misspelledTransformKeyIsNamed() {
    assertThatThrownBy(() -> parse(INGEST + "transform:\n  features:\n    x: {scael: z_score}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("p.yaml line 7: unknown key 'transform.features.x.scael'; did you mean 'scale'?");
  }

  @Test
  void badTransformAndTrainValuesAreNamed() {
    assertRejected(
        INGEST + "transform:\n  features:\n    x: {scale: zscore}\n",
        "p.yaml line 7: unknown value 'zscore' for 'transform.features.x.scale'; did you mean 'z_score'? (one of: none, z_score, min_max)");
    assertRejected(
        INGEST + "transform:\n  features:\n    x: {impute: constant}\n",
        "p.yaml line 7: 'transform.features.x.impute: constant' needs 'impute_value'");
    assertRejected(
        INGEST + "train:\n  label: y\n  dropout: 1.5\n",
        "p.yaml line 7: bad value for 'train.dropout': dropout must be in [0, 1), got 1.5");
    assertRejected(INGEST + "train:\n  epochs: 3\n", "p.yaml line 5: 'train.label' is required: the transformed feature to predict");
  }
}
