package dev.beamline.runner;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A process a test starts, never left behind: {@link #waitFor} fails the test once its deadline passes,
 * and {@link #close} (try-with-resources) kills it and its descendants however the test ends.
 *
 * <pre>{@code
 * try (ChildProcess p = ChildProcess.start(new ProcessBuilder("java", "-jar", jar).redirectErrorStream(true))) {
 *   assertThat(p.waitFor(Duration.ofMinutes(3))).isZero();
 * }
 * }</pre>
 */
final class ChildProcess implements AutoCloseable {
  private final ProcessBuilder builder;
  private final Process process;

  private ChildProcess(ProcessBuilder builder, Process process) {
    this.builder = builder;
    this.process = process;
  }

  static ChildProcess start(ProcessBuilder builder) throws IOException {
    return new ChildProcess(builder, builder.start());
  }

  Process process() {
    return process;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits for the process to exit and returns its exit code.
   *
   * @throws AssertionError after killing it, when it runs longer than {@code timeout}
   */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new AssertionError(builder.command() + " did not finish within " + timeout + "; killed");
    }
    return process.exitValue();
  }

  /** Kills the process (SIGKILL) and its descendants, if still running, and waits for it to end. */
  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
