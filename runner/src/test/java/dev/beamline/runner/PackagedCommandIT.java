package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
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
    ProcessBuilder command =
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
            .redirectOutput(log.toFile());
    int exit;
    try (ChildProcess p = ChildProcess.start(command)) {
      exit = p.waitFor(Duration.ofMinutes(3));
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(exit).as(output).isZero();
    assertThat(output).contains("344 rows (0 rejected)");
    assertThat(tmp.resolve("runs/penguins/ingest/1/fingerprint.json")).exists();
    assertThat(tmp.resolve("runs/penguins/ingest/1/examples/train")).isDirectory();
  }
}
