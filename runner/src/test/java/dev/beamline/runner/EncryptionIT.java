package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.crypto.ArtifactCipher;
import dev.beamline.core.crypto.Encryption;
import dev.beamline.core.crypto.MasterKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pipeline.encryption} end to end: the penguins pipeline (ingest to push) on data with a marker
 * string planted in a categorical column (so it reaches the vocabularies, the statistics, the schema,
 * the model's graph, the evaluation's slices and the dead-letter file) leaves the marker in no file under
 * the pipeline root, and neither does the model server's request log; the server answers from the
 * encrypted serving base; a wrong or missing key is exit code 2 with nothing written; a changed or
 * swapped file is detected; after a key rotation {@code beamline rekey} moves every file to the new key.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptionIT {
  private static final String MARKER = "ZQXMARKER";
  private static final String VAR = "BEAMLINE_TEST_MASTER_KEY";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final Pattern PORTS = Pattern.compile("serving REST on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir static Path dir;
  private static final String masterKey = MasterKey.generate();
  private static Path pipeline;
  private static Path root;
  private static Path keyset;
  private static BeamlineCliIT.Result run;

  @BeforeAll
  static void runTheEncryptedPipeline() throws IOException {
    MasterKey.useEnvironmentForTests(Map.of(VAR, masterKey)::get);
    String csv = Files.readString(EXAMPLE.resolve("data/penguins.csv")).replace(",Dream,", ",Dream" + MARKER + ",")
        // A row of too few fields: the dead-letter file quotes it.
        + "Gentoo,Dream" + MARKER + ",45.1\n";
    Files.createDirectories(dir.resolve("p/data"));
    Files.writeString(dir.resolve("p/data/penguins.csv"), csv);
    keyset = dir.resolve("keys/penguins.keyset.json");
    BeamlineCliIT.Result created = BeamlineCliIT.cli("keyset", "create", "--out", keyset.toString(), "--master-key-env", VAR);
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).startsWith("wrote " + keyset + ": one key (id ");
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml"));
    yaml = yaml.replace("  name: penguins\n", "  name: penguins\n  encryption: {keyset: ../keys/penguins.keyset.json, master_key_env: " + VAR + "}\n")
        .replace("max_rejected_fraction: 0 ", "max_rejected_fraction: 0.01 ");
    // Tuning trains four more models: not what this test is about.
    yaml = yaml.substring(0, yaml.indexOf("\ntune:")) + yaml.substring(yaml.indexOf("\nevaluate:"));
    pipeline = dir.resolve("p/pipeline.yaml");
    Files.writeString(pipeline, yaml);
    root = dir.resolve("runs");
    run = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
  }

  @AfterEach
  void forgetRoots() {
    Encryption.clear();
  }

  @AfterAll
  static void resetEnvironment() {
    MasterKey.useEnvironmentForTests(null);
  }

  private static List<Path> files(Path under) throws IOException {
    try (Stream<Path> all = Files.walk(under)) {
      return all.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static boolean holdsMarker(Path f) throws IOException {
    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(MARKER);
  }

  @Test
  @Order(1)
  void theWholePipelineRunsAndNoFileUnderTheRootHoldsTheMarker() throws IOException {
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("344 rows (1 rejected)").contains("BLESSED").contains("pushed penguins version 1");
    List<Path> all = files(root);
    assertThat(all).hasSizeGreaterThan(40);
    List<String> plaintext = new ArrayList<>();
    for (Path f : all) {
      assertThat(holdsMarker(f)).as("%s holds the marker", f).isFalse();
      byte[] head = Files.readAllBytes(f);
      if (!ArtifactCipher.isEncrypted(head)) {
        plaintext.add(root.relativize(f).toString());
      }
    }
    // Only the metadata store, the run's log and the root's marker (key ids) are plaintext, by design (README: threat model).
    assertThat(plaintext).hasSize(3).contains("metadata.sqlite", Encryption.MARKER).anyMatch(p -> p.matches("penguins/logs/.*\\.log"));
    assertThat(Files.readString(root.resolve(Encryption.MARKER))).matches("\\{\"key_ids\":\\[\\d+\\]\\}\n");
    // The marker is there, encrypted: in the dead letter, the vocabulary, the statistics, the model.
    for (String rel : List.of("penguins/ingest/1/dead_letter", "penguins/transform/5/vocabularies/island.tsv",
        "penguins/statistics/2/statistics.json", "penguins/train/6/saved_model.pb", "serving/penguins/1/saved_model.pb")) {
      Path f = root.resolve(rel);
      if (Files.isDirectory(f)) {
        f = files(f).get(0);
      }
      BeamlineCliIT.Result plain = decrypt(f);
      assertThat(plain.code()).as(rel + ": " + plain.err()).isZero();
    }
  }

  private static BeamlineCliIT.Result decrypt(Path f) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream saved = System.out;
    System.setOut(new java.io.PrintStream(bytes, true));
    try {
      BeamlineCliIT.Result r = BeamlineCliIT.cli("decrypt", "--encryption-keyset", keyset.toString(), "--master-key-env", VAR,
          "--pipeline-root", root.toString(), f.toString());
      return new BeamlineCliIT.Result(r.code(), bytes.toString(StandardCharsets.ISO_8859_1), r.err());
    } finally {
      System.setOut(saved);
    }
  }

  @Test
  @Order(2)
  void decryptShowsTheMarkerInsideTheEncryptedFiles() {
    assertThat(decrypt(root.resolve("penguins/transform/5/vocabularies/island.tsv")).out()).contains("Dream" + MARKER);
    assertThat(decrypt(root.resolve("penguins/statistics/2/statistics.json")).out()).contains("Dream" + MARKER);
    assertThat(decrypt(root.resolve("penguins/evaluate/7/metrics.json")).out()).contains("island=Dream" + MARKER);
  }

  @Test
  @Order(3)
  void theServerAnswersFromTheEncryptedServingBaseAndLogsEncrypted() throws Exception {
    Path requests = dir.resolve("requests");
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-jar",
        Paths.get("target/beamline.jar").toAbsolutePath().toString(), "serve", "--model-base", root.resolve("serving").toString(),
        "--rest-port", "0", "--grpc-port", "-1", "--request-log", requests.toString(), "--request-log-segment-seconds", "3600",
        "--encryption-keyset", keyset.toString(), "--master-key-env", VAR));
    ProcessBuilder b = new ProcessBuilder(cmd).redirectError(dir.resolve("serve.err").toFile());
    b.environment().put(VAR, masterKey);
    try (ChildProcess server = ChildProcess.start(b)) {
      BufferedReader out = new BufferedReader(new InputStreamReader(server.process().getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertThat(first).as(Files.readString(dir.resolve("serve.err"))).isNotNull();
      Matcher m = PORTS.matcher(first);
      assertThat(m.find()).as(first).isTrue();
      assertThat(out.readLine()).isEqualTo("  model penguins: ready");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      String row = "{\"island\": \"Dream" + MARKER + "\", \"culmen_length_mm\": 39.1, \"culmen_depth_mm\": 18.7, "
          + "\"flipper_length_mm\": 181, \"body_mass_g\": 3750, \"sex\": \"MALE\"}";
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.group(1) + "/v1/models/penguins:predict"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + row + "]}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode p = JSON.readTree(r.body());
      assertThat(p.at("/predictions/0/classes").asText()).isEqualTo("Adelie");
      server.process().destroy();
      assertThat(server.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    List<Path> logged = files(requests).stream().filter(f -> f.toString().endsWith(".parquet")).toList();
    assertThat(logged).hasSize(1);
    for (Path f : files(requests)) {
      assertThat(holdsMarker(f)).as(f.toString()).isFalse();
      assertThat(ArtifactCipher.isEncrypted(Files.readAllBytes(f))).as(f.toString()).isTrue();
    }
    // Model files were decrypted into memory only: nothing of the model in the temporary folder.
    try (Stream<Path> tmp = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
      assertThat(tmp.filter(f -> f.getFileName().toString().startsWith("beamline-model-")).filter(f -> {
        try {
          return Files.getLastModifiedTime(f).toMillis() > System.currentTimeMillis() - 120_000;
        } catch (IOException e) {
          return false;
        }
      }).toList()).isEmpty();
    }
  }

  @Test
  @Order(4)
  void aWrongOrMissingKeyIsExitCode2AndWritesNothing() throws IOException {
    Path fresh = dir.resolve("fresh-root");
    MasterKey.useEnvironmentForTests(Map.of(VAR, MasterKey.generate())::get);
    try {
      BeamlineCliIT.Result wrong = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", fresh.toString());
      assertThat(wrong.code()).as(wrong.out() + wrong.err()).isEqualTo(2);
      assertThat(wrong.err()).contains("cannot open the encryption keyset " + keyset.toAbsolutePath().normalize())
          .contains("the master key is wrong");
      MasterKey.useEnvironmentForTests(Map.<String, String>of()::get);
      BeamlineCliIT.Result missing = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", fresh.toString());
      assertThat(missing.code()).isEqualTo(2);
      assertThat(missing.err()).contains("the master key variable " + VAR + " is not set");
      // Against the existing root: nothing is added to it either.
      long before = files(root).size();
      BeamlineCliIT.Result again = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
      assertThat(again.code()).isEqualTo(2);
      assertThat(files(root)).hasSize((int) before);
    } finally {
      MasterKey.useEnvironmentForTests(Map.of(VAR, masterKey)::get);
    }
    assertThat(fresh).doesNotExist();
    long before = files(root).size();
    // The encrypted root, with the encryption section left out: refused before anything is written.
    Path unkeyed = dir.resolve("p/unkeyed.yaml");
    Files.writeString(unkeyed, Files.readString(pipeline).replaceAll("  encryption: \\{[^}]*\\}\n", ""));
    BeamlineCliIT.Result plain = BeamlineCliIT.cli("run", unkeyed.toString(), "--pipeline-root", root.toString());
    assertThat(plain.code()).as(plain.out() + plain.err()).isEqualTo(2);
    assertThat(plain.err()).contains("the pipeline root " + root + " holds encrypted artifacts (" + Encryption.MARKER + "): set pipeline.encryption");
    // Another keyset, opened by the right master key: refused too.
    Path other = dir.resolve("keys/other.keyset.json");
    assertThat(BeamlineCliIT.cli("keyset", "create", "--out", other.toString(), "--master-key-env", VAR).code()).isZero();
    Path otherYaml = dir.resolve("p/other.yaml");
    Files.writeString(otherYaml, Files.readString(pipeline).replace("penguins.keyset.json", "other.keyset.json"));
    BeamlineCliIT.Result otherKeys = BeamlineCliIT.cli("run", otherYaml.toString(), "--pipeline-root", root.toString());
    assertThat(otherKeys.code()).as(otherKeys.out() + otherKeys.err()).isEqualTo(2);
    assertThat(otherKeys.err()).contains("the pipeline root " + root + " was encrypted with another keyset");
    assertThat(files(root)).hasSize((int) before);
    // Reading an encrypted root without any keyset names what is missing.
    BeamlineCliIT.Result noKeyset = BeamlineCliIT.cli("runs", "--metadata-url", "jdbc:sqlite:" + root.resolve("metadata.sqlite"));
    assertThat(noKeyset.code()).isZero();
  }

  @Test
  @Order(5)
  void aChangedOrSwappedFileIsDetected() throws IOException {
    Path stats = root.resolve("penguins/statistics/2/statistics.json");
    byte[] original = Files.readAllBytes(stats);
    byte[] changed = original.clone();
    changed[changed.length / 2] ^= 0x20;
    Files.write(stats, changed);
    BeamlineCliIT.Result tampered = decrypt(stats);
    assertThat(tampered.code()).isEqualTo(1);
    assertThat(tampered.err()).contains("cannot decrypt " + stats + ": its bytes were changed");
    Files.write(stats, original);
    assertThat(decrypt(stats).code()).isZero();

    Path train = files(root.resolve("penguins/ingest/1/examples/train")).get(0);
    Path eval = files(root.resolve("penguins/ingest/1/examples/eval")).get(0);
    byte[] trainBytes = Files.readAllBytes(train);
    Files.copy(eval, train, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    BeamlineCliIT.Result swapped = decrypt(train);
    assertThat(swapped.code()).isEqualTo(1);
    assertThat(swapped.err()).contains("was encrypted as root:penguins/ingest/1/examples/eval").contains("moved or swapped");
    Files.write(train, trainBytes);
  }

  @Test
  @Order(6)
  void afterARotationRekeyMovesEveryFileToTheNewKeyAndTheRootStillWorks() throws IOException {
    BeamlineCliIT.Result rotated = BeamlineCliIT.cli("keyset", "rotate", "--encryption-keyset", keyset.toString(), "--master-key-env", VAR);
    assertThat(rotated.code()).as(rotated.err()).isZero();
    Matcher m = Pattern.compile("new primary key (\\d+); 1 older key").matcher(rotated.out());
    assertThat(m.find()).as(rotated.out()).isTrue();
    int primary = Integer.parseUnsignedInt(m.group(1));
    // Old files stay readable with the rotated keyset.
    assertThat(decrypt(root.resolve("penguins/statistics/2/statistics.json")).code()).isZero();
    BeamlineCliIT.Result rekey = BeamlineCliIT.cli("rekey", "--encryption-keyset", keyset.toString(), "--master-key-env", VAR,
        "--pipeline-root", root.toString());
    assertThat(rekey.code()).as(rekey.err()).isZero();
    long encrypted = files(root).stream().filter(f -> !Encryption.plaintextByDesign(f.toString())).count();
    assertThat(rekey.out()).contains("rekey: " + encrypted + " file(s) re-encrypted from older keys, 0 plaintext file(s) encrypted, 0 already under primary key");
    for (Path f : files(root)) {
      if (!Encryption.plaintextByDesign(f.toString())) {
        assertThat(ArtifactCipher.keyIdOf(Files.readAllBytes(f))).as(f.toString()).hasValue(primary);
      }
    }
    BeamlineCliIT.Result second = BeamlineCliIT.cli("rekey", "--encryption-keyset", keyset.toString(), "--master-key-env", VAR,
        "--pipeline-root", root.toString());
    assertThat(second.out()).contains("0 file(s) re-encrypted from older keys, 0 plaintext file(s) encrypted, " + encrypted + " already");
    // A second run reads the rekeyed artifacts (cache checks, the baseline model) and evaluates again.
    Files.writeString(pipeline, Files.readString(pipeline).replace("samples: 100", "samples: 50"));
    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("train: from cache").contains("BLESSED");
    for (Path f : files(root)) {
      assertThat(holdsMarker(f)).as("%s holds the marker", f).isFalse();
    }
  }
  @Test
  @Order(7)
  void rekeyEncryptsARootWrittenInPlaintextAndTheCacheStillServesIt() throws IOException {
    Path plainRoot = dir.resolve("plain-runs");
    Path plainYaml = dir.resolve("p/plain.yaml");
    Files.writeString(plainYaml, Files.readString(pipeline).replaceAll("  encryption: \\{[^}]*\\}\n", ""));
    BeamlineCliIT.Result plain = BeamlineCliIT.cli("run", plainYaml.toString(), "--pipeline-root", plainRoot.toString());
    assertThat(plain.code()).as(plain.out() + plain.err()).isZero();
    assertThat(files(plainRoot).stream().filter(f -> {
      try {
        return holdsMarker(f);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    })).isNotEmpty();
    BeamlineCliIT.Result rekey = BeamlineCliIT.cli("rekey", "--encryption-keyset", keyset.toString(), "--master-key-env", VAR,
        "--pipeline-root", plainRoot.toString());
    assertThat(rekey.code()).as(rekey.err()).isZero();
    assertThat(rekey.out()).containsPattern("rekey: 0 file\\(s\\) re-encrypted from older keys, [1-9]\\d* plaintext file\\(s\\) encrypted");
    for (Path f : files(plainRoot)) {
      assertThat(holdsMarker(f)).as("%s holds the marker", f).isFalse();
    }
    // Encrypted now: the pipeline with its keyset takes every stage from the cache (the manifests are of the plaintext) ...
    BeamlineCliIT.Result encrypted = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", plainRoot.toString());
    assertThat(encrypted.code()).as(encrypted.out() + encrypted.err()).isZero();
    assertThat(encrypted.out()).contains("(from cache: ingest, statistics, schema, validate, transform, train, evaluate, push)");
    // ... and without it, the root is refused.
    BeamlineCliIT.Result refused = BeamlineCliIT.cli("run", plainYaml.toString(), "--pipeline-root", plainRoot.toString());
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("holds encrypted artifacts");
  }
  @Test
  @Order(8)
  void aCachedOutputThatNoLongerDecryptsIsMarkedInvalidAndComputedAgain() throws IOException {
    Path vocabulary = root.resolve("penguins/transform/5/vocabularies/island.tsv");
    byte[] changed = Files.readAllBytes(vocabulary);
    changed[changed.length / 2] ^= 0x01;
    Files.write(vocabulary, changed);
    BeamlineCliIT.Result again = BeamlineCliIT.cli("run", pipeline.toString(), "--pipeline-root", root.toString());
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("ingest: from cache").containsPattern("transform: ran as execution #\\d+");
    Matcher log = Pattern.compile("log: (\\S+\\.log)").matcher(again.out());
    assertThat(log.find()).isTrue();
    assertThat(Files.readString(Path.of(log.group(1))))
        .contains("transform: the output of execution #5 is not served from the cache: vocabularies/island.tsv no longer decrypts: cannot decrypt "
            + vocabulary + ": its bytes were changed");
  }
  @Test
  @Order(9)
  void predictAndSubjectReadTheEncryptedRootWithItsKeyset() throws IOException {
    Path data = dir.resolve("p/data/penguins.csv");
    BeamlineCliIT.Result without = BeamlineCliIT.cli("predict", "--model", "penguins:1", "--data", data.toString(),
        "--out", dir.resolve("pred-none").toString(), "--pipeline-root", root.toString());
    assertThat(without.code()).as(without.out() + without.err()).isEqualTo(2);
    assertThat(without.err()).contains("is encrypted: give the keyset that encrypted it");
    BeamlineCliIT.Result predicted = BeamlineCliIT.cli("predict", "--model", "penguins:1", "--data", data.toString(),
        "--out", dir.resolve("pred").toString(), "--pipeline-root", root.toString(), "--encryption-keyset", keyset.toString(), "--master-key-env", VAR);
    assertThat(predicted.code()).as(predicted.out() + predicted.err()).isZero();
    assertThat(predicted.out()).contains("345 rows: 344 scored, 0 unscored by the model, 1 rejected by the reader");
    // The subject's rows in the encrypted examples: Dream's 124 rows, 96 + 28 in the two splits, as in the raw file.
    BeamlineCliIT.Result subject = BeamlineCliIT.cli("subject", "island=Dream" + MARKER, "--pipeline-root", root.toString(),
        "--encryption-keyset", keyset.toString(), "--master-key-env", VAR);
    assertThat(subject.code()).as(subject.out() + subject.err()).isZero();
    assertThat(subject.out()).containsPattern("EXAMPLES #\\d+ " + Pattern.quote(root.resolve("penguins/ingest/1").toString()) + " \\(examples\\): 124 of 344 row\\(s\\)")
        .contains("RAW_DATA #1 " + data + " (raw_data): 124 of 344 row(s)");
    for (Path f : files(root)) {
      assertThat(holdsMarker(f)).as("%s holds the marker", f).isFalse();
    }
  }
}
