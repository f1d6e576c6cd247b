package dev.beamline.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.IngestExamples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FeedbackInputs} before anything was served or labelled: an empty request-log folder and an empty
 * label folder list as no traffic and no labels and resolve to the fixed columns; a missing folder is a
 * configuration error.
 */
class FeedbackInputsEmptyTest {
  @TempDir Path dir;

  @BeforeAll
  static void registerFileSystems() {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
  }

  private FeedbackConfig config(IngestExamples.Config labels, String time) {
    LabelSource source = LabelSource.of(labels, "species");
    return FeedbackConfig.of(dir.resolve("logs").toString(), time == null ? source : source.withTime(time));
  }

  private FeedbackConfig config(String time) {
    return config(IngestExamples.Config.of(dir.resolve("labels").toString() + "/*.csv"), time);
  }

  private void folders() throws Exception {
    Files.createDirectories(dir.resolve("logs"));
    Files.createDirectories(dir.resolve("labels"));
  }

  /** The request log's fixed columns, then the two the join adds, with {@code labelType}. */
  private static ExampleSchema joinedFixed(FeatureType labelType) {
    List<FeatureSpec> f = new ArrayList<>(List.of(FeatureSpec.of("request_id", FeatureType.STRING), FeatureSpec.of("time", FeatureType.TIMESTAMP),
        FeatureSpec.of("model", FeatureType.STRING), FeatureSpec.of("version", FeatureType.INT), FeatureSpec.of("label", FeatureType.STRING),
        FeatureSpec.of("method", FeatureType.STRING), FeatureSpec.of("signature", FeatureType.STRING), FeatureSpec.of("instance", FeatureType.INT)));
    f.add(FeatureSpec.of("feedback_label", labelType));
    f.add(FeatureSpec.of("feedback_time", FeatureType.TIMESTAMP));
    return ExampleSchema.of(f);
  }

  @Test
  void emptyFoldersAreNoTrafficAndNoLabelsYet() throws Exception {
    folders();
    // A model folder without any segment, and a hidden unpublished segment, are no traffic either.
    Files.createDirectories(dir.resolve("logs/penguins/1/.staging"));
    Files.writeString(dir.resolve("logs/penguins/1/.staging/s.parquet"), "x");
    Files.writeString(dir.resolve("labels/notes.txt"), "not a label file");
    FeedbackInputs in = FeedbackInputs.list(config("labelled_at"), "penguins");
    assertThat(in.noTraffic()).isTrue();
    assertThat(in.noLabels()).isTrue();
    assertThat(in.labelFileTimes()).isEmpty();
    assertThat(in.versions()).isEmpty();
    assertThat(in.segments().pattern()).isEqualTo(dir + "/logs/penguins/*/*.parquet");
    assertThat(in.resolved()).isFalse();
  }

  @Test
  void resolvingNothingGivesTheFixedColumnsAndTheLabelColumnsAsText() throws Exception {
    folders();
    FeedbackInputs in = FeedbackInputs.list(config("labelled_at"), "penguins").resolve();
    assertThat(in.resolved()).isTrue();
    assertThat(in.requests()).isEqualTo(ExampleSchema.of(TrafficSchema.FIXED));
    assertThat(in.traffic()).isEqualTo(joinedFixed(FeatureType.STRING));
    assertThat(in.segmentColumns()).isEmpty();
    // The time column is declared a timestamp first (labelConfig), then the key and the label are added as text.
    assertThat(in.labels().schema()).isEqualTo(ExampleSchema.of(List.of(FeatureSpec.of("labelled_at", FeatureType.TIMESTAMP),
        FeatureSpec.of("request_id", FeatureType.STRING), FeatureSpec.of("species", FeatureType.STRING))));
    assertThat(in.labels().files().files()).isEmpty();
    // Without a time column: the key and the label.
    assertThat(FeedbackInputs.list(config(null), "penguins").resolve().labels().schema()).isEqualTo(ExampleSchema.of(List.of(
        FeatureSpec.of("request_id", FeatureType.STRING), FeatureSpec.of("species", FeatureType.STRING))));
  }

  @Test
  void aDeclaredLabelTypeIsKept() throws Exception {
    folders();
    IngestExamples.Config labels = IngestExamples.Config.of(dir.resolve("labels") + "/*.csv")
        .withSchema(ExampleSchema.of(List.of(FeatureSpec.of("species", FeatureType.INT))));
    FeedbackInputs in = FeedbackInputs.list(config(labels, "labelled_at"), "penguins").resolve();
    assertThat(in.labels().schema()).isEqualTo(ExampleSchema.of(List.of(FeatureSpec.of("species", FeatureType.INT),
        FeatureSpec.of("labelled_at", FeatureType.TIMESTAMP), FeatureSpec.of("request_id", FeatureType.STRING))));
    assertThat(in.traffic()).isEqualTo(joinedFixed(FeatureType.INT));
  }

  @Test
  void withoutAFormatOrAnExtensionNoLabelFileCannotBeRead() throws Exception {
    folders();
    String input = dir.resolve("labels") + "/*";
    FeedbackInputs in = FeedbackInputs.list(config(IngestExamples.Config.of(input), null), "penguins");
    assertThat(in.noLabels()).isTrue();
    assertThatThrownBy(in::resolve).isInstanceOf(ConfigException.class)
        .hasMessage("feedback.labels.format: no label file has landed yet and the format cannot be told from '" + input
            + "'; set feedback.labels.format (csv, jsonl, avro, parquet)");
  }

  @Test
  void aMissingRequestLogFolderIsAnError() throws Exception {
    Files.createDirectories(dir.resolve("labels"));
    assertThatThrownBy(() -> FeedbackInputs.list(config(null), "penguins")).isInstanceOf(ConfigException.class)
        .hasMessage("feedback.request_log: no such folder: " + dir.resolve("logs") + " (the model server's --request-log folder)");
  }

  @Test
  void aMissingLabelFolderIsAnError() throws Exception {
    Files.createDirectories(dir.resolve("logs"));
    assertThatThrownBy(() -> FeedbackInputs.list(config(null), "penguins")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("feedback.labels.input: ")
        .hasMessageContaining(dir.resolve("labels") + "/*.csv");
  }

  @Test
  void theFixedFolderIsThePartBeforeTheFirstWildcard() {
    assertThat(FeedbackInputs.fixedFolder("/data/labels/*.csv")).isEqualTo("/data/labels");
    assertThat(FeedbackInputs.fixedFolder("/data/labels/day-?.csv")).isEqualTo("/data/labels");
    assertThat(FeedbackInputs.fixedFolder("/data/labels/[ab].csv")).isEqualTo("/data/labels");
    assertThat(FeedbackInputs.fixedFolder("/data/span-{SPAN}/labels.csv")).isEqualTo("/data");
    assertThat(FeedbackInputs.fixedFolder("/data/a/*/b/*.csv")).isEqualTo("/data/a");
    assertThat(FeedbackInputs.fixedFolder("/data/labels.csv")).isEqualTo("/data");
    assertThat(FeedbackInputs.fixedFolder("gs://bucket/labels/*.csv")).isEqualTo("gs://bucket/labels");
    assertThat(FeedbackInputs.fixedFolder("*.csv")).isNull();
    assertThat(FeedbackInputs.fixedFolder("labels.csv")).isNull();
  }
}
