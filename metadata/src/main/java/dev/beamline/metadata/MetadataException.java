package dev.beamline.metadata;

/**
 * A failure of the metadata database itself (the statement and the database's own message), or a
 * change the store refuses, such as completing an execution another process took for killed.
 */
public class MetadataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MetadataException(String message, Throwable cause) {
    super(message, cause);
  }

  public MetadataException(String message) {
    super(message);
  }
}
