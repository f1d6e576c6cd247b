package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunLayoutTest {
  private static final Path ROOT = Paths.get("/srv/beamline-runs");
  private static final String RUN = "20261128-101502-3fa9";

  @Test
  void placesOutputsAndStagingUnderPipelineAndStage() {
    RunLayout layout = RunLayout.of(ROOT, "penguins", RUN);

    assertThat(layout.pipelineRoot()).isEqualTo(Paths.get("/srv/beamline-runs"));
    assertThat(layout.pipelineName()).isEqualTo("penguins");
    assertThat(layout.runId()).isEqualTo(RUN);
    assertThat(layout.stageDir("ingest")).isEqualTo(Paths.get("/srv/beamline-runs/penguins/ingest"));
    assertThat(layout.outputDir("ingest"))
        .isEqualTo(Paths.get("/srv/beamline-runs/penguins/ingest/20261128-101502-3fa9"));
    assertThat(layout.stagingDir("ingest"))
        .isEqualTo(Paths.get("/srv/beamline-runs/penguins/ingest/.staging-20261128-101502-3fa9"));
    // Staging is beside the output, so that publishing is a rename within one folder.
    assertThat(layout.stagingDir("statistics").getParent()).isEqualTo(layout.outputDir("statistics").getParent());
    assertThat(layout.toString()).isEqualTo("/srv/beamline-runs/penguins/<stage>/20261128-101502-3fa9");
  }

  @Test
  void makesTheRootAbsoluteAndNormal() {
    RunLayout layout = RunLayout.of(Paths.get("runs/../other-runs/."), "p", "r1");

    assertThat(layout.pipelineRoot()).isEqualTo(Paths.get("other-runs").toAbsolutePath());
    assertThat(layout.outputDir("train")).isEqualTo(Paths.get("other-runs", "p", "train", "r1").toAbsolutePath());
  }

  @ParameterizedTest
  @ValueSource(strings = {"penguins", "v1.2_rc-3", "0", "A.b-c_d"})
  void acceptsNamesOfLettersDigitsDotsUnderscoresAndDashes(String name) {
    RunLayout layout = RunLayout.of(ROOT, name, name);

    assertThat(layout.outputDir(name)).isEqualTo(ROOT.resolve(name).resolve(name).resolve(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", ".hidden", "-x", "_x", "a/b", "../escape", "a b", "a\\b", "tab\t", "é"})
  void rejectsNamesThatCouldEscapeOrHideTheFolder(String name) {
    assertThatThrownBy(() -> RunLayout.of(ROOT, name, RUN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "pipeline name '" + name + "' is not valid: use letters, digits, '.', '_' and '-', starting with a"
                + " letter or digit");
    assertThatThrownBy(() -> RunLayout.of(ROOT, "penguins", name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("run id '" + name + "' is not valid");
    RunLayout layout = RunLayout.of(ROOT, "penguins", RUN);
    assertThatThrownBy(() -> layout.outputDir(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stage '" + name + "' is not valid");
    assertThatThrownBy(() -> layout.stagingDir(name)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsNullArguments() {
    assertThatThrownBy(() -> RunLayout.of((java.nio.file.Path) null, "p", RUN)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> RunLayout.of(ROOT, null, RUN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipeline name 'null' is not valid");
  }

  @Test
  void newRunIdsAreTimestampedValidAndDistinct() {
    String a = RunLayout.newRunId();

    assertThat(a).matches("\\d{8}-\\d{6}-[0-9a-f]{4}");
    assertThat(RunLayout.of(ROOT, "p", a).runId()).isEqualTo(a);
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    RunLayout layout = RunLayout.of(ROOT, "penguins", RUN);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(layout);
    }
    RunLayout copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (RunLayout) in.readObject();
    }

    assertThat(copy.outputDir("ingest")).isEqualTo(layout.outputDir("ingest"));
  }
}
