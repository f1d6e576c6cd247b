package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.FeatureType;
import dev.beamline.training.TrainConfig.Activation;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;

/**
 * The exported SavedModel, loaded fresh, on RAW rows, against the training-time graph on the same
 * rows' materialized (Parquet) features: the train/serve skew test.
 */
class SavedModelExportTest {
  @TempDir Path dir;

  static final List<String> ISLANDS = List.of("biscoe", "dream", "torgersen");
  static final List<String> WORDS = List.of("big", "small", "bird", "big bird", "loud");

  /** One feature of each kind of step: z-score, min-max with clip and log, bucketize, vocabulary, hash, time parts, text. */
  static List<FittedFeature> features() {
    FittedFeature bill = Fitted.zScore("bill", 44.0, 44.0, 5.5);
    FittedFeature mass = Fitted.numeric(FeatureTransform.numeric("mass").withClip(2500.0, 6500.0).withLog(1.0).withScale(FeatureTransform.Scale.MIN_MAX),
        FeatureType.INT, OutputKind.FLOAT, 0, 4200.0, null, null, Math.log(2501), Math.log(6501), null);
    FittedFeature flipper = Fitted.bucketized("flipper", 200.0, 190.0, 200.0, 215.0);
    FittedFeature island = Fitted.vocabulary("island", ISLANDS, 1, null, Encoding.ID, true);
    FittedFeature sex = Fitted.vocabulary("sex", List.of("male", "female"), 0, "male", Encoding.ONE_HOT, true);
    FittedFeature colour = Fitted.hashed("colour", 7, Encoding.ONE_HOT);
    FittedFeature hour = Fitted.timePart("seen", TimePart.HOUR_OF_DAY, Encoding.ID, 12);
    FittedFeature day = new FittedFeature(FeatureTransform.numeric("seen").withOutput("seen_day").withTimePart(TimePart.DAY_OF_WEEK).withEncode(Encoding.ONE_HOT),
        FeatureType.TIMESTAMP, OutputKind.VECTOR, 7, 2.0, null, null, null, null, null, null, null, null, null, 100);
    FeatureTransform note = FeatureTransform.string("note").withText(new FeatureTransform.Text(1, 2))
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 2)).withLowercase(true);
    FittedFeature noteTfidf = Fitted.tokens(note.withEncode(Encoding.TFIDF), WORDS, new double[] {1.2, 1.5, 1.1, 2.0, 1.9, 2.2, 2.3});
    FittedFeature noteIds = Fitted.tokens(note.withOutput("note_ids").withEncode(Encoding.IDS).withMaxTokens(4), WORDS, null);
    FittedFeature tags = Fitted.tokens(FeatureTransform.string("tags").withSeparator(";")
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(Encoding.MULTI_HOT), List.of("a", "b", "c"), null);
    FittedFeature species = Fitted.vocabulary("species", List.of("adelie", "chinstrap", "gentoo"), 0, null, Encoding.ID, false);
    return List.of(bill, mass, flipper, island, sex, colour, hour, day, noteTfidf, noteIds, tags, species);
  }

  /** Raw rows with missing values of every kind; the species depends on bill, island and note. */
  static List<Map<String, Object>> rawRows(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String[] colours = {"red", "blue", "", "green", "Red"};
    String[] notes = {"Big bird!", "small bird, loud", "", "BIG big", "quiet one", "loud-loud bird"};
    String[] tagValues = {"a;b", "", "c;;a", "d", "b"};
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> row = new LinkedHashMap<>();
      int species = r.nextInt(3);
      row.put("bill", r.nextInt(20) == 0 ? null : 38 + 6.0 * species + r.nextDouble(-2, 2));
      row.put("mass", r.nextInt(20) == 0 ? null : (double) (2000 + r.nextInt(5000)));
      row.put("flipper", r.nextInt(20) == 0 ? null : 180 + 12.0 * species + r.nextDouble(-5, 5));
      String island = r.nextInt(10) == 0 ? "Unknown" : ISLANDS.get((species + (r.nextInt(4) == 0 ? 1 : 0)) % 3);
      row.put("island", r.nextInt(20) == 0 ? "" : r.nextBoolean() ? island.toUpperCase() : island);
      row.put("sex", r.nextInt(10) == 0 ? null : r.nextBoolean() ? "Female" : "MALE");
      row.put("colour", colours[r.nextInt(colours.length)]);
      row.put("seen", r.nextInt(20) == 0 ? null : 1_700_000_000_000_000L + r.nextLong(-400_000_000_000_000L, 400_000_000_000_000L));
      row.put("note", notes[(species * 2 + r.nextInt(2)) % notes.length]);
      row.put("tags", tagValues[r.nextInt(tagValues.length)]);
      row.put("species", List.of("adelie", "chinstrap", "gentoo").get(species));
      rows.add(row);
    }
    return rows;
  }

  private static TrainConfig dnn() {
    return TrainConfig.defaults("species").withModel(ModelType.DNN).withHiddenUnits(List.of(16, 8)).withActivation(Activation.ELU)
        .withEmbeddingDim(3).withEmbeddingDims(Map.of("note_ids", 4)).withDropout(0.2).withL2(1e-4)
        .withOptimizer(Optimizer.ADAM, 0.01).withBatchSize(16).withEpochs(5).withSeed(11);
  }

  /** Feeds raw rows to the serving signature of a freshly loaded SavedModel. */
  static Result serve(SavedModelBundle bundle, List<Map<String, Object>> rows, List<String> inputs, List<Tensor> feeds) {
    Signature sig = bundle.function(SavedModelExport.SERVING).signature();
    Map<String, Tensor> args = new LinkedHashMap<>();
    for (String name : inputs) {
      String dtype = sig.getInputs().get(name).dataType.name();
      Tensor t;
      switch (dtype) {
        case "DT_DOUBLE": {
          double[] v = new double[rows.size()];
          for (int i = 0; i < v.length; i++) {
            Object x = rows.get(i).get(name);
            v[i] = x == null ? Double.NaN : ((Number) x).doubleValue();
          }
          t = Tensors.doubles(v, v.length);
          break;
        }
        case "DT_INT64": {
          long[] v = new long[rows.size()];
          for (int i = 0; i < v.length; i++) {
            Object x = rows.get(i).get(name);
            v[i] = x == null ? Long.MIN_VALUE : (Long) x;
          }
          t = Tensors.longs(v, v.length);
          break;
        }
        default: {
          String[] v = new String[rows.size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = (String) rows.get(i).get(name);
          }
          t = Tensors.strings(v);
        }
      }
      feeds.add(t);
      args.put(name, t);
    }
    return bundle.function(SavedModelExport.SERVING).call(args);
  }

  @Test
  void theExportedModelOnRawRowsMatchesTheTrainingGraphOnTheirParquetFeatures() throws IOException {
    List<FittedFeature> features = features();
    List<Map<String, Object>> rows = rawRows(300, 3);
    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
    Path model = dir.resolve("model");
    Predictions training;
    TrainingHistory history;
    try (TrainedModel m = Trainer.of(dnn()).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      training = m.predict(data.toString(), "eval");
      history = m.history();
      m.export(model, "{\"run\": \"test\"}");
    }
    assertThat(history.epochs().get(4).trainLoss()).isLessThan(history.epochs().get(0).trainLoss());
    List<Map<String, Object>> evalRows = rows.subList(200, 300);
    List<String> rawNames = List.of("bill", "mass", "flipper", "island", "sex", "colour", "seen", "note", "tags");
    List<Tensor> feeds = new ArrayList<>();
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      Signature sig = bundle.function(SavedModelExport.SERVING).signature();
      assertThat(sig.inputNames()).containsExactlyInAnyOrderElementsOf(rawNames);
      assertThat(sig.getInputs().get("bill").dataType.name()).isEqualTo("DT_DOUBLE");
      assertThat(sig.getInputs().get("mass").dataType.name()).isEqualTo("DT_DOUBLE");
      assertThat(sig.getInputs().get("seen").dataType.name()).isEqualTo("DT_INT64");
      assertThat(sig.getInputs().get("island").dataType.name()).isEqualTo("DT_STRING");
      assertThat(sig.outputNames()).containsExactlyInAnyOrder("probabilities", "class_ids", "classes");
      try (Result r = serve(bundle, evalRows, rawNames, feeds)) {
        float[] p = Tensors.toFloats(r.get("probabilities").get());
        long[] ids = Tensors.toLongs(r.get("class_ids").get());
        String[] classes = Tensors.toStrings(r.get("classes").get());
        assertThat(r.get("probabilities").get().shape().asArray()).containsExactly(100, 3);
        double maxDiff = 0;
        for (int i = 0; i < 300; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(p[i] - training.probabilities()[i]));
        }
        System.out.printf("skew: max |serving - training| over 300 probabilities = %g%n", maxDiff);
        for (int i = 0; i < 100; i++) {
          for (int k = 0; k < 3; k++) {
            assertThat(p[i * 3 + k]).as("row %s class %s", i, k).isCloseTo(training.probability(i, k), within(1e-6f));
          }
          assertThat(ids[i]).isEqualTo(training.classIds()[i]);
          assertThat(classes[i]).isEqualTo(List.of("adelie", "chinstrap", "gentoo").get((int) ids[i]));
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
      // The second signature runs the same network on the materialized features.
      assertThat(bundle.function(SavedModelExport.TRANSFORMED).signature().inputNames())
          .containsExactlyInAnyOrderElementsOf(features.subList(0, features.size() - 1).stream().map(FittedFeature::name).toList());
    }
    Path extra = model.resolve(SavedModelExport.EXTRA);
    JsonNode provenance = new ObjectMapper().readTree(Files.readString(extra.resolve("provenance.json")));
    assertThat(provenance.get("run").asText()).isEqualTo("test");
    assertThat(provenance.at("/training/data").asText()).isEqualTo(data.toString());
    assertThat(provenance.at("/training/config/seed").asLong()).isEqualTo(11);
    assertThat(provenance.at("/training/config/hidden_units").toString()).isEqualTo("[16,8]");
    assertThat(provenance.at("/training/tensorflow_java").asText()).isEqualTo("1.1.0");
    assertThat(provenance.at("/training/classes").toString()).isEqualTo("[\"adelie\",\"chinstrap\",\"gentoo\"]");
    assertThat(provenance.at("/training/best_epoch").asInt()).isEqualTo(5);
    // The kept epoch's eval metrics travel with the model.
    TrainingHistory.Epoch kept = history.best();
    assertThat(provenance.at("/training/eval_loss").asDouble()).isEqualTo(kept.evalLoss());
    assertThat(provenance.at("/training/eval_accuracy").asDouble()).isEqualTo(kept.evalAccuracy());
    assertThat(provenance.at("/training/eval_auc").asDouble()).isEqualTo(kept.evalAuc()).isBetween(0.0, 1.0);
    assertThat(provenance.at("/training/eval_rmse").isMissingNode()).isTrue();
    assertThat(TrainingHistory.fromJson(Files.readString(extra.resolve("training_history.json")))).isEqualTo(history);
    JsonNode described = new ObjectMapper().readTree(Files.readString(extra.resolve("model.json")));
    assertThat(described.get("classes").toString()).isEqualTo("[\"adelie\",\"chinstrap\",\"gentoo\"]");
    try (Stream<Path> siblings = Files.list(dir)) {
      assertThat(siblings.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("data", "model");
    }
  }

  @Test
  void everyKindOfTimePartInTheExportedModelMatchesTheTrainingGraph() throws IOException {
    FittedFeature month = Fitted.timePart("seen", TimePart.MONTH, Encoding.CYCLICAL, 0);
    FittedFeature week = new FittedFeature(FeatureTransform.numeric("seen").withOutput("seen_week").withTimePart(TimePart.WEEK_OF_YEAR)
        .withEncode(Encoding.ONE_HOT), FeatureType.TIMESTAMP, OutputKind.VECTOR, 53, 20.0, null, null, null, null, null, null, null, null, null, 100);
    FittedFeature dayOfYear = new FittedFeature(FeatureTransform.numeric("seen").withOutput("seen_day").withTimePart(TimePart.DAY_OF_YEAR),
        FeatureType.TIMESTAMP, OutputKind.ID, 366, 100.0, null, null, null, null, null, null, null, null, null, 100);
    FittedFeature year = new FittedFeature(FeatureTransform.numeric("seen").withOutput("seen_year").withTimePart(TimePart.YEAR)
        .withScale(FeatureTransform.Scale.Z_SCORE), FeatureType.TIMESTAMP, OutputKind.FLOAT, 0, 1990.0, null, 1985.0, 40.0, null, null,
        null, null, null, null, 100);
    FittedFeature species = Fitted.vocabulary("species", List.of("adelie", "chinstrap", "gentoo"), 0, null, Encoding.ID, false);
    List<FittedFeature> features = List.of(month, week, dayOfYear, year, species);
    // The species follows the season, so that the time parts matter; one timestamp in 15 is missing.
    SplittableRandom r = new SplittableRandom(5);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      long micros = r.nextLong(-2_500_000_000_000_000L, 2_000_000_000_000_000L);
      int season = (java.time.LocalDate.ofEpochDay(Math.floorDiv(micros, 86_400_000_000L)).getMonthValue() - 1) / 4;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("seen", r.nextInt(15) == 0 ? null : micros);
      row.put("species", List.of("adelie", "chinstrap", "gentoo").get(r.nextInt(5) == 0 ? r.nextInt(3) : season));
      rows.add(row);
    }
    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
    Path model = dir.resolve("model");
    Predictions training;
    try (TrainedModel m = Trainer.of(dnn().withEmbeddingDims(Map.of())).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      training = m.predict(data.toString(), "eval");
      m.export(model, "{}");
    }
    List<Tensor> feeds = new ArrayList<>();
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        Result served = serve(bundle, rows.subList(200, 300), List.of("seen"), feeds)) {
      assertThat(bundle.function(SavedModelExport.SERVING).signature().getInputs().get("seen").dataType.name()).isEqualTo("DT_INT64");
      float[] p = Tensors.toFloats(served.get("probabilities").get());
      for (int i = 0; i < 100; i++) {
        for (int k = 0; k < 3; k++) {
          assertThat(p[i * 3 + k]).as("row %s class %s", i, k).isCloseTo(training.probability(i, k), within(1e-6f));
        }
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  /** Regression rows: y = 50 + 3 x1 - 2 x2 plus noise, x1 in [0, 10], x2 in [0, 5], so y > 0; one x1 in 20 missing. */
  static List<Map<String, Object>> regressionRows(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x1 = r.nextDouble(0, 10);
      double x2 = r.nextDouble(0, 5);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("x1", r.nextInt(20) == 0 ? null : x1);
      row.put("x2", x2);
      row.put("y", 50 + 3 * x1 - 2 * x2 + r.nextDouble(-1, 1));
      rows.add(row);
    }
    return rows;
  }

  static double mean(double[] v) {
    return java.util.Arrays.stream(v).sum() / v.length;
  }

  /** The population standard deviation, as the z-score analyzer computes it. */
  static double std(double[] v) {
    double m = mean(v);
    return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
  }

  @ParameterizedTest
  @ValueSource(strings = {"z_score", "min_max", "log_z_score", "none"})
  void regressionPredictionsAreInTheLabelsOwnUnitsInBothSignatures(String labelSteps) throws IOException {
    List<Map<String, Object>> rows = regressionRows(260, 5);
    List<Map<String, Object>> evalRows = rows.subList(200, 260);
    double[] ys = rows.subList(0, 200).stream().mapToDouble(r -> (Double) r.get("y")).toArray();
    double[] logs = java.util.Arrays.stream(ys).map(v -> Math.log(v + 1)).toArray();
    double min = java.util.Arrays.stream(ys).min().orElseThrow();
    double max = java.util.Arrays.stream(ys).max().orElseThrow();
    FittedFeature y;
    // The inverse of each label transform, written out here independently of LabelUnits.
    DoubleUnaryOperator inverse;
    switch (labelSteps) {
      case "z_score":
        y = Fitted.zScore("y", mean(ys), mean(ys), std(ys));
        inverse = z -> z * std(ys) + mean(ys);
        break;
      case "min_max":
        y = Fitted.numeric(FeatureTransform.numeric("y").withScale(FeatureTransform.Scale.MIN_MAX), FeatureType.FLOAT, OutputKind.FLOAT, 0,
            mean(ys), null, null, min, max, null);
        inverse = z -> z * (max - min) + min;
        break;
      case "log_z_score":
        y = Fitted.numeric(FeatureTransform.numeric("y").withLog(1.0).withScale(FeatureTransform.Scale.Z_SCORE), FeatureType.FLOAT, OutputKind.FLOAT, 0,
            mean(ys), mean(logs), std(logs), null, null, null);
        inverse = z -> Math.exp(z * std(logs) + mean(logs)) - 1;
        break;
      default:
        y = Fitted.passThrough("y", mean(ys));
        inverse = z -> z;
    }
    FittedFeature x1 = Fitted.zScore("x1", 5.0, 5.0, 2.9);
    FittedFeature x2 = Fitted.passThrough("x2", 2.5);
    List<FittedFeature> features = List.of(x1, x2, y);
    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, evalRows);
    TrainConfig c = TrainConfig.defaults("y").withHiddenUnits(List.of(8)).withOptimizer(Optimizer.ADAM, 0.02)
        .withBatchSize(16).withEpochs(5).withSeed(3);
    Path model = dir.resolve("model");
    Predictions java;
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      java = m.predict(data.toString(), "eval");
      m.export(model, null);
    }
    boolean inverted = !labelSteps.equals("none");
    float[] values = java.values();
    float[] transformedValues = java.transformedValues();
    List<String> outputs = inverted ? List.of("predictions", "predictions_transformed") : List.of("predictions");
    List<Tensor> feeds = new ArrayList<>();
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
      Signature sig = bundle.function(SavedModelExport.SERVING).signature();
      assertThat(sig.outputNames()).containsExactlyInAnyOrderElementsOf(outputs);
      assertThat(sig.getOutputs().get("predictions").dataType.name()).isEqualTo("DT_FLOAT");
      assertThat(bundle.function(SavedModelExport.TRANSFORMED).signature().outputNames()).containsExactlyInAnyOrderElementsOf(outputs);
      float[] served;
      float[] servedTransformed;
      try (Result r = serve(bundle, evalRows, List.of("x1", "x2"), feeds)) {
        assertThat(r.get("predictions").get().shape().asArray()).containsExactly(60);
        served = Tensors.toFloats(r.get("predictions").get());
        servedTransformed = inverted ? Tensors.toFloats(r.get("predictions_transformed").get()) : served;
      }
      // The transformed signature on the rows' Parquet features gives the same outputs.
      Map<String, Tensor> args = new LinkedHashMap<>();
      List<Map<String, Object>> parquetFeatures = TransformedData.transform(List.of(x1, x2), evalRows);
      for (FittedFeature f : List.of(x1, x2)) {
        float[] v = new float[evalRows.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (Float) parquetFeatures.get(i).get(f.name());
        }
        Tensor t = Tensors.floats(v, v.length);
        feeds.add(t);
        args.put(f.name(), t);
      }
      try (Result r = bundle.function(SavedModelExport.TRANSFORMED).call(args)) {
        float[] direct = Tensors.toFloats(r.get("predictions").get());
        float[] directTransformed = inverted ? Tensors.toFloats(r.get("predictions_transformed").get()) : direct;
        for (int i = 0; i < 60; i++) {
          assertThat(direct[i]).as("transformed signature row %s", i).isCloseTo(served[i], within(1e-6f * Math.abs(served[i])));
          assertThat(directTransformed[i]).as("transformed signature row %s", i).isCloseTo(servedTransformed[i], within(1e-6f));
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
      double sumTruth = 0;
      double sumServed = 0;
      for (int i = 0; i < 60; i++) {
        float expected = (float) inverse.applyAsDouble(servedTransformed[i]);
        assertThat(served[i]).as("row %s: inverse of %s", i, servedTransformed[i]).isCloseTo(expected, within(1e-6f * Math.abs(expected)));
        assertThat(served[i]).as("row %s: Java side", i).isCloseTo(values[i], within(1e-6f * Math.abs(values[i])));
        assertThat(servedTransformed[i]).as("row %s: Java side, transformed", i).isCloseTo(transformedValues[i], within(1e-6f));
        sumTruth += (Double) evalRows.get(i).get("y");
        sumServed += served[i];
      }
      if (inverted) {
        // Raw units: the mean prediction is near the mean label (about 58), not a z-score or a [0, 1] value.
        assertThat(sumServed / 60).isCloseTo(sumTruth / 60, within(10.0));
      }
    }
    JsonNode described = new ObjectMapper().readTree(Files.readString(model.resolve(SavedModelExport.EXTRA).resolve("model.json")));
    assertThat(described.get("outputs").has("predictions_transformed")).isEqualTo(inverted);
    assertThat(described.has("label_inverse")).isEqualTo(inverted);
  }

  /**
   * Wide and deep with crosses (of a vocabulary and a time part as ids; of a one-hot vocabulary and a
   * one-hot hash as a one-hot vector), batch normalization, dropout and a cosine learning rate: the
   * served model, on raw rows, answers as the training graph on their Parquet features.
   */
  @ParameterizedTest
  @ValueSource(strings = {"species", "bill"})
  void wideAndDeepWithCrossesAndBatchNormServesRawRowsAsTrainingPredicts(String label) throws IOException {
    List<FittedFeature> base = new ArrayList<>(features());
    FittedFeature island = base.get(3);
    FittedFeature sex = base.get(4);
    FittedFeature colour = base.get(5);
    FittedFeature hour = base.get(6);
    FittedFeature islandHour = FittedFeature.cross(FeatureTransform.cross("island_x_hour", List.of("island", "seen")).withHashBuckets(100),
        List.of(island, hour), 100);
    FittedFeature sexColour = FittedFeature.cross(FeatureTransform.cross("sex_x_colour", List.of("sex", "colour")).withHashBuckets(20)
        .withEncode(Encoding.ONE_HOT), List.of(sex, colour), 100);
    List<FittedFeature> features = new ArrayList<>(base);
    features.add(islandHour);
    features.add(sexColour);
    if (label.equals("bill")) {
      features.remove(0);
      features.set(features.size() - 3, Fitted.zScore("bill", 44.0, 44.0, 5.5));
    }
    List<Map<String, Object>> rows = rawRows(300, 8);
    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
    TrainConfig c = TrainConfig.defaults(label).withModel(ModelType.WIDE_DEEP).withHiddenUnits(List.of(16, 8)).withBatchNorm(true)
        .withEmbeddingDim(3).withDropout(0.1).withLearningRateSchedule(LearningRateSchedule.cosine(40, 0.1))
        .withOptimizer(Optimizer.ADAM, 0.02).withBatchSize(16).withEpochs(4).withSeed(13);
    Path model = dir.resolve("model");
    Predictions training;
    TrainingHistory history;
    ModelSpec spec;
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      training = m.predict(data.toString(), "eval");
      history = m.history();
      spec = m.spec();
      m.export(model, null);
    }
    assertThat(history.epochs().get(3).trainLoss()).isLessThan(history.epochs().get(0).trainLoss());
    assertThat(spec.wideInputs()).extracting(ModelSpec.Input::name).contains("island", "seen", "island_x_hour", "sex_x_colour");
    assertThat(spec.deepInputs()).extracting(ModelSpec.Input::name).doesNotContain("island_x_hour", "sex_x_colour");
    List<String> rawNames = spec.rawInputs().stream().map(ModelSpec.RawInput::name).toList();
    assertThat(rawNames).contains("island", "seen", "sex", "colour").doesNotContain(label);
    List<Tensor> feeds = new ArrayList<>();
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve");
        Result r = serve(bundle, rows.subList(200, 300), rawNames, feeds)) {
      assertThat(bundle.function(SavedModelExport.SERVING).signature().inputNames()).containsExactlyInAnyOrderElementsOf(rawNames);
      double maxDiff = 0;
      if (label.equals("species")) {
        float[] p = Tensors.toFloats(r.get("probabilities").get());
        for (int i = 0; i < 300; i++) {
          assertThat(p[i]).as("probability %s", i).isCloseTo(training.probabilities()[i], within(1e-6f));
          maxDiff = Math.max(maxDiff, Math.abs(p[i] - training.probabilities()[i]));
        }
        assertThat(Tensors.toLongs(r.get("class_ids").get())).containsExactly(training.classIds());
      } else {
        float[] served = Tensors.toFloats(r.get("predictions").get());
        for (int i = 0; i < 100; i++) {
          assertThat(served[i]).as("row %s", i).isCloseTo(training.values()[i], within(1e-6f * Math.max(1, Math.abs(served[i]))));
          maxDiff = Math.max(maxDiff, Math.abs(served[i] - training.values()[i]));
        }
      }
      System.out.printf("wide and deep skew (%s): max |serving - training| = %g%n", label, maxDiff);
    } finally {
      feeds.forEach(Tensor::close);
    }
  }
}
