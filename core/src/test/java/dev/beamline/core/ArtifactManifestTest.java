package dev.beamline.core;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest of a published folder and the check of a folder against it. */
class ArtifactManifestTest {
  /** SHA-256 of "abc", FIPS 180-2 appendix B.1. */
  private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  /** SHA-256 of the empty string. */
  private static final String SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @TempDir Path tmp;
  private Path dir;

  @BeforeEach
  void folder() throws IOException {
    dir = tmp.resolve("out");
    Files.createDirectories(dir.resolve("examples/train"));
    Files.writeString(dir.resolve("a.txt"), "abc");
    Files.writeString(dir.resolve("examples/train/part-0"), "");
    Files.writeString(dir.resolve(".published"), "1234"); // hidden (the runner's publish mark): no part of the artifact
  }

  @Test
  void listsEveryFileWithItsSizeAndSha256() {
    ArtifactManifest m = ArtifactManifest.of(dir.toString());
    assertThat(m.files())
        .containsExactly(new ArtifactManifest.Entry("a.txt", 3, SHA256_ABC), new ArtifactManifest.Entry("examples/train/part-0", 0, SHA256_EMPTY));
    assertThat(m.totalBytes()).isEqualTo(3);
    assertThat(ArtifactManifest.fromJson(m.toJson())).isEqualTo(m);
    assertThat(m.toJson().get("bytes").asLong()).isEqualTo(3);
  }

  @Test
  void findsAFolderIntactMissingOrChanged() throws IOException {
    ArtifactManifest m = ArtifactManifest.of(dir.toString());
    assertThat(m.check(dir.toString(), true)).isEqualTo(new ArtifactManifest.Check(ArtifactManifest.Outcome.INTACT, ""));

    // The same size, another content: seen only when hashing.
    Files.writeString(dir.resolve("a.txt"), "abd");
    assertThat(m.check(dir.toString(), false).intact()).isTrue();
    ArtifactManifest.Check hashed = m.check(dir.toString(), true);
    assertThat(hashed.outcome()).isEqualTo(ArtifactManifest.Outcome.CHANGED);
    assertThat(hashed.detail()).startsWith("a.txt has another content");

    Files.writeString(dir.resolve("a.txt"), "abcd");
    assertThat(m.check(dir.toString(), false).detail()).isEqualTo("a.txt holds 4 bytes, 3 when published");

    Files.writeString(dir.resolve("a.txt"), "abc");
    Files.writeString(dir.resolve("examples/train/part-1"), "");
    assertThat(m.check(dir.toString(), false).detail()).isEqualTo("examples/train/part-1 was added after it was published");

    Files.delete(dir.resolve("examples/train/part-1"));
    Files.delete(dir.resolve("examples/train/part-0"));
    assertThat(m.check(dir.toString(), false).detail()).isEqualTo("examples/train/part-0 is missing");

    ArtifactManifest.Check gone = m.check(tmp.resolve("nowhere").toString(), true);
    assertThat(gone.outcome()).isEqualTo(ArtifactManifest.Outcome.MISSING);
  }
}
