package dev.beamline.runner.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import org.junit.jupiter.api.Test;

class DatasetVersionTest {
  @Test
  void movesAFileToAnotherVersionOfItsSpan() {
    DatasetVersion v = DatasetVersion.of("/data/{SPAN}/v{VERSION}/*.csv", "/data/3/v1/a.csv");
    assertThat(v.span()).isEqualTo(3);
    assertThat(v.version()).isEqualTo(1);
    assertThat(v.pathIn(2)).isEqualTo("/data/3/v2/a.csv");
    assertThat(v.folderIn(2)).isEqualTo("/data/3/v2");
    assertThat(v.pathIn(10)).isEqualTo("/data/3/v10/a.csv");
    assertThat(v.folderIn(10)).isEqualTo("/data/3/v10");
  }

  @Test
  void keepsTheWidthOfZeroPaddedVersions() {
    DatasetVersion v = DatasetVersion.of("/d/span-{SPAN}/version-{VERSION}/part-*.csv", "/d/span-12/version-009/part-1.csv");
    assertThat(v.pathIn(10)).isEqualTo("/d/span-12/version-010/part-1.csv");
    assertThat(v.folderIn(10)).isEqualTo("/d/span-12/version-010");
    assertThat(v.pathIn(1000)).isEqualTo("/d/span-12/version-1000/part-1.csv");
  }

  @Test
  void aVersionInTheFileNameHasNoFolder() {
    DatasetVersion v = DatasetVersion.of("/d/{SPAN}/data-v{VERSION}.jsonl", "/d/5/data-v2.jsonl");
    assertThat(v.pathIn(3)).isEqualTo("/d/5/data-v3.jsonl");
    assertThat(v.folderIn(3)).isNull();
  }

  @Test
  void refusesAPatternWithoutVersionOrAPathItDoesNotMatch() {
    assertThatThrownBy(() -> DatasetVersion.of("/d/penguins.csv", "/d/penguins.csv")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("the input pattern '/d/penguins.csv' has no {VERSION} (and {SPAN})");
    assertThatThrownBy(() -> DatasetVersion.of("/d/{SPAN}/v{VERSION}/*.csv", "/e/1/v1/a.csv")).isInstanceOf(ConfigException.class)
        .hasMessage("/e/1/v1/a.csv does not match its ingestion's input pattern '/d/{SPAN}/v{VERSION}/*.csv'");
  }
}
