package dev.beamline.core;

/**
 * Thrown when a pipeline's configuration is wrong: an unknown key, a missing input file, a value out of
 * range. The message names the file, line and key where known. The command line maps it to exit code 2.
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
