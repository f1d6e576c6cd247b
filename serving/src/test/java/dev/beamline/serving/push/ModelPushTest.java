package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Version numbering and the atomic copy of {@link ModelPush}, on local disk. */
class ModelPushTest {
  @TempDir Path dir;

  /** A model-like folder: a graph, variables in a sub-folder, an extra file two folders down. */
  private Path source(String tag) throws IOException {
    Path s = dir.resolve("source-" + tag);
    Files.createDirectories(s.resolve("variables"));
    Files.createDirectories(s.resolve("assets.extra/deep"));
    Files.writeString(s.resolve("saved_model.pb"), "graph " + tag);
    Files.writeString(s.resolve("variables/variables.index"), "index " + tag);
    Files.write(s.resolve("variables/variables.data-00000-of-00001"), new byte[] {0, 1, 2, (byte) 255});
    Files.writeString(s.resolve("assets.extra/deep/model.json"), "{\"tag\": \"" + tag + "\"}");
    return s;
  }

  /** Every file under {@code root} by relative path, with its content. */
  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path f : all.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(f).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(f)));
      }
    }
    return files;
  }

  private static List<String> entries(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aServingBaseWithoutTheModelHasNoVersionAndTheFirstPushIsVersion1() throws Exception {
    ModelPush push = ModelPush.into(dir.resolve("serving").toString(), "penguins");
    assertThat(push.modelDir()).isEqualTo(dir.resolve("serving/penguins").toString());
    assertThat(push.versions()).isEmpty();
    assertThat(push.latest()).isEmpty();
    assertThat(push.nextVersion()).isEqualTo(1);

    Path source = source("a");
    ModelPush.Pushed p = push.push(source.toString());
    assertThat(p).isEqualTo(new ModelPush.Pushed("penguins", 1, dir.resolve("serving/penguins/1").toString()));
    assertThat(tree(Path.of(p.path()))).isEqualTo(tree(source));
    // Only the version: the staging folder was renamed onto it.
    assertThat(entries(dir.resolve("serving/penguins"))).containsExactly("1");
    assertThat(push.versions()).containsExactly(1L);
  }

  @Test
  void theNextVersionFollowsTheLargestIntegerFolderAndIgnoresGapsAndOtherNames() throws Exception {
    Path model = dir.resolve("serving/penguins");
    for (String name : List.of("1", "2", "7", "latest", "10a", ".staging-9-0a1b2c3d")) {
      Files.createDirectories(model.resolve(name));
      Files.writeString(model.resolve(name).resolve("saved_model.pb"), name);
    }
    // A file named like a version and an empty folder are no versions.
    Files.writeString(model.resolve("12"), "not a folder");
    Files.createDirectories(model.resolve("11"));
    ModelPush push = ModelPush.into(dir.resolve("serving").toString(), "penguins");
    assertThat(push.versions()).containsExactly(1L, 2L, 7L);
    assertThat(push.latest()).contains(7L);
    assertThat(push.nextVersion()).isEqualTo(8);
    assertThat(push.push(source("a").toString()).version()).isEqualTo(8);
    assertThat(push.versions()).containsExactly(1L, 2L, 7L, 8L);
    // Another model's versions do not count.
    assertThat(ModelPush.into(dir.resolve("serving").toString(), "other").nextVersion()).isEqualTo(1);
  }

  @Test
  void aCopyThatFailsHalfWayLeavesNeitherAVersionNorAStagingFolder() throws Exception {
    Path source = source("a");
    List<String> copied = new ArrayList<>();
    ModelPush failing = ModelPush.into(dir.resolve("serving").toString(), "penguins").withFileCopy((from, to) -> {
      if (copied.size() == 2) {
        throw new UncheckedIOException(new IOException("disk full"));
      }
      try {
        Files.createDirectories(Path.of(to).getParent());
        Files.copy(Path.of(from), Path.of(to));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      copied.add(to);
    });
    assertThatThrownBy(() -> failing.push(source.toString())).isInstanceOf(UncheckedIOException.class).hasMessageContaining("disk full");
    // Two files had reached the staging folder, which is gone with them.
    assertThat(copied).hasSize(2).allMatch(f -> f.startsWith(dir.resolve("serving/penguins/.staging-1-").toString()));
    assertThat(entries(dir.resolve("serving/penguins"))).isEmpty();
    assertThat(failing.versions()).isEmpty();
  }

  @Test
  void aVersionTakenWhileTheModelWasCopiedMakesThePushTakeTheNext() throws Exception {
    Path source = source("a");
    Path model = dir.resolve("serving/penguins");
    boolean[] raced = {false};
    ModelPush push = ModelPush.into(dir.resolve("serving").toString(), "penguins").withFileCopy((from, to) -> {
      try {
        if (!raced[0]) {
          // Another push publishes version 1 while this one copies.
          raced[0] = true;
          Files.createDirectories(model.resolve("1"));
          Files.writeString(model.resolve("1/saved_model.pb"), "the other push");
        }
        Files.createDirectories(Path.of(to).getParent());
        Files.copy(Path.of(from), Path.of(to));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    ModelPush.Pushed p = push.push(source.toString());
    assertThat(p.version()).isEqualTo(2);
    assertThat(tree(model.resolve("2"))).isEqualTo(tree(source));
    assertThat(tree(model.resolve("1"))).isEqualTo(Map.of("saved_model.pb", java.util.HexFormat.of().formatHex("the other push".getBytes())));
    assertThat(entries(model)).containsExactly("1", "2");
  }

  @Test
  void concurrentPushesGetDistinctCompleteVersions() throws Exception {
    int threads = 6;
    int each = 2;
    List<Path> sources = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      sources.add(source("t" + t));
    }
    String base = dir.resolve("serving").toString();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<ModelPush.Pushed>>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Path source = sources.get(t);
      futures.add(pool.submit(() -> {
        start.await();
        List<ModelPush.Pushed> pushed = new ArrayList<>();
        for (int i = 0; i < each; i++) {
          pushed.add(ModelPush.into(base, "penguins").push(source.toString()));
        }
        return pushed;
      }));
    }
    start.countDown();
    Map<Long, Path> sourceOfVersion = new TreeMap<>();
    for (int t = 0; t < threads; t++) {
      for (ModelPush.Pushed p : futures.get(t).get(60, TimeUnit.SECONDS)) {
        assertThat(sourceOfVersion.put(p.version(), sources.get(t))).as("version %s pushed twice", p.version()).isNull();
      }
    }
    pool.shutdown();
    assertThat(sourceOfVersion.keySet()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    for (Map.Entry<Long, Path> e : sourceOfVersion.entrySet()) {
      assertThat(tree(dir.resolve("serving/penguins/" + e.getKey()))).isEqualTo(tree(e.getValue()));
    }
    assertThat(entries(dir.resolve("serving/penguins"))).hasSize(12).noneMatch(n -> n.startsWith("."));
  }

  @Test
  void namesThatCannotNameAFolderAreRefused() {
    for (String bad : List.of("", "../penguins", ".hidden", "a/b", "pen guins")) {
      assertThatThrownBy(() -> ModelPush.into(dir.toString(), bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("model name '" + bad + "' cannot name a folder: use letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    assertThat(ModelPush.into(dir.toString(), "penguins-v2.1_x").name()).isEqualTo("penguins-v2.1_x");
  }

  @Test
  void anEmptySourceIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> ModelPush.into(dir.resolve("serving").toString(), "penguins").push(empty.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(empty + " holds no files to push");
    assertThat(Files.exists(dir.resolve("serving"))).isFalse();
  }

  @Test
  void theModelFingerprintIsTheTrainingStagesOverTheGraphAndVariables() throws Exception {
    Path a = source("a");
    // Computed here independently: path and SHA-256 of each graph and variables file, in path order.
    com.google.common.hash.Hasher h = com.google.common.hash.Hashing.sha256().newHasher();
    for (String rel : List.of("saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index")) {
      h.putUnencodedChars(rel).putUnencodedChars(com.google.common.hash.Hashing.sha256().hashBytes(Files.readAllBytes(a.resolve(rel))).toString());
    }
    String expected = h.hash().toString();
    assertThat(ModelPush.modelFingerprint(a.toString())).isEqualTo(expected);
    // The extra files say what the model is, not what it computes.
    Files.writeString(a.resolve("assets.extra/deep/model.json"), "changed");
    assertThat(ModelPush.modelFingerprint(a.toString())).isEqualTo(expected);
  }
}
