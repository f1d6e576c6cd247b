package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A SavedModel goes from the training session to {@link Storage} and from {@link Storage} into a
 * serving session without a plaintext copy on local disk: the export renders it in memory ({@link
 * SavedModelExport#render}) and {@link ServingModel#load} hands it to TensorFlow in its RAM file
 * system, and the model answers as the training session does.
 */
class SavedModelInMemoryTest {
  @TempDir Path dir;

  private static final List<String> RAW = List.of("bill", "mass", "flipper", "island", "sex", "colour", "seen", "note", "tags");

  /** A small classifier on the export test's synthetic rows: 200 training rows, the last 100 to score. */
  private TrainedModel train(List<Map<String, Object>> rows) throws IOException {
    List<FittedFeature> features = SavedModelExportTest.features();
    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
    TrainConfig config = TrainConfig.defaults("species").withModel(TrainConfig.ModelType.DNN).withHiddenUnits(List.of(8))
        .withEpochs(2).withBatchSize(16).withSeed(5);
    return Trainer.of(config).withProgress(ProgressLine.silent()).train(data.toString(), features);
  }

  /** The entries of the temporary folder and the working folder that an on-disk copy of a model would add. */
  private static Set<String> localCopies() throws IOException {
    Set<String> found = new TreeSet<>();
    try (Stream<Path> tmp = Files.list(Paths.get(System.getProperty("java.io.tmpdir")))) {
      tmp.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("beamline-savedmodel-") || n.startsWith("beamline-model-") || n.startsWith("ram"))
          .forEach(found::add);
    }
    // Java's Paths turn "ram://m" into the relative folder "ram:/m".
    if (Files.exists(Paths.get("ram:"))) {
      found.add(Paths.get("ram:").toAbsolutePath().toString());
    }
    return found;
  }

  @Test
  void theExportWritesExactlyTheModelsFilesThroughStorageAndTheLoadedModelScoresAsTheTrainingGraph() throws IOException {
    List<Map<String, Object>> rows = SavedModelExportTest.rawRows(300, 3);
    Set<String> before = localCopies();
    StageOutput output = new StageOutput(dir.resolve("runs/train/1").toString(), "r1", null);
    Predictions training;
    try (TrainedModel m = train(rows)) {
      training = m.predict(dir.resolve("data").toString(), "eval");
      Train.export(m, output);
    }
    Storage.publish(output.stagingDir(), output.dir());

    List<String> written = new ArrayList<>();
    Storage.listRecursively(output.dir()).forEach(f -> written.add(Storage.relativize(output.dir(), f)));
    String labelTransform = SavedModelExport.EXTRA + "/" + SavedModelExport.LABEL_TRANSFORM;
    assertThat(written).containsExactlyInAnyOrder(
        "saved_model.pb",
        "variables/variables.index",
        "variables/variables.data-00000-of-00001",
        SavedModelExport.EXTRA + "/model.json",
        SavedModelExport.EXTRA + "/provenance.json",
        SavedModelExport.EXTRA + "/training_history.json",
        labelTransform + "/" + FittedTransform.TRANSFORM_FILE,
        labelTransform + "/" + FittedTransform.VOCABULARY_DIR + "/species.tsv");

    try (ServingModel model = ServingModel.load(output.dir())) {
      ServingModel.Scores s = model.score(records(rows.subList(200, 300)));
      for (int i = 0; i < 100; i++) {
        assertThat(s.scored(i)).isTrue();
        for (int k = 0; k < 3; k++) {
          assertThat(s.probability(i, k)).as("row %s class %s", i, k).isCloseTo(training.probability(i, k), within(1e-6f));
        }
      }
    }
    assertThat(localCopies()).isEqualTo(before);
  }

  /** The raw rows as ingestion reads them. */
  private static List<GenericRecord> records(List<Map<String, Object>> rows) {
    Schema schema = TrainedModelFixture.schemaOfRawRows();
    List<GenericRecord> out = new ArrayList<>();
    for (Map<String, Object> r : rows) {
      GenericRecord g = new GenericData.Record(schema);
      r.forEach(g::put);
      out.add(g);
    }
    return out;
  }

  @Test
  void aRenderedSavedModelLoadsFromRamInAFreshBundleAndAnswersAsTheTrainingGraph() throws IOException {
    List<Map<String, Object>> rows = SavedModelExportTest.rawRows(300, 3);
    Predictions training;
    ModelFiles files;
    try (TrainedModel m = train(rows)) {
      training = m.predict(dir.resolve("data").toString(), "eval");
      files = SavedModelExport.render(m.spec(), m.weights(), m.history(), m.privacy(), m.provenance(null));
    }
    assertThat(files.paths()).containsExactly(
        SavedModelExport.EXTRA + "/model.json",
        SavedModelExport.EXTRA + "/provenance.json",
        SavedModelExport.EXTRA + "/training_history.json",
        "saved_model.pb",
        "variables/variables.data-00000-of-00001",
        "variables/variables.index");
    // The vocabulary tables are filled by the main op, which loaders run after restoring the variables.
    MetaGraphDef meta = SavedModel.parseFrom(files.content("saved_model.pb")).getMetaGraphs(0);
    assertThat(meta.getCollectionDefOrThrow("saved_model_main_op").getNodeList().getValueList()).containsExactly("Init");
    assertThat(meta.getMetaInfoDef().getTagsList()).containsExactly("serve");

    String folder = RamFiles.newFolder("beamline-test");
    Map<String, byte[]> model = new TreeMap<>(files.files());
    model.keySet().removeIf(p -> p.startsWith(SavedModelExport.EXTRA));
    RamFiles.write(folder, model);
    List<Tensor> feeds = new ArrayList<>();
    try (SavedModelBundle bundle = SavedModelBundle.load(folder, "serve");
        Result r = SavedModelExportTest.serve(bundle, rows.subList(200, 300), RAW, feeds)) {
      float[] p = Tensors.toFloats(r.get("probabilities").get());
      long[] ids = Tensors.toLongs(r.get("class_ids").get());
      for (int i = 0; i < 100; i++) {
        for (int k = 0; k < 3; k++) {
          assertThat(p[i * 3 + k]).as("row %s class %s", i, k).isCloseTo(training.probability(i, k), within(1e-6f));
        }
        assertThat(ids[i]).isEqualTo(training.classIds()[i]);
      }
    } finally {
      feeds.forEach(Tensor::close);
      RamFiles.clear(folder, model.keySet());
    }
    // Cleared: each RAM copy is replaced by a placeholder of a few bytes, the model's bytes are gone.
    Map<String, byte[]> left = new TreeMap<>(RamFiles.read(folder, "saved_model.pb"));
    left.putAll(RamFiles.read(folder, "variables/*"));
    assertThat(left.keySet()).isEqualTo(model.keySet());
    left.forEach((path, b) -> assertThat(b.length).as(path).isLessThan(200).isLessThan(model.get(path).length));
  }

  @Test
  void theSavedModelIsTheOneTensorFlowJavasExporterWritesAndAFreshBundleAnswersAsTheSession() throws IOException {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, 2)));
      Variable<TFloat32> w = tf.withName("w").variable(tf.constant(new float[][] {{0.5f, -1.25f}, {2f, 0.75f}}));
      Variable<TFloat32> b = tf.withName("b").variable(tf.constant(new float[] {0.1f, -0.2f}));
      Signature sig = Signature.builder().key(SavedModelExport.SERVING).methodName(SavedModelExport.PREDICT_METHOD).input("x", x)
          .output("y", tf.withName("y").math.add(tf.linalg.matMul(x, w), b)).build();
      // An output of unknown rank, which a signature's TensorDescription cannot tell from a scalar.
      Placeholder<TInt32> shape = tf.withName("shape").placeholder(TInt32.class);
      Signature reshaped = Signature.builder().key("reshaped").methodName(SavedModelExport.PREDICT_METHOD).input("x", x).input("shape", shape)
          .output("r", tf.withName("r").reshape(x, shape)).build();
      try (Session session = new Session(g)) {
        session.initialize();
        Map<String, byte[]> ours = SavedModelExport.savedModel(session, List.of(sig, reshaped));
        Path theirs = dir.resolve("exported");
        SavedModelBundle.exporter(theirs.toString()).withFunction(SessionFunction.create(sig, session))
            .withFunction(SessionFunction.create(reshaped, session)).export();

        assertThat(ours.keySet()).containsExactly("saved_model.pb", "variables/variables.data-00000-of-00001", "variables/variables.index");
        MetaGraphDef a = SavedModel.parseFrom(ours.get("saved_model.pb")).getMetaGraphs(0);
        MetaGraphDef e = SavedModel.parseFrom(Files.readAllBytes(theirs.resolve("saved_model.pb"))).getMetaGraphs(0);
        assertThat(a.getSaverDef()).isEqualTo(e.getSaverDef());
        assertThat(a.getMetaInfoDef()).isEqualTo(e.getMetaInfoDef());
        assertThat(a.getSignatureDefMap()).isEqualTo(e.getSignatureDefMap());
        assertThat(a.getSignatureDefOrThrow("reshaped").getOutputsOrThrow("r").getTensorShape().getUnknownRank()).isTrue();
        assertThat(a.getGraphDef().getNodeList().stream().map(NodeDef::getName).toList())
            .isEqualTo(e.getGraphDef().getNodeList().stream().map(NodeDef::getName).toList());
        assertThat(ours.get("variables/variables.data-00000-of-00001"))
            .isEqualTo(Files.readAllBytes(theirs.resolve("variables/variables.data-00000-of-00001")));

        String folder = RamFiles.newFolder("beamline-test");
        RamFiles.write(folder, ours);
        try (SavedModelBundle fresh = SavedModelBundle.load(folder, "serve");
            TFloat32 in = Tensors.floats(new float[] {1f, 2f, -3f, 0.5f}, 2, 2);
            Result expected = session.runner().feed(x, in).fetch("y").run();
            Result actual = fresh.function(SavedModelExport.SERVING).call(Map.of("x", in))) {
          assertThat(Tensors.toFloats(actual.get("y").get())).containsExactly(Tensors.toFloats(expected.get(0)));
        } finally {
          RamFiles.clear(folder, ours.keySet());
        }
      }
    }
  }
}
