package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file's SHA-256 taken while it is parsed equals the SHA-256 of its bytes, and counts only when complete. */
class ContentHashTest {
  @TempDir Path tmp;

  @Test
  void aFileReadOnceToItsEndIsHashedWithoutASecondRead() throws IOException {
    Path csv = tmp.resolve("a.csv");
    String text = "species,mass\nAdelie,3750\nGentoo,5000\n".repeat(5000);
    Files.writeString(csv, text);
    ContentHash hash = new ContentHash();
    ContentHash.during(hash, () -> {
      try (InputStream in = FormatReader.open(csv.toString())) {
        in.skip(7);
        in.read();
        in.readAllBytes();
      }
    });
    assertThat(hash.of(Files.size(csv))).hasValue(Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString());
  }

  @Test
  void aFileReadInPartOrOpenedTwiceIsNotHashedThisWay() throws IOException {
    Path csv = tmp.resolve("a.csv");
    Files.writeString(csv, "species,mass\nAdelie,3750\n");
    ContentHash partly = new ContentHash();
    ContentHash.during(partly, () -> {
      try (InputStream in = FormatReader.open(csv.toString())) {
        in.read(new byte[4]);
      }
    });
    assertThat(partly.of(Files.size(csv))).isEmpty();
    ContentHash twice = new ContentHash();
    ContentHash.during(twice, () -> {
      for (int i = 0; i < 2; i++) {
        try (InputStream in = FormatReader.open(csv.toString())) {
          in.readAllBytes();
        }
      }
    });
    assertThat(twice.of(Files.size(csv))).isEmpty();
    // Outside ingestion's reading nothing is hashed.
    try (InputStream in = FormatReader.open(csv.toString())) {
      assertThat(in.readAllBytes()).hasSize((int) Files.size(csv));
    }
  }
}
