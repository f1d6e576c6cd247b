package dev.beamline.flink;

import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where the job jar is: {@code beamline-job.jar} beside the jar (or the classes folder's parent) that
 * holds a given class, e.g. {@code runner/target/beamline-job.jar} beside {@code runner/target/beamline.jar};
 * the environment variable {@code BEAMLINE_JOB_JAR} names another.
 */
public final class JobJar {
  public static final String FILE_NAME = "beamline-job.jar";

  private JobJar() {}

  public static Path besides(Class<?> anchor) {
    String env = System.getenv("BEAMLINE_JOB_JAR");
    if (env != null && !env.isBlank()) {
      return Path.of(env).toAbsolutePath();
    }
    try {
      Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      return location.getParent().resolve(FILE_NAME).toAbsolutePath();
    } catch (URISyntaxException | RuntimeException e) {
      return Path.of(FILE_NAME).toAbsolutePath();
    }
  }
}
