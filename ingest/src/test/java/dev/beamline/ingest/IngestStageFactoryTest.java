package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code ingest:} section of a pipeline file, bound by {@link IngestStageFactory}. */
class IngestStageFactoryTest {
  private static final Path BASE = Paths.get("/data/project");

  /** The {@code ingest} section of the pipeline file {@code yaml}, as the runner hands it over. */
  private static ConfigSection section(String yaml) {
    JsonNode root;
    try {
      root = YamlFiles.YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ConfigSection("ingest", root.get("ingest"), "p.yaml", YamlFiles.lineIndex(yaml), BASE);
  }

  private static IngestStage stage(String yaml) {
    List<Stage<?>> stages = new IngestStageFactory().create(section(yaml));
    assertThat(stages).hasSize(1);
    return (IngestStage) stages.get(0);
  }

  private static void assertRejected(String yaml, String message) {
    assertThatThrownBy(() -> stage(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void everyKeyMapsToTheJavaApiAndBackToTheSameKeys() {
    IngestStage stage =
        stage(
            String.join(
                "\n",
                "pipeline:",
                "  name: flights",
                "ingest:",
                "  input: data/span-{SPAN}/*.tsv",
                "  format: csv",
                "  csv:",
                "    delimiter: \"\\t\"",
                "    quote: \"'\"",
                "    header: false",
                "    null_values: ['', NA]",
                "    columns: [a, b]",
                "    max_record_bytes: 4096",
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
                    .withColumnNames(List.of("a", "b"))
                    .withMaxRecordBytes(4096))
            .withSchema(
                ExampleSchema.of(List.of(FeatureSpec.of("a", FeatureType.INT), FeatureSpec.of("b", FeatureType.STRING))))
            .withInferRows(1000)
            .withSpans(InputFiles.SpanSelection.range(2, 5))
            .withSplits(SplitConfig.of(splits).withPartitionFeature("a"))
            .withMaxRejectedFraction(0.01)
            .withShards(4);
    assertThat(stage.config()).isEqualTo(expected);
    assertThat(stage.name()).isEqualTo("ingest");
    assertThat(stage.parameters().toString())
        .isEqualTo(
            "{\"input\":\"/data/project/data/span-{SPAN}/*.tsv\",\"format\":\"csv\","
                + "\"csv\":{\"delimiter\":\"\\t\",\"quote\":\"'\",\"header\":false,\"null_values\":[\"\",\"NA\"],\"columns\":[\"a\",\"b\"],"
                + "\"max_record_bytes\":4096},"
                + "\"schema\":{\"a\":\"int\",\"b\":\"string\"},\"infer_rows\":1000,\"span\":{\"from\":2,\"to\":5},"
                + "\"splits\":{\"train\":8,\"eval\":1,\"test\":1},\"partition_feature\":\"a\",\"max_rejected_fraction\":0.01,\"shards\":4}");
  }

  @Test
  void defaultsMatchTheJavaApiAndAreAllInTheParameters() {
    IngestStage stage = stage("pipeline:\n  name: p\ningest:\n  input: in.csv\n");
    assertThat(stage.config()).isEqualTo(IngestExamples.Config.of("/data/project/in.csv"));
    assertThat(stage.parameters().toString())
        .isEqualTo(
            "{\"input\":\"/data/project/in.csv\",\"format\":null,"
                + "\"csv\":{\"delimiter\":\",\",\"quote\":\"\\\"\",\"header\":true,\"null_values\":[\"\"],\"columns\":[],"
                + "\"max_record_bytes\":1048576},"
                + "\"schema\":null,\"infer_rows\":0,\"span\":\"latest\",\"splits\":{\"train\":2,\"eval\":1},"
                + "\"partition_feature\":null,\"max_rejected_fraction\":0.0,\"shards\":0}");
    // The Java API's configuration has the same canonical form.
    assertThat(new IngestStage(IngestExamples.Config.of("/data/project/in.csv")).parameters()).isEqualTo(stage.parameters());
  }

  @Test
  void tsvMeansTabsAndUrisAreKeptAsGiven() {
    IngestStage stage = stage("ingest:\n  input: hdfs://nn:8020/data/*.tsv\n  format: tsv\n");
    assertThat(stage.config().input()).isEqualTo("hdfs://nn:8020/data/*.tsv");
    assertThat(stage.config().csv().delimiter()).isEqualTo('\t');
  }

  @Test
  void aSchemaMayDeclareOneColumn() {
    IngestStage stage = stage("pipeline:\n  name: p\ningest:\n  input: in.csv\n  schema: {date: timestamp}\n");
    assertThat(stage.config().schema()).isEqualTo(ExampleSchema.of(List.of(FeatureSpec.of("date", FeatureType.TIMESTAMP))));
    assertThat(stage.parameters().get("schema").toString()).isEqualTo("{\"date\":\"timestamp\"}");
  }

  @Test
  void badValuesAreNamedWithTheirLine() {
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
        "p.yaml line 5: bad value for 'ingest.span': expected 'latest', {from: <span>, to: <span>} or {from: <span>} (through the newest),"
            + " got newest");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    delimiter: ';;'\n",
        "p.yaml line 6: 'ingest.csv.delimiter' must be one character, got ';;'");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    columns: [a, b]\n",
        "p.yaml line 6: 'ingest.csv.columns' is only for files without a header: set 'header: false'");
  }

  @Test
  void maxRecordBytesIsCheckedAndColumnsMustNameFeaturesApart() {
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    max_record_bytes: 0\n",
        "p.yaml line 6: bad value for 'ingest.csv.max_record_bytes': max_record_bytes must be between 1 and 1073741824"
            + " (1 GiB), got 0");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    max_record_bytes: 2147483648\n",
        "p.yaml line 6: bad value for 'ingest.csv.max_record_bytes': max_record_bytes must be between 1 and 1073741824"
            + " (1 GiB), got 2147483648");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    header: false\n    columns: [Größe, grosse]\n",
        "p.yaml line 7: bad value for 'ingest.csv.columns': columns 'Größe' and 'grosse' would both be feature 'grosse';"
            + " give them different names");
    assertThat(stage("ingest:\n  input: in.csv\n  csv:\n    max_record_bytes: 1073741824\n").config().csv().maxRecordBytes())
        .isEqualTo(1 << 30);
  }

  @Test
  void missingInputAndUnknownKeysAreNamed() {
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  format: csv\n", "p.yaml line 3: 'ingest.input' is required: the file or pattern to read");
    assertRejected(
        "pipeline:\n  name: p\ningest:\n  input: in.csv\n  csv:\n    delimeter: ';'\n",
        "p.yaml line 6: unknown key 'ingest.csv.delimeter'; did you mean 'delimiter'? (known keys here: columns,"
            + " delimiter, header, max_record_bytes, null_values, quote)");
  }

  @Test
  void theFactoryIsFoundByItsSection() {
    List<String> sections =
        ServiceLoader.load(StageFactory.class).stream().map(p -> p.get().section()).toList();
    assertThat(sections).contains("ingest");
    assertThat(ServiceLoader.load(StageFactory.class).stream().map(ServiceLoader.Provider::type))
        .contains(IngestStageFactory.class);
  }
}
