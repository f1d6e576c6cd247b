package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The README lists every metric with the definition the code gives it ({@link MetricValues#DEFINITIONS}). */
class MetricDefinitionsInReadmeTest {
  @Test
  void everyMetricIsDefinedInTheReadmeAsInTheCode() throws IOException {
    Path readme = Paths.get("../README.md");
    String text = Files.readString(readme);
    MetricValues.DEFINITIONS.forEach((name, definition) ->
        assertThat(text).as(name).contains("| `" + name + "` | " + definition.replace("|", "\\|") + " |"));
  }
}
