package dev.beamline.feedback;

import java.io.Serializable;

/**
 * One input file as the join read it: what it is ({@value #REQUEST_LOG} segment or {@value #LABELS}
 * file), its content's SHA-256 and size, and the rows read and rejected; listed in {@code
 * feedback.json} and stated to the runner, which keys the cache by content.
 */
public record FileRead(String role, String path, String sha256, long bytes, long rows, long rejected) implements Serializable {
  /** A segment of the request log. */
  public static final String REQUEST_LOG = "request_log";
  /** A label file. */
  public static final String LABELS = "labels";
}
