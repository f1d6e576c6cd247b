package dev.beamline.core.testing;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * scikit-learn in a child process, for tests that hold a model to an independent implementation. The
 * interpreter is {@code -Dbeamline.python} when set, else the first of {@code python3} and {@code
 * /usr/bin/python3} that imports sklearn; without one the test fails and says how to install it (CI's
 * {@code .ci/run} installs Debian's {@code python3-sklearn}).
 */
public final class ScikitLearn {
  private static final long TIMEOUT_SECONDS = 120;

  private ScikitLearn() {}

  /**
   * Runs {@code script} with {@code args} and reads the JSON object it prints last.
   *
   * @param workDir where its output is kept, for the failure message
   */
  public static JsonNode run(Path workDir, String script, String... args) throws IOException, InterruptedException {
    String python = interpreter(workDir);
    List<String> command = new ArrayList<>(List.of(python, "-c", script));
    command.addAll(List.of(args));
    Exec r = exec(workDir, command);
    if (r.code() != 0) {
      fail("%s exited with %s:%n%s", python, r.code(), r.output());
    }
    String[] lines = r.output().strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }

  private static String interpreter(Path workDir) throws IOException, InterruptedException {
    String configured = System.getProperty("beamline.python");
    List<String> candidates = configured != null ? List.of(configured) : List.of("python3", "/usr/bin/python3");
    List<String> tried = new ArrayList<>();
    for (String c : candidates) {
      try {
        Exec r = exec(workDir, List.of(c, "-c", "import sklearn; print(sklearn.__version__)"));
        if (r.code() == 0) {
          return c;
        }
        tried.add(c + ": " + r.output().strip().replaceAll("\\s+", " "));
      } catch (IOException e) {
        tried.add(c + ": " + e.getMessage());
      }
    }
    return fail("this test compares with scikit-learn, which no Python here imports (apt-get install python3-sklearn, as .ci/run does,"
        + " or set -Dbeamline.python); tried %s", tried);
  }

  private record Exec(int code, String output) {}

  /** Runs {@code command} with a timeout, its output (both streams) in a file; destroyed if it overruns. */
  private static Exec exec(Path workDir, List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile(workDir, "python", ".log");
    Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("%s did not finish in %s s: %s", command.get(0), TIMEOUT_SECONDS, Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Exec(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      p.destroyForcibly();
    }
  }
}
