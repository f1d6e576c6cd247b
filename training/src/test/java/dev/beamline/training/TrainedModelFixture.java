package dev.beamline.training;

import dev.beamline.transform.FittedFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A small real SavedModel for other modules' tests (evaluation, serving): a 3-class DNN trained for
 * two epochs on synthetic penguin-like rows with one feature of every transform kind, exported with
 * its raw-feature serving signature, and the raw eval rows as ingestion would read them.
 *
 * <pre>{@code
 * TrainedModelFixture f = TrainedModelFixture.train(tempDir);
 * try (ServingModel m = ServingModel.load(f.modelDir().toString())) { m.score(f.evalRows()); }
 * }</pre>
 */
public record TrainedModelFixture(Path modelDir, Schema rawSchema, List<GenericRecord> evalRows, Predictions trainingPredictions) {
  /** The classes of the fixture's label, {@code species}. */
  public static final List<String> CLASSES = List.of("adelie", "chinstrap", "gentoo");

  /** Trains and exports the model into {@code dir}/model; 300 rows, the last 100 the eval rows. */
  public static TrainedModelFixture train(Path dir) {
    try {
      List<FittedFeature> features = SavedModelExportTest.features();
      List<Map<String, Object>> rows = SavedModelExportTest.rawRows(300, 3);
      Path data = dir.resolve("data");
      TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
      TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
      Path modelDir = dir.resolve("model");
      Predictions predictions;
      TrainConfig config = TrainConfig.defaults("species").withModel(TrainConfig.ModelType.DNN).withHiddenUnits(List.of(8))
          .withEpochs(2).withBatchSize(16).withSeed(5);
      try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
        predictions = m.predict(data.toString(), "eval");
        m.export(modelDir, null);
      }
      Schema schema = schemaOfRawRows();
      List<GenericRecord> eval = new ArrayList<>();
      for (Map<String, Object> r : rows.subList(200, 300)) {
        GenericRecord g = new GenericData.Record(schema);
        r.forEach(g::put);
        eval.add(g);
      }
      return new TrainedModelFixture(modelDir, schema, List.copyOf(eval), predictions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a folder as the transform stage publishes one: {@code transform.json} (and vocabularies) and
   * the transformed {@code examples/train} (200 rows) and {@code examples/eval} (100 rows) of the
   * fixture's synthetic rows, for stages that read a transform's output (the tuner). Returns the folder.
   */
  public static Path writeTransformFolder(Path dir) {
    try {
      List<FittedFeature> features = SavedModelExportTest.features();
      List<Map<String, Object>> rows = SavedModelExportTest.rawRows(300, 3);
      Path examples = dir.resolve(dev.beamline.transform.AnalyzeAndTransform.EXAMPLES_DIR);
      TransformedData.writeRaw(examples, "train", "part-0.parquet", features, rows.subList(0, 200));
      TransformedData.writeRaw(examples, "eval", "part-0.parquet", features, rows.subList(200, 300));
      Map<String, dev.beamline.core.FeatureSpec> inputs = new java.util.LinkedHashMap<>();
      for (FittedFeature f : features) {
        inputs.putIfAbsent(f.spec().input(), dev.beamline.core.FeatureSpec.of(f.spec().input(), f.inputType()));
      }
      dev.beamline.transform.FittedTransform.of(dev.beamline.core.ExampleSchema.of(new ArrayList<>(inputs.values())), features).write(dir);
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The raw rows' schema as ingestion writes it: every column nullable. */
  static Schema schemaOfRawRows() {
    return SchemaBuilder.record("Example").namespace("dev.beamline").fields()
        .optionalDouble("bill").optionalDouble("mass").optionalDouble("flipper").optionalString("island").optionalString("sex")
        .optionalString("colour").optionalLong("seen").optionalString("note").optionalString("tags").optionalString("species")
        .endRecord();
  }

  /** The training graph's probability of class {@code k} for eval row {@code i}. */
  public double trainingProbability(int i, int k) {
    return trainingPredictions.probabilities()[i * CLASSES.size() + k];
  }
}
