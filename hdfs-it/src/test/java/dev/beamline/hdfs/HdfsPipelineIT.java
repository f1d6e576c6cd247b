package dev.beamline.hdfs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.Storage;
import dev.beamline.runner.BeamlineCli;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.hdfs.HadoopFileSystemOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The penguins pipeline, through training, with its input and its pipeline root on a real HDFS (an
 * in-process {@link MiniDFSCluster}: one NameNode and one DataNode on loopback), against the same
 * pipeline on local disk: the artifacts agree.
 */
class HdfsPipelineIT {
  private static final Path EXAMPLE = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private static MiniDFSCluster cluster;
  private static String hdfs;
  private static HadoopFileSystemOptions hdfsOptions;

  @BeforeAll
  static void startHdfs() throws IOException {
    Configuration c = new Configuration();
    c.setBoolean("dfs.webhdfs.enabled", false);
    c.set("dfs.namenode.http-address", "127.0.0.1:0");
    c.set("dfs.datanode.address", "127.0.0.1:0");
    c.set("dfs.datanode.http.address", "127.0.0.1:0");
    c.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    c.setInt("dfs.replication", 1);
    File base = tmp.resolve("hdfs").toFile();
    cluster = new MiniDFSCluster.Builder(c, base).numDataNodes(1).nameNodePort(0).checkDataNodeAddrConfig(true).build();
    cluster.waitActive();
    hdfs = cluster.getConfiguration(0).get("fs.defaultFS");
    hdfsOptions = PipelineOptionsFactory.create().as(HadoopFileSystemOptions.class);
    hdfsOptions.setHdfsConfiguration(List.of(cluster.getConfiguration(0)));
    FileSystems.setDefaultPipelineOptions(hdfsOptions);
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = BeamlineCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    assertThat(code).as("beamline %s%n%s%n%s", String.join(" ", args), out, err).isZero();
    return out.toString();
  }

  /** The example's pipeline file reading {@code input}, written beside the test. */
  private static Path pipeline(String name, String input) throws IOException {
    String yaml = Files.readString(EXAMPLE.resolve("pipeline.yaml")).replace("input: data/penguins.csv", "input: " + input);
    assertThat(yaml).contains("input: " + input);
    Path file = tmp.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static JsonNode json(String uri) throws IOException {
    return JSON.readTree(Storage.readString(uri));
  }

  /** The one published output folder of {@code stage} under {@code root}. */
  private static String output(String root, String stage) {
    List<String> files = Storage.match(Storage.resolve(root, "penguins/" + stage + "/*/provenance.json"));
    assertThat(files).as("outputs of %s under %s", stage, root).hasSize(1);
    return Storage.parent(files.get(0));
  }

  @Test
  void thePenguinsPipelineRunsOnHdfsAndAgreesWithALocalRun() throws IOException {
    String csv = hdfs + "/data/penguins.csv";
    Storage.write(csv, Files.readAllBytes(EXAMPLE.resolve("data/penguins.csv")));
    String hdfsRoot = hdfs + "/beamline-runs";
    String hdfsConf = "--hdfsConfiguration=[{\"fs.defaultFS\":\"" + hdfs + "\",\"dfs.replication\":\"1\"}]";

    String onHdfs =
        run("run", pipeline("hdfs", csv).toString(), "--pipeline-root", hdfsRoot, "--run-id", "h1",
            "--metadata-url", "jdbc:sqlite:" + tmp.resolve("hdfs-metadata.sqlite"), hdfsConf);
    String local = tmp.resolve("local-runs").toString();
    String onDisk = run("run", pipeline("local", EXAMPLE.resolve("data/penguins.csv").toString()).toString(), "--pipeline-root", local, "--run-id", "l1");
    // Each command registers the file systems of its own options: the test's own reads need HDFS's again.
    FileSystems.setDefaultPipelineOptions(hdfsOptions);
    assertThat(onHdfs).contains("344 rows (0 rejected)").contains("splits: train=220, eval=124").contains("output: " + hdfsRoot + "/penguins/train/");

    // Every stage published on HDFS, nothing left in staging.
    for (String stage : List.of("ingest", "statistics", "schema", "validate", "transform", "train")) {
      assertThat(Storage.exists(output(hdfsRoot, stage))).isTrue();
      assertThat(Storage.match(Storage.resolve(hdfsRoot, "penguins/" + stage + "/.staging-*/*"))).isEmpty();
    }

    // The same dataset, split the same way: fingerprints of the bytes read, split sizes, and the rows of each split.
    JsonNode hf = json(Storage.resolve(output(hdfsRoot, "ingest"), "fingerprint.json"));
    JsonNode lf = json(Storage.resolve(output(local, "ingest"), "fingerprint.json"));
    assertThat(hf.get("fingerprint")).isEqualTo(lf.get("fingerprint"));
    assertThat(hf.get("splits")).isEqualTo(lf.get("splits"));
    for (String split : List.of("train", "eval")) {
      assertThat(rowsOf(output(hdfsRoot, "ingest"), split)).isEqualTo(rowsOf(output(local, "ingest"), split));
    }
    // The same statistics and schema, the same fitted transform, the same model metrics.
    // Every exact statistic agrees; quantiles come from KLL sketches, whose compaction is randomised, so
    // they (and the histograms drawn from them) differ between any two runs within the sketch's rank error.
    assertThat(exact(json(Storage.resolve(output(hdfsRoot, "statistics"), "statistics.json"))))
        .isEqualTo(exact(json(Storage.resolve(output(local, "statistics"), "statistics.json"))));
    assertThat(Storage.readString(Storage.resolve(output(hdfsRoot, "schema"), "schema.yaml")))
        .isEqualTo(Storage.readString(Storage.resolve(output(local, "schema"), "schema.yaml")));
    assertThat(json(Storage.resolve(output(hdfsRoot, "transform"), "transform.json")))
        .isEqualTo(json(Storage.resolve(output(local, "transform"), "transform.json")));
    JsonNode hh = json(Storage.resolve(output(hdfsRoot, "train"), "training_history.json"));
    JsonNode lh = json(Storage.resolve(output(local, "train"), "training_history.json"));
    assertThat(hh.get("best_epoch")).isEqualTo(lh.get("best_epoch"));
    assertThat(Storage.exists(Storage.resolve(output(hdfsRoot, "train"), "saved_model.pb"))).isTrue();
    assertThat(Storage.match(Storage.resolve(output(hdfsRoot, "train"), "variables/*"))).isNotEmpty();
    assertThat(onHdfs.lines().filter(l -> l.contains("eval accuracy")).toList())
        .isEqualTo(onDisk.lines().filter(l -> l.contains("eval accuracy")).toList());
  }

  @Test
  void anEncryptedPipelineRootOnHdfsHoldsNoPlaintext() throws IOException {
    String csv = hdfs + "/data/penguins-enc.csv";
    Storage.write(csv, Files.readAllBytes(EXAMPLE.resolve("data/penguins.csv")));
    String root = hdfs + "/encrypted-runs";
    String hdfsConf = "--hdfsConfiguration=[{\"fs.defaultFS\":\"" + hdfs + "\",\"dfs.replication\":\"1\"}]";
    java.util.Map<String, String> env = java.util.Map.of("HDFS_TEST_MASTER_KEY", dev.beamline.core.crypto.MasterKey.generate());
    dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(env::get);
    try {
      Path keyset = tmp.resolve("keyset.json");
      Files.writeString(keyset, dev.beamline.core.crypto.Keysets.create(dev.beamline.core.crypto.MasterKey.fromEnvironment("HDFS_TEST_MASTER_KEY")));
      String yaml = Files.readString(pipeline("encrypted", csv))
          .replace("  name: penguins\n", "  name: penguins\n  encryption: {keyset: " + keyset + ", master_key_env: HDFS_TEST_MASTER_KEY}\n");
      // Through transform: the stages that write data (examples, statistics, schema, vocabularies, transformed examples).
      yaml = yaml.substring(0, yaml.indexOf("\ntrain:") + 1);
      Path file = tmp.resolve("encrypted.yaml");
      Files.writeString(file, yaml);
      String out = run("run", file.toString(), "--pipeline-root", root, "--run-id", "e1",
          "--metadata-url", "jdbc:sqlite:" + tmp.resolve("encrypted-metadata.sqlite"), hdfsConf);
      FileSystems.setDefaultPipelineOptions(hdfsOptions);
      assertThat(out).contains("344 rows (0 rejected)").contains("transformed examples (Parquet): train=220, eval=124");
      List<String> files = Storage.listRecursively(root);
      assertThat(files).anyMatch(f -> f.endsWith(".parquet")).anyMatch(f -> f.endsWith("island.tsv")).hasSizeGreaterThan(15);
      for (String f : files) {
        byte[] raw = Storage.readRaw(f);
        if (dev.beamline.core.crypto.Encryption.plaintextByDesign(f)) {
          continue;
        }
        assertThat(dev.beamline.core.crypto.ArtifactCipher.isEncrypted(raw)).as(f).isTrue();
        assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f).doesNotContain("Torgersen").doesNotContain("Chinstrap");
      }
      // With the keyset, the artifacts read back as they were written.
      dev.beamline.core.crypto.Encryption.register(root, dev.beamline.core.crypto.Encryption.PIPELINE,
          new dev.beamline.core.crypto.EncryptionConfig(keyset.toString(), "HDFS_TEST_MASTER_KEY").open());
      assertThat(Storage.readString(Storage.resolve(output(root, "transform"), "vocabularies/island.tsv"))).contains("Torgersen");
      assertThat(rowsOf(output(root, "ingest"), "train")).hasSize(220).anyMatch(r -> r.contains("Chinstrap"));
    } finally {
      dev.beamline.core.crypto.Encryption.clear();
      dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(null);
    }
  }

  /** {@code stats} without the sketch-derived fields. */
  private static JsonNode exact(JsonNode stats) {
    JsonNode copy = stats.deepCopy();
    copy.findParents("quantiles").forEach(n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n)
        .remove(List.of("quantiles", "median", "equal_width", "quantile_histogram", "quantile_rank_error")));
    assertThat(copy.toString()).contains("\"mean\"").contains("\"std_dev\"").contains("\"top_values\"").doesNotContain("quantile");
    return copy;
  }

  /** The rows of one split, as sorted text, read back with the project's Parquet reader. */
  private static List<String> rowsOf(String ingestDir, String split) {
    List<String> rows = new ArrayList<>();
    dev.beamline.ingest.IngestOutput.open(ingestDir).readSplit(split).forEach(r -> rows.add(r.toString()));
    return rows.stream().sorted().toList();
  }
}
