package dev.beamline.serving.log;

import static dev.beamline.serving.log.LogFixtures.penguins;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.RunLayout;
import dev.beamline.core.YamlFiles;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.IngestResult;
import dev.beamline.ingest.IngestStageFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline's {@code ingest:} section pointed at the request log's folder, run on the DirectRunner:
 * the logged requests become a dataset.
 */
class RequestLogIngestTest {
  @TempDir Path tmp;

  /** The {@code ingest} section of {@code yaml}, as the runner hands it over, relative paths from {@code base}. */
  private static ConfigSection section(String yaml, Path base) throws IOException {
    JsonNode root = YamlFiles.YAML.readTree(yaml);
    return new ConfigSection("ingest", root.get("ingest"), "feedback.yaml", YamlFiles.lineIndex(yaml), base);
  }

  @Test
  void anIngestSectionReadsTheLogOfTheNewestModelVersion() throws IOException {
    Path log = tmp.resolve("request-log");
    try (ParquetRequestLog l = ParquetRequestLog.open(RequestLogConfig.of(log).withMaxSegmentBytes(4 << 10))) {
      for (int i = 0; i < 40; i++) {
        l.offer(penguins("new-" + i, 2, i));
      }
      LoggedRequest old = penguins("old", 1, 0);
      l.offer(new LoggedRequest("old", old.time(), "penguins", 2, null, "predict", "serving_default", old.inputs(), old.outputs()));
    }
    assertThat(LogFixtures.published(log).stream().filter(f -> f.startsWith("penguins/3/"))).hasSizeGreaterThan(1);

    // {SPAN} is the model version: the newest version's segments.
    String yaml = String.join("\n",
        "pipeline:",
        "  name: feedback",
        "ingest:",
        "  input: request-log/penguins/{SPAN}/*.parquet",
        "  splits: {all: 1}",
        "");
    IngestExamples.Config config = IngestStageFactory.config(section(yaml, tmp));
    assertThat(config.input()).isEqualTo(tmp.resolve("request-log/penguins/{SPAN}/*.parquet").toString());

    // Not a JUnit 4 rule here: enforcement turned on by hand, run() called below.
    TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(true);
    p.getOptions().as(DirectOptions.class).setEnforceImmutability(true);
    p.getOptions().as(DirectOptions.class).setEnforceEncodability(true);
    IngestResult result = p.apply(IngestExamples.from(config).to(RunLayout.of(tmp.resolve("runs"), "feedback", "r1")));
    assertThat(result.inputs().spans()).containsOnlyKeys(3L);
    p.run().waitUntilFinish();

    IngestOutput out = IngestOutput.open(result.outputDir());
    List<GenericRecord> rows = out.readSplit("all");
    assertThat(rows).hasSize(80);
    assertThat(out.fingerprint().get("rejected").asLong()).isZero();
    assertThat(rows).extracting(r -> r.get("request_id") + "#" + r.get("instance"))
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 40).boxed()
                .flatMap(i -> java.util.stream.Stream.of("new-" + i + "#0", "new-" + i + "#1")).toList());
    GenericRecord one = rows.stream().filter(r -> r.get("request_id").toString().equals("new-7") && (Long) r.get("instance") == 1)
        .findFirst().orElseThrow();
    assertThat(one.get("bill_length_mm")).isEqualTo(30 + 7 + 0.1);
    assertThat(one.get("island").toString()).isEqualTo("Dream");
    assertThat(one.get("version")).isEqualTo(3L);
    assertThat(one.get("output_class_ids")).isEqualTo(2L);
    assertThat(one.get("output_probabilities").toString()).isEqualTo("[0.5,0.25,0.25]");
  }
}
