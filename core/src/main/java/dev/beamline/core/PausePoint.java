package dev.beamline.core;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * A test hook, never set in production: named points of a run where the process may be told to stop
 * and wait, so that a test can kill it (SIGKILL) or let another process overtake it at a moment it
 * knows. With the system property {@code beamline.test.pauseAt=<point>}, a process reaching {@code
 * <point>} prints {@code beamline-test: paused at <point>} to standard error and waits: until the file
 * named by {@code beamline.test.resumeFile} exists, or forever when that property is not set.
 * Without the property, {@link #reach} does nothing.
 *
 * <p>Points: {@code staged:<stage>} once the stage's staging folder is complete and before it is
 * renamed onto its output folder; {@code published:<stage>} right after that rename, before the run
 * records the output in the metadata store ({@link Storage#publish}); {@code trial:<id>} when a tuner's
 * trial {@code <id>} is about to train.
 *
 * <pre>{@code
 * java -Dbeamline.test.pauseAt=staged:transform -jar runner/target/beamline.jar run pipeline.yaml
 * }</pre>
 */
public final class PausePoint {
  /** The system property naming the point to pause at. */
  public static final String PROPERTY = "beamline.test.pauseAt";
  /** The system property naming a file whose existence ends the pause. */
  public static final String RESUME_PROPERTY = "beamline.test.resumeFile";
  /** What a paused process prints, followed by the point. */
  public static final String MARKER = "beamline-test: paused at ";

  private PausePoint() {}

  /** Pauses here if the process was told to pause at {@code point}. */
  public static void reach(String point) {
    if (!point.equals(System.getProperty(PROPERTY))) {
      return;
    }
    PrintStream err = System.err;
    err.println(MARKER + point);
    err.flush();
    String resume = System.getProperty(RESUME_PROPERTY);
    try {
      while (resume == null || !Files.exists(Paths.get(resume))) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
