package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, as the {@code beamline} script starts it, in a process of its own. */
class PackagedCommandIT {
  @TempDir Path tmp;

  @Test
  void packagedJarRunsTheExample() throws IOException, InterruptedException {
    Path jar = Paths.get("target/beamline.jar").toAbsolutePath();
    assertThat(jar).exists();
    Path log = tmp.resolve("out.log");
    Process p =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-jar",
                jar.toString(),
                "run",
                Paths.get("../examples/penguins/pipeline.yaml").toAbsolutePath().normalize().toString(),
                "--pipeline-root",
                tmp.resolve("runs").toString(),
                "--run-id",
                "packaged")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished within 3 minutes").isTrue();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output).contains("344 rows (0 rejected)");
    assertThat(tmp.resolve("runs/penguins/ingest/1/fingerprint.json")).exists();
    assertThat(tmp.resolve("runs/penguins/ingest/1/examples/train")).isDirectory();
  }
}
