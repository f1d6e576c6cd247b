package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifact files through Beam's FileSystems, on the local file system (HdfsPipelineIT runs them on HDFS). */
class StorageTest {
  @TempDir Path tmp;

  @Test
  void writesReadsListsPublishesAndDeletes() throws IOException {
    String staging = Storage.stagingOf(tmp.resolve("stage/7").toString());
    assertThat(staging).isEqualTo(tmp.resolve("stage/.staging-7").toString());
    Storage.writeString(Storage.resolve(staging, "a.json"), "{}\n");
    Storage.write(Storage.resolve(staging, "examples/train/part-0.parquet"), new byte[] {1, 2, 3});
    Storage.write(Storage.resolve(staging, "examples/eval/part-0.parquet"), new byte[0]);
    Files.createDirectories(Path.of(staging, "examples/train/.temp-beam"));
    Storage.writeString(Storage.resolve(staging, "a.json"), "{\"x\":1}\n"); // replaces

    assertThat(Storage.readString(Storage.resolve(staging, "a.json"))).isEqualTo("{\"x\":1}\n");
    assertThat(Storage.size(Storage.resolve(staging, "examples/train/part-0.parquet"))).isEqualTo(3);
    assertThat(Storage.list(staging)).containsExactly(Storage.resolve(staging, "a.json"));
    assertThat(Storage.listRecursively(staging))
        .containsExactly(
            Storage.resolve(staging, "a.json"),
            Storage.resolve(staging, "examples/eval/part-0.parquet"),
            Storage.resolve(staging, "examples/train/part-0.parquet"));
    assertThat(Storage.relativize(staging, Storage.resolve(staging, "examples/eval/part-0.parquet"))).isEqualTo("examples/eval/part-0.parquet");
    assertThat(Storage.match(Storage.resolve(staging, "examples/*/*.parquet"))).hasSize(2);
    assertThat(Storage.match(Storage.resolve(staging, "nothing/*"))).isEmpty();

    String target = tmp.resolve("stage/7").toString();
    Storage.publish(staging, target);
    assertThat(Storage.exists(staging)).isFalse();
    assertThat(Storage.exists(target)).isTrue();
    assertThat(Storage.readString(Storage.resolve(target, "a.json"))).isEqualTo("{\"x\":1}\n");
    // A published folder is never replaced.
    Storage.writeString(Storage.resolve(staging, "b.json"), "{}");
    assertThatThrownBy(() -> Storage.publish(staging, target)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("exists already");

    Storage.deleteRecursively(target);
    assertThat(Storage.exists(target)).isFalse();
    assertThat(tmp.resolve("stage/7")).doesNotExist();
    Storage.deleteRecursively(target); // nothing left: no error
    assertThatThrownBy(() -> Storage.read(Storage.resolve(target, "a.json"))).isInstanceOf(UncheckedIOException.class).hasMessageContaining("does not exist");
  }

  @Test
  void pathsAndUrisResolveAlike() {
    assertThat(Storage.resolve("hdfs://nn:8020/runs/", "p/ingest")).isEqualTo("hdfs://nn:8020/runs/p/ingest");
    assertThat(Storage.parent("hdfs://nn:8020/runs/p/ingest/7")).isEqualTo("hdfs://nn:8020/runs/p/ingest");
    assertThat(Storage.fileName("hdfs://nn:8020/runs/p/ingest/7/")).isEqualTo("7");
    assertThat(Storage.parent("schema.yaml")).isEqualTo(".");
    assertThat(Storage.parent("/schema.yaml")).isEqualTo("/");
    assertThat(Storage.stagingOf("hdfs://nn:8020/runs/p/ingest/7")).isEqualTo("hdfs://nn:8020/runs/p/ingest/.staging-7");
    assertThat(Storage.isLocal("/data/a.csv")).isTrue();
    assertThat(Storage.isLocal("file:///data/a.csv")).isTrue();
    assertThat(Storage.isLocal("hdfs://nn/data/a.csv")).isFalse();
  }

  @Test
  void publishingSyncsEveryStagedFileAndFolderBeforeTheRenameAndTheParentAfter() {
    String staging = tmp.resolve("stage/.staging-3").toString();
    Storage.writeString(Storage.resolve(staging, "examples/train/part-0.parquet"), "x");
    Storage.writeString(Storage.resolve(staging, "fingerprint.json"), "{}");
    List<String> synced = new ArrayList<>();
    java.util.function.Consumer<Path> real = Storage.fsync;
    Storage.fsync = p -> {
      synced.add(tmp.relativize(p).toString());
      real.accept(p);
    };
    try {
      Storage.publish(staging, tmp.resolve("stage/3").toString());
    } finally {
      Storage.fsync = real;
    }
    assertThat(synced)
        .containsExactly(
            "stage/.staging-3/examples/train/part-0.parquet",
            "stage/.staging-3/examples/train",
            "stage/.staging-3/examples",
            "stage/.staging-3/fingerprint.json",
            "stage/.staging-3",
            "stage");
  }
}
