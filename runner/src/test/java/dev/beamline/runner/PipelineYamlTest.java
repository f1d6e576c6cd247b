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

/**
 * The pipeline file as a whole: the runner's own section, dispatch of every other section to its
 * module's factory, and messages that name the file and line. Each section's keys are tested with its
 * factory (IngestStageFactoryTest, ValidationStageFactoryTest, TransformStageFactoryTest, TrainStageFactoryTest).
 */
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
    assertThat(spec.stages()).extracting(s -> s.name()).containsExactly("ingest", "statistics", "schema", "validate", "transform", "train", "tune", "evaluate", "push");
    assertThat(ingest(spec).splits().asMap()).containsExactly(Map.entry("train", 2), Map.entry("eval", 1));
  }

  @Test
  void misspelledKeyIsNamedWithItsLineAndTheLikelyKey() {
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    delimeter: ';'\n",
        "p.yaml line 6: unknown key 'ingest.csv.delimeter'; did you mean 'delimiter'? (known keys here: columns,"
            + " delimiter, header, max_record_bytes, null_values, quote)");
  }

  @Test
  void unknownTopLevelKeyIsNamed() {
    assertRejected(
        "pipeline:\n  name: p\ntraining:\n  epochs: 3\n",
        "p.yaml line 3: unknown key 'training' (known keys here: evaluate, feedback, ingest, pipeline, push, train, transform, tune, validation)");
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
        "p.yaml line 5: bad value for 'ingest.span': expected 'latest', {from: <span>, to: <span>} or {from: <span>} (through the newest), got newest");
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
  void everyMistakeOfTheFileIsReportedAtOnce() {
    assertRejected(
        String.join("\n",
            "pipeline:",
            "  name: p",
            "ingest:",
            "  input: in.csv",
            "  csv:",
            "    delimeter: ';'",
            "  max_rejected_fractoin: 0.1",
            "trainng:",
            "  epochs: 3",
            "train:",
            "  label: species",
            "  model: lineer",
            ""),
        String.join(System.lineSeparator(),
            "p.yaml line 8: unknown key 'trainng'; did you mean 'train'? (known keys here: evaluate, feedback, ingest, pipeline, push, train, transform, tune, validation)",
            "p.yaml line 6: unknown key 'ingest.csv.delimeter'; did you mean 'delimiter'? (known keys here: columns, delimiter, header, max_record_bytes, null_values, quote)",
            "p.yaml line 7: unknown key 'ingest.max_rejected_fractoin'; did you mean 'max_rejected_fraction'? (known keys here: csv, format,"
                + " infer_rows, input, max_rejected_fraction, partition_feature, schema, shards, span, splits)",
            "p.yaml line 12: unknown value 'lineer' for 'train.model'; did you mean 'linear'? (one of: linear, dnn, wide_deep)"));
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
  void unknownModelTypeIsNamedWithItsLineAndTheChoices() {
    assertRejected(
        INGEST + "train:\n  label: y\n  model: dnm\n",
        "p.yaml line 7: unknown value 'dnm' for 'train.model'; did you mean 'dnn'? (one of: linear, dnn, wide_deep)");
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
