package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.MetadataStore;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Adding a stage" example, compiled from the README itself, registered with one line and
 * run after ingestion from a pipeline file: a new stage needs nothing else.
 */
class AddingAStageIT {
  private static final Path README = Paths.get("../README.md").toAbsolutePath().normalize();
  private static final Path CSV = Paths.get("../examples/penguins/data/penguins.csv").toAbsolutePath().normalize();

  @TempDir Path tmp;

  /** The first Java block after the README's "## Adding a stage" heading. */
  static String exampleSource() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("\n## Adding a stage\n");
    assertThat(section).as("README has an 'Adding a stage' section").isPositive();
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    return readme.substring(start, readme.indexOf("\n```", start) + 1);
  }

  @Test
  void theReadmeStageCompilesRegistersAndRunsAfterIngestion() throws Exception {
    Path src = tmp.resolve("src/com/example/counts/CountExamples.java");
    Files.createDirectories(src.getParent());
    Files.writeString(src, exampleSource());
    Path classes = tmp.resolve("classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc = javac.run(null, null, null, "-classpath", System.getProperty("java.class.path"), "-d", classes.toString(), src.toString());
    assertThat(rc).as("javac on the README's example").isZero();
    Path services = classes.resolve("META-INF/services/dev.beamline.core.stage.StageFactory");
    Files.createDirectories(services.getParent());
    Files.writeString(services, "com.example.counts.CountExamples$Factory\n", StandardCharsets.UTF_8);

    Path yaml = tmp.resolve("counts.yaml");
    Files.writeString(yaml, String.join("\n",
        "pipeline:",
        "  name: counts",
        "ingest:",
        "  input: " + CSV,
        "count_examples: {}",
        ""));
    Path root = tmp.resolve("runs");
    ClassLoader before = Thread.currentThread().getContextClassLoader();
    try (URLClassLoader plugin = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Thread.currentThread().setContextClassLoader(plugin);
      BeamlineCliIT.Result r = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root.toString(), "--run-id", "r1");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("count_examples: ran as execution #2").contains("eval=124, train=220");
      // A typo in the new section is named like any other.
      Files.writeString(yaml, Files.readString(yaml).replace("count_examples: {}", "count_examples:\n  split: train"));
      BeamlineCliIT.Result typo = BeamlineCliIT.cli("run", yaml.toString(), "--pipeline-root", root.toString(), "--run-id", "r2");
      assertThat(typo.code()).isEqualTo(2);
      assertThat(typo.err()).contains("counts.yaml line 6: unknown key 'count_examples.split'");
    } finally {
      Thread.currentThread().setContextClassLoader(before);
    }
    assertThat(Files.readString(root.resolve("counts/count_examples/2/counts.tsv"))).isEqualTo("eval\t124\ntrain\t220\n");
    try (MetadataStore store = MetadataStore.open(MetadataStore.sqliteUrl(root.resolve("metadata.sqlite")))) {
      List<Artifact> counts = store.artifacts("EXAMPLE_COUNTS", 10);
      assertThat(counts).singleElement().satisfies(a -> {
        assertThat(a.state()).isEqualTo(ArtifactState.LIVE);
        assertThat(a.properties().get("train").asLong()).isEqualTo(220);
        assertThat(a.properties().get("eval").asLong()).isEqualTo(124);
      });
    }
  }
}
