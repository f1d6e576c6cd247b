package dev.beamline.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.Aead;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keysets, the cipher's file format, and Storage and Beam sinks below an encrypted root. */
class ArtifactCipherTest {
  private static final String VAR = "TEST_MASTER_KEY";
  @TempDir Path tmp;
  private final String masterKey = MasterKey.generate();
  private Path keyset;

  @BeforeEach
  void keyset() throws IOException {
    MasterKey.useEnvironmentForTests(Map.of(VAR, masterKey)::get);
    keyset = tmp.resolve("keyset.json");
    Files.writeString(keyset, Keysets.create(MasterKey.fromEnvironment(VAR)));
  }

  @AfterEach
  void reset() {
    MasterKey.useEnvironmentForTests(null);
    Encryption.clear();
  }

  private ArtifactCipher cipher() {
    return new EncryptionConfig(keyset.toString(), VAR).open();
  }

  @Test
  void roundTripsAndHidesThePlaintext() {
    ArtifactCipher c = cipher();
    byte[] plain = "species,island\nAdelie,ZQXMARKER\n".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = c.encrypt(plain, "root:p/ingest/1/examples/train");
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("ZQXMARKER").startsWith("BLENC\u0001");
    assertThat(c.decrypt(sealed, "f", List.of("root:p/ingest/1/examples/train"))).isEqualTo(plain);
    // Same plaintext, same id: a fresh salt and nonce each time.
    assertThat(c.encrypt(plain, "root:x")).isNotEqualTo(c.encrypt(plain, "root:x"));
    assertThat(c.decrypt(c.encrypt(new byte[0], "root:e"), "e", List.of("root:e"))).isEmpty();
  }

  @Test
  void aFileSwappedFromAnotherArtifactOrChangedFailsToDecrypt() {
    ArtifactCipher c = cipher();
    byte[] sealed = c.encrypt("{\"rows\": 3}".getBytes(StandardCharsets.UTF_8), "root:p/statistics/2/statistics.json");
    assertThatThrownBy(() -> c.decrypt(sealed, "/runs/p/statistics/3/statistics.json", List.of("root:p/statistics/3/statistics.json")))
        .isInstanceOf(EncryptionException.class)
        .hasMessageContaining("/runs/p/statistics/3/statistics.json was encrypted as root:p/statistics/2/statistics.json")
        .hasMessageContaining("moved or swapped");
    // Rewriting the header's id to the expected one does not help: the header is the associated data.
    byte[] relabelled = new String(sealed, StandardCharsets.ISO_8859_1).replace("statistics/2/", "statistics/3/").getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> c.decrypt(relabelled, "s3", List.of("root:p/statistics/3/statistics.json")))
        .isInstanceOf(EncryptionException.class).hasMessageContaining("cannot decrypt s3: its bytes were changed");
    for (int at : new int[] {sealed.length - 1, sealed.length / 2 + 20, 50}) {
      byte[] t = sealed.clone();
      t[at] ^= 0x01;
      assertThatThrownBy(() -> c.decrypt(t, "t", List.of("root:p/statistics/2/statistics.json")))
          .as("byte %d flipped", at).isInstanceOf(EncryptionException.class);
    }
    byte[] cut = java.util.Arrays.copyOf(sealed, sealed.length - 5);
    assertThatThrownBy(() -> c.decrypt(cut, "t", List.of("root:p/statistics/2/statistics.json"))).isInstanceOf(EncryptionException.class);
    assertThatThrownBy(() -> c.decrypt("plain text".getBytes(StandardCharsets.UTF_8), "p.json", List.of("root:x")))
        .isInstanceOf(EncryptionException.class).hasMessageContaining("p.json is not encrypted");
  }

  @Test
  void aSeekableChannelReadsAnyRangeOfAMultiSegmentFile() throws IOException {
    ArtifactCipher c = cipher();
    byte[] plain = new byte[3 * 1024 * 1024 + 12345];
    new Random(7).nextBytes(plain);
    Path f = tmp.resolve("big.bin");
    Files.write(f, c.encrypt(plain, "root:big"));
    try (SeekableByteChannel ch = c.decryptingSeekable(Files.newByteChannel(f), f.toString(), List.of("root:big"))) {
      assertThat(ch.size()).isEqualTo(plain.length);
      Random r = new Random(3);
      for (int i = 0; i < 20; i++) {
        int pos = r.nextInt(plain.length - 10_000);
        ByteBuffer b = ByteBuffer.allocate(1 + r.nextInt(9_999));
        ch.position(pos);
        while (b.hasRemaining()) {
          ch.read(b);
        }
        assertThat(b.array()).isEqualTo(java.util.Arrays.copyOfRange(plain, pos, pos + b.capacity()));
      }
    }
  }

  @Test
  void rotationEncryptsWithTheNewPrimaryAndStillReadsOldFiles() throws IOException {
    ArtifactCipher before = cipher();
    byte[] old = before.encrypt("old".getBytes(StandardCharsets.UTF_8), "root:a");
    Aead master = MasterKey.fromEnvironment(VAR);
    Files.writeString(keyset, Keysets.rotate(Files.readString(keyset), master, keyset.toString()));
    ArtifactCipher after = cipher();
    assertThat(after.primaryKeyId()).isNotEqualTo(before.primaryKeyId());
    assertThat(Keysets.keyIds(Files.readString(keyset), master, "k")).containsExactly(after.primaryKeyId(), before.primaryKeyId());
    byte[] fresh = after.encrypt("new".getBytes(StandardCharsets.UTF_8), "root:b");
    assertThat(ArtifactCipher.keyIdOf(fresh)).hasValue(after.primaryKeyId());
    assertThat(ArtifactCipher.keyIdOf(old)).hasValue(before.primaryKeyId());
    assertThat(after.decrypt(old, "a", List.of("root:a"))).isEqualTo("old".getBytes(StandardCharsets.UTF_8));
    // The keyset before the rotation does not hold the new key: a configuration error (exit code 2).
    assertThatThrownBy(() -> before.decrypt(fresh, "b.json", List.of("root:b")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("b.json was encrypted with key").hasMessageContaining("does not hold");
  }

  @Test
  void aWrongOrMissingMasterKeyIsAConfigurationErrorThatNeverShowsTheKey() {
    String wrong = MasterKey.generate();
    MasterKey.useEnvironmentForTests(Map.of(VAR, wrong)::get);
    assertThatThrownBy(this::cipher)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot open the encryption keyset " + keyset)
        .hasMessageContaining("master key is wrong")
        .hasMessageNotContaining(wrong);
    MasterKey.useEnvironmentForTests(Map.<String, String>of()::get);
    assertThatThrownBy(this::cipher).isInstanceOf(ConfigException.class).hasMessageContaining("the master key variable " + VAR + " is not set");
    MasterKey.useEnvironmentForTests(Map.of(VAR, "c2hvcnQ=")::get);
    assertThatThrownBy(this::cipher).isInstanceOf(ConfigException.class).hasMessageContaining("is 5 bytes long: expected 32");
    assertThatThrownBy(() -> new EncryptionConfig(tmp.resolve("none.json").toString(), VAR).open())
        .isInstanceOf(ConfigException.class).hasMessageContaining("none.json does not exist");
  }

  @Test
  void travelsToWorkersAsTheWrappedKeysetAndReopensFromTheirEnvironment() throws Exception {
    ArtifactCipher c = cipher();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(c);
    }
    assertThat(bytes.toString(StandardCharsets.ISO_8859_1)).doesNotContain(masterKey);
    ArtifactCipher back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (ArtifactCipher) in.readObject();
    }
    assertThat(back.decrypt(c.encrypt(new byte[] {1, 2}, "root:w"), "w", List.of("root:w"))).containsExactly(1, 2);
  }

  @Test
  void storageEncryptsBelowARegisteredRootAndBindsFilesToWhereTheyArePublished() throws IOException {
    String root = tmp.resolve("runs").toString();
    Encryption.register(root, Encryption.PIPELINE, cipher());
    String staging = Storage.stagingOf(Storage.resolve(root, "p/statistics/2"));
    Storage.writeString(Storage.resolve(staging, "statistics.json"), "{\"top\":\"ZQXMARKER\"}");
    Storage.publish(staging, Storage.resolve(root, "p/statistics/2"));
    String published = Storage.resolve(root, "p/statistics/2/statistics.json");
    assertThat(new String(Files.readAllBytes(Path.of(published)), StandardCharsets.ISO_8859_1)).doesNotContain("ZQXMARKER");
    assertThat(Storage.readString(published)).isEqualTo("{\"top\":\"ZQXMARKER\"}");
    try (InputStream in = Storage.open(published)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("ZQXMARKER");
    }
    // Copied into another execution's folder, it no longer decrypts.
    Files.createDirectories(Path.of(root, "p/statistics/3"));
    Files.copy(Path.of(published), Path.of(root, "p/statistics/3/statistics.json"));
    assertThatThrownBy(() -> Storage.read(Storage.resolve(root, "p/statistics/3/statistics.json")))
        .isInstanceOf(EncryptionException.class).hasMessageContaining("was encrypted as root:p/statistics/2/statistics.json");
    // Outside the root, files stay as they are.
    Storage.writeString(tmp.resolve("plain.txt").toString(), "ZQXMARKER");
    assertThat(Files.readString(tmp.resolve("plain.txt"))).isEqualTo("ZQXMARKER");
    assertThat(Encryption.binding(Storage.resolve(root, "p/x/.staging-4/.a.json.tmp")).fileId()).isEqualTo("root:p/x/4/a.json");
  }

  @Test
  void beamSinksWriteShardsBoundToTheirFolder() throws IOException {
    String root = tmp.resolve("runs").toString();
    Encryption.register(root, Encryption.PIPELINE, cipher());
    String dir = Storage.resolve(root, "p/ingest/.staging-1/dead_letter");
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    p.apply(Create.of(List.of("{\"row\": \"ZQXMARKER 1\"}", "{\"row\": \"ZQXMARKER 2\"}")))
        .apply(FileIO.<String>write().via(EncryptingSink.of(TextIO.sink(), dir)).to(dir).withPrefix("rejected").withSuffix(".jsonl").withNumShards(1));
    p.run().waitUntilFinish();
    List<String> files = Storage.list(dir);
    assertThat(files).hasSize(1);
    assertThat(new String(Files.readAllBytes(Path.of(files.get(0))), StandardCharsets.ISO_8859_1)).doesNotContain("ZQXMARKER");
    Storage.publish(dir.replace("/dead_letter", ""), Storage.resolve(root, "p/ingest/1"));
    String shard = Storage.list(Storage.resolve(root, "p/ingest/1/dead_letter")).get(0);
    assertThat(Storage.readString(shard).lines().sorted().toList())
        .containsExactly("{\"row\": \"ZQXMARKER 1\"}", "{\"row\": \"ZQXMARKER 2\"}");
  }
  @Test
  void workersRegisterTheRootsFromThePipelineOptionsWithTheirOwnMasterKey() throws Exception {
    String root = tmp.resolve("runs").toString();
    ArtifactCipher c = cipher();
    Encryption.register(root, Encryption.PIPELINE, c);
    Encryption.register(tmp.resolve("runs/serving").toString(), Encryption.SERVING, c);
    Storage.writeString(Storage.resolve(root, "p/x/1/a.json"), "{\"v\": \"ZQXMARKER\"}");
    org.apache.beam.sdk.options.PipelineOptions options = PipelineOptionsFactory.create();
    Encryption.into(options);
    String carried = options.as(EncryptionPipelineOptions.class).getBeamlineEncryptedRoots();
    assertThat(carried).doesNotContain(masterKey).contains("\"namespace\":\"serving\"");
    // A worker: a fresh registry, the options as Beam ships them (serialized), its file systems set up from them.
    Encryption.clear();
    org.apache.beam.sdk.options.PipelineOptions shipped = roundTrip(options);
    org.apache.beam.sdk.io.FileSystems.setDefaultPipelineOptions(shipped);
    assertThat(Storage.readString(Storage.resolve(root, "p/x/1/a.json"))).contains("ZQXMARKER");
    assertThat(Encryption.binding(tmp.resolve("runs/serving/m/1/saved_model.pb").toString()).fileId()).isEqualTo("serving:m/1/saved_model.pb");
    // Without the master key in its environment, the worker fails naming the variable.
    Encryption.clear();
    MasterKey.useEnvironmentForTests(Map.<String, String>of()::get);
    assertThatThrownBy(() -> new EncryptionRegistrar().fromOptions(shipped))
        .isInstanceOf(ConfigException.class).hasMessageContaining("the master key variable " + VAR + " is not set");
  }

  private static org.apache.beam.sdk.options.PipelineOptions roundTrip(org.apache.beam.sdk.options.PipelineOptions options) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper()
        .registerModules(com.fasterxml.jackson.databind.ObjectMapper.findModules(org.apache.beam.sdk.util.common.ReflectHelpers.findClassLoader()));
    return m.readValue(m.writeValueAsString(options), org.apache.beam.sdk.options.PipelineOptions.class);
  }
}
