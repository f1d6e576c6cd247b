package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code beamline} command in a JVM of its own ({@link ChildProcess}), for tests that kill a run or
 * run several at once: its output (standard output and error together) goes to a file that the test
 * reads while it runs. Closing it kills the process if it still lives.
 *
 * <pre>{@code
 * try (LoggedRun r = LoggedRun.packagedJar(log, List.of("-Dbeamline.test.pauseAt=staged:ingest"), "run", yaml)) {
 *   r.awaitOutput(out -> out.contains("paused at"), "the pause", 120);
 *   r.child().kill();
 * }
 * }</pre>
 */
final class LoggedRun implements AutoCloseable {
  private final ChildProcess child;
  private final Path log;

  private LoggedRun(ChildProcess child, Path log) {
    this.child = child;
    this.log = log;
  }

  private static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * The code version the packaged jar records (its manifest's); a run in the test's own JVM records
   * {@code dev}. A run here given {@code --code-version} with it computes the same stages as the jar.
   */
  static String packagedVersion() throws IOException {
    try (java.util.jar.JarFile jar = new java.util.jar.JarFile(Paths.get("target/beamline.jar").toFile())) {
      return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
    }
  }

  /** {@code java <jvmOptions> -jar runner/target/beamline.jar <args>}: the packaged jar, as {@code ./beamline} starts it. */
  static LoggedRun packagedJar(Path log, List<String> jvmOptions, String... args) throws IOException {
    Path jar = Paths.get("target/beamline.jar").toAbsolutePath();
    assertThat(jar).exists();
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx1g"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(List.of(args));
    return start(command, log);
  }

  /** {@code java <jvmOptions> -cp <this test's class path> dev.beamline.runner.BeamlineCli <args>}. */
  static LoggedRun cli(Path log, List<String> jvmOptions, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx1g"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), BeamlineCli.class.getName()));
    command.addAll(List.of(args));
    return start(command, log);
  }

  private static LoggedRun start(List<String> command, Path log) throws IOException {
    return new LoggedRun(ChildProcess.start(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())), log);
  }

  ChildProcess child() {
    return child;
  }

  /** What the process printed so far. */
  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Waits until the output satisfies {@code condition}; fails if the process ends first or after {@code seconds}. */
  void awaitOutput(Predicate<String> condition, String what, long seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.test(output())) {
      assertThat(child.isAlive()).as("the process ended before %s; output:%n%s", what, output()).isTrue();
      assertThat(System.nanoTime()).as("waited %d s for %s; output:%n%s", seconds, what, output()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Waits up to {@code seconds} for the process to end and returns its exit code; kills it and fails when it does not end. */
  int exitCode(long seconds) throws InterruptedException {
    return child.waitFor(Duration.ofSeconds(seconds));
  }

  @Override
  public void close() {
    child.close();
  }
}
