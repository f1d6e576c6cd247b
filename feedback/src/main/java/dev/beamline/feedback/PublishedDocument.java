package dev.beamline.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON document a feedback stage published in its folder, read back when the stage describes it. */
final class PublishedDocument {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PublishedDocument() {}

  /**
   * The JSON file {@code file} in the published folder {@code dir}.
   *
   * @throws UncheckedIOException naming the file and the folder when it cannot be read or parsed
   */
  static JsonNode read(String dir, String file) {
    try {
      return JSON.readTree(Storage.readString(Storage.resolve(dir, file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " in " + dir + ": " + e.getMessage(), e);
    }
  }
}
