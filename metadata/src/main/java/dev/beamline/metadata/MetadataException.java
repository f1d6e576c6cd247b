package dev.beamline.metadata;

/** A failure of the metadata database itself: the statement and the database's own message. */
public class MetadataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MetadataException(String message, Throwable cause) {
    super(message, cause);
  }
}
