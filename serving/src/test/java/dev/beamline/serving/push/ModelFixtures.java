package dev.beamline.serving.push;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.parquet.ExampleBatchParquetSink;
import dev.beamline.training.ProgressLine;
import dev.beamline.training.ServingModel;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainedModel;
import dev.beamline.training.Trainer;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Small real SavedModels and the evaluation folders the push stage reads, for tests: a linear classifier
 * ({@code label} in {neg, pos}) and a linear regression ({@code y}) on two raw numbers, trained with the
 * production {@link Trainer}, and an evaluation folder whose predictions were scored by the exported
 * model itself, as the evaluate stage scores them.
 */
final class ModelFixtures {
  /** The raw rows, as ingestion writes them: every column nullable. */
  static final Schema RAW = SchemaBuilder.record("Example").namespace("dev.beamline").fields()
      .optionalDouble("x1").optionalDouble("x2").optionalString("label").optionalDouble("y").endRecord();
  static final List<String> CLASSES = List.of("neg", "pos");
  /** The provenance the run hands training; training adds its own section. */
  static final String RUN_PROVENANCE =
      "{\"pipeline\":\"toy\",\"run_id\":\"r1\",\"stage\":\"train\",\"execution_id\":6,\"dataset_fingerprint\":\"d5e7\"}";

  private static final FittedFeature X1 = passThrough("x1");
  private static final FittedFeature X2 = passThrough("x2");
  private static final FittedFeature Y = passThrough("y");
  private static final FittedFeature LABEL = new FittedFeature(
      FeatureTransform.string("label").withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(FeatureTransform.Encoding.ID),
      FeatureType.STRING, OutputKind.ID, 2, null, null, null, null, null, null, null, CLASSES, new long[] {2, 1}, null, 100);

  private ModelFixtures() {}

  private static FittedFeature passThrough(String name) {
    return new FittedFeature(FeatureTransform.numeric(name), FeatureType.FLOAT, OutputKind.FLOAT, 0, 0.0, null, null, null, null, null,
        null, null, null, null, 100);
  }

  /** Rows with x1, x2 uniform in [-1, 1], labelled by the side of x1 + 2 x2 = 0.1, with y = x1 + 2 x2. */
  static List<GenericRecord> rows(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x1 = r.nextDouble(-1, 1);
      double x2 = r.nextDouble(-1, 1);
      GenericRecord g = new GenericData.Record(RAW);
      g.put("x1", x1);
      g.put("x2", x2);
      g.put("label", x1 + 2 * x2 > 0.1 ? "pos" : "neg");
      g.put("y", x1 + 2 * x2);
      rows.add(g);
    }
    return rows;
  }

  /** Trains the classifier on fixed rows and exports it into {@code dir} (which must not exist). */
  static Path classifier(Path dir) throws IOException {
    return train(dir, List.of(X1, X2, LABEL), TrainConfig.defaults("label"));
  }

  /** Trains the regression model on fixed rows and exports it into {@code dir} (which must not exist). */
  static Path regressor(Path dir) throws IOException {
    return train(dir, List.of(X1, X2, Y), TrainConfig.defaults("y").withTask(TrainConfig.Task.REGRESSION));
  }

  private static Path train(Path dir, List<FittedFeature> features, TrainConfig base) throws IOException {
    Path data = Files.createTempDirectory(Files.createDirectories(dir.toAbsolutePath().getParent()), "transformed");
    writeTransformed(data.resolve("train/part-0.parquet"), features, rows(120, 1));
    writeTransformed(data.resolve("eval/part-0.parquet"), features, rows(40, 2));
    TrainConfig config = base.withModel(TrainConfig.ModelType.LINEAR).withOptimizer(TrainConfig.Optimizer.ADAM, 0.1)
        .withBatchSize(32).withEpochs(3).withSeed(7);
    try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      m.export(dir, RUN_PROVENANCE);
    }
    return dir;
  }

  /** The rows transformed as the transform stage writes them: pass-through floats, the label's vocabulary id. */
  private static void writeTransformed(Path file, List<FittedFeature> features, List<GenericRecord> raw) throws IOException {
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Transformed").namespace("dev.beamline").fields();
    for (FittedFeature f : features) {
      fields = fields.name(f.name()).type(Schema.create(f.kind() == OutputKind.ID ? Schema.Type.LONG : Schema.Type.FLOAT)).noDefault();
    }
    Schema schema = fields.endRecord();
    List<GenericRecord> out = new ArrayList<>();
    for (GenericRecord r : raw) {
      GenericRecord t = new GenericData.Record(schema);
      for (FittedFeature f : features) {
        Object v = r.get(f.name());
        t.put(f.name(), f.kind() == OutputKind.ID ? (Object) (long) CLASSES.indexOf((String) v) : (Object) ((Double) v).floatValue());
      }
      out.add(t);
    }
    write(file, schema, out);
  }

  /**
   * An evaluation folder for {@code model} in {@code dir}: {@code predictions/part-00000-of-00001.parquet}
   * with {@code rows} scored by the model (raw columns, then the answer columns, then a slice column),
   * {@code metrics.json} and {@code blessing.json} as given. {@code alter} may change a stored answer.
   */
  static Path evaluation(Path dir, Path model, List<GenericRecord> rows, String blessingJson, UnaryOperator<GenericRecord> alter)
      throws IOException {
    Files.createDirectories(dir);
    try (ServingModel m = ServingModel.load(model.toString())) {
      boolean classification = m.description().classification();
      Schema schema = predictionSchema(classification);
      ServingModel.Scores s = m.score(rows);
      List<GenericRecord> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        GenericRecord p = new GenericData.Record(schema);
        for (Schema.Field f : RAW.getFields()) {
          p.put(f.name(), rows.get(i).get(f.name()));
        }
        if (classification) {
          double[] probabilities = s.probabilities(i);
          int predicted = probabilities[1] > probabilities[0] ? 1 : 0;
          p.put("label_id", (long) CLASSES.indexOf((String) rows.get(i).get("label")));
          p.put("predicted_id", (long) predicted);
          p.put("predicted_class", CLASSES.get(predicted));
          List<Double> list = new ArrayList<>();
          for (double v : probabilities) {
            list.add(v);
          }
          p.put("probabilities", list);
        } else {
          p.put("prediction", (double) s.prediction(i));
        }
        p.put("slice_overall", "overall");
        out.add(alter.apply(p));
      }
      write(dir.resolve("predictions/part-00000-of-00001.parquet"), schema, out);
    }
    Files.writeString(dir.resolve("metrics.json"), "{\"task\": \"classification\", \"slices\": ["
        + "{\"slice\": \"island=Biscoe\", \"metrics\": {\"accuracy\": 0.5}},"
        + "{\"slice\": \"overall\", \"example_count\": 40, \"metrics\": {\"accuracy\": 0.975, \"roc_auc\": 0.99, \"log_loss\": null}}]}\n");
    Files.writeString(dir.resolve("blessing.json"), blessingJson);
    return dir;
  }

  /** A blessing that passed one check and skipped one. */
  static final String BLESSED = "{\"blessed\": true, \"note\": \"no blessed baseline: 1 change threshold(s) skipped\","
      + " \"too_small_slices\": [], \"checks\": ["
      + "{\"kind\": \"value\", \"metric\": \"accuracy\", \"slice\": \"overall\", \"value\": 0.975, \"baseline\": null,"
      + " \"bound\": \">= 0.9\", \"status\": \"passed\", \"message\": \"accuracy on overall: 0.975 meets >= 0.9\"},"
      + "{\"kind\": \"change\", \"metric\": \"accuracy\", \"slice\": \"overall\", \"value\": 0.975, \"baseline\": null,"
      + " \"bound\": \"change >= -0.01\", \"status\": \"skipped\", \"message\": \"no baseline\"}], \"bias\": []}\n";

  /** A blessing with two failed checks (one value, one bias) and one passed. */
  static final String NOT_BLESSED = "{\"blessed\": false, \"note\": null, \"too_small_slices\": [], \"checks\": ["
      + "{\"kind\": \"value\", \"metric\": \"accuracy\", \"slice\": \"overall\", \"value\": 0.41, \"baseline\": null,"
      + " \"bound\": \">= 0.9\", \"status\": \"failed\", \"message\": \"accuracy on overall: 0.41 is below the lower bound 0.9\"},"
      + "{\"kind\": \"value\", \"metric\": \"log_loss\", \"slice\": \"overall\", \"value\": 0.2, \"baseline\": null,"
      + " \"bound\": \"<= 0.5\", \"status\": \"passed\", \"message\": \"log_loss on overall: 0.2 meets <= 0.5\"}],"
      + " \"bias\": [{\"feature\": \"sex\", \"metric\": \"true_positive_rate\", \"gap\": 0.3, \"threshold\": 0.05, \"status\": \"failed\","
      + " \"message\": \"true_positive_rate across sex: gap 0.3 exceeds 0.05\"}]}\n";

  private static Schema predictionSchema(boolean classification) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : RAW.getFields()) {
      fields.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
    }
    if (classification) {
      Schema optLong = SchemaBuilder.unionOf().nullType().and().longType().endUnion();
      fields.add(new Schema.Field("label_id", optLong, null, Schema.Field.NULL_DEFAULT_VALUE));
      fields.add(new Schema.Field("predicted_id", Schema.create(Schema.Type.LONG), null, null));
      fields.add(new Schema.Field("predicted_class", Schema.create(Schema.Type.STRING), null, null));
      fields.add(new Schema.Field("probabilities", Schema.createArray(Schema.create(Schema.Type.DOUBLE)), null, null));
    } else {
      fields.add(new Schema.Field("prediction", Schema.create(Schema.Type.DOUBLE), null, null));
    }
    fields.add(new Schema.Field("slice_overall", Schema.create(Schema.Type.STRING), null, null));
    Schema s = Schema.createRecord("Prediction", null, "dev.beamline", false);
    s.setFields(fields);
    return s;
  }

  /** Writes {@code rows} as one Parquet file with the examples' writer. */
  static void write(Path file, Schema schema, List<GenericRecord> rows) throws IOException {
    Files.createDirectories(file.getParent());
    ExampleBatchParquetSink sink = new ExampleBatchParquetSink(schema);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      sink.open(ch);
      sink.write(ExampleBatch.of(rows));
      sink.flush();
    }
  }
}
