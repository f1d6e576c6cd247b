package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.Storage;
import dev.beamline.training.ModelSpec.InputEncoding;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import dev.beamline.transform.AnalyzeFn;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Embedding;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Pooling;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import dev.beamline.transform.TransformSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.types.TFloat32;

/**
 * Text through embeddings ({@code encode: embedding}): sum and mean pooling through the graph against
 * values computed by hand; pretrained vectors from a file the test writes as the first rows of the
 * table, kept exactly as the file has them when frozen while the OOV buckets' rows train, moving when
 * trainable; and the exported SavedModel, which holds the vectors, served on raw text after the vectors
 * file and the transform folder are deleted, as the training graph predicts.
 */
class PretrainedEmbeddingTest {
  @TempDir Path dir;

  // ---- pooling by hand -------------------------------------------------------------------------

  /** Rows of the table: ids 0-2 the vocabulary a, b, c, id 3 the OOV bucket. */
  private static final float[] TABLE = {
      0.5f, -1f, 2f,
      1.5f, 0.25f, -0.5f,
      -2f, 1f, 0.75f,
      0.125f, -0.375f, 3f};
  private static final float[] KERNEL = {0.5f, -0.25f, 1f, 0.75f, -1.5f, 0.2f};
  private static final float[] BIAS = {0.1f, -0.3f};
  /** Four rows of four ids, -1 the padding: two ids, four (one repeated), none, one. */
  private static final long[] IDS = {0, 2, -1, -1, 3, 3, 1, 0, -1, -1, -1, -1, 1, -1, -1, -1};

  private static FittedFeature text(Pooling pooling) {
    FeatureTransform t = FeatureTransform.string("text").withText(new Text(1, 1)).withVocabulary(Vocabulary.defaults())
        .withEncode(Encoding.EMBEDDING).withMaxTokens(4).withEmbedding(new Embedding(pooling, null, true));
    return Fitted.tokens(t, List.of("a", "b", "c"), null);
  }

  @Test
  void sumAndMeanPoolingLeaveThePaddingOutAsComputedByHand() {
    FittedFeature y = Fitted.vocabulary("y", List.of("no", "yes"), 0, null, Encoding.ID, false);
    for (Pooling pooling : Pooling.values()) {
      ModelSpec spec = ModelSpec.resolve(TrainConfig.defaults("y").withModel(ModelType.LINEAR).withEmbeddingDims(Map.of("text", 3)),
          List.of(text(pooling), y));
      assertThat(spec.inputs().get(0).encoding()).isEqualTo(pooling == Pooling.SUM ? InputEncoding.SUM_EMBEDDING : InputEncoding.MEAN_EMBEDDING);
      assertThat(Weights.layout(spec)).extracting(Weights.Slot::name).containsExactly("embedding/text", "logits/kernel", "logits/bias");
      Map<String, float[]> w = new LinkedHashMap<>();
      w.put("embedding/text", TABLE);
      w.put("logits/kernel", KERNEL);
      w.put("logits/bias", BIAS);
      try (TrainingGraph g = TrainingGraph.build(spec)) {
        g.load(new Weights(Weights.layout(spec), w));
        float[] p = g.predict(new Batch(4, new Object[] {IDS.clone()})).probabilities();
        for (int row = 0; row < 4; row++) {
          // The pooled vector: the sum of the rows of the ids other than -1, or their mean (0 ids: zeros).
          double[] pooled = new double[3];
          int n = 0;
          for (int k = 0; k < 4; k++) {
            long id = IDS[row * 4 + k];
            if (id >= 0) {
              n++;
              for (int d = 0; d < 3; d++) {
                pooled[d] += TABLE[(int) id * 3 + d];
              }
            }
          }
          if (pooling == Pooling.MEAN && n > 0) {
            for (int d = 0; d < 3; d++) {
              pooled[d] /= n;
            }
          }
          double[] logits = new double[2];
          for (int c = 0; c < 2; c++) {
            logits[c] = BIAS[c];
            for (int d = 0; d < 3; d++) {
              logits[c] += pooled[d] * KERNEL[d * 2 + c];
            }
          }
          double z = Math.exp(logits[0]) + Math.exp(logits[1]);
          for (int c = 0; c < 2; c++) {
            assertThat((double) p[row * 2 + c]).as("%s row %s class %s", pooling, row, c).isCloseTo(Math.exp(logits[c]) / z, within(1e-6));
          }
        }
      }
    }
  }

  // ---- pretrained vectors ----------------------------------------------------------------------

  private static final ExampleSchema RAW = ExampleSchema.of(List.of(FeatureSpec.of("review", FeatureType.STRING), FeatureSpec.of("y", FeatureType.STRING)));
  private static final List<String> POSITIVE = List.of("good", "great", "fine", "nice");
  private static final List<String> NEGATIVE = List.of("bad", "awful", "poor", "meh");
  /** Words of neither side; "zzz" and "ugh" have no vector. */
  private static final List<String> NEUTRAL = List.of("movie", "plot", "zzz", "ugh");
  /**
   * Dimension 4; "meh", "zzz" and "ugh" are missing (OOV buckets), "film" is not in the data. The
   * positive words lean on the first coordinate, the negative on the second.
   */
  private static final String VECTORS = String.join("\n",
      "good 0.9 -0.1 0.25 0.5",
      "great 0.8 0.05 -0.5 0.125",
      "fine 0.6 0.1 0.75 -0.25",
      "nice 0.7 -0.2 0.5 1",
      "bad -0.1 0.9 0.25 -0.5",
      "awful 0.05 0.8 -0.75 0.375",
      "poor -0.2 0.7 0.5 0.25",
      "movie 0.01 0.02 0.03 0.04",
      "plot -0.3 0.3 -0.3 0.3",
      "film 1 1 1 1",
      "");

  /** Reviews of three to six words; positive when more positive than negative words. */
  private static List<Map<String, Object>> reviews(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rows.size() < n) {
      int pos = 0;
      int neg = 0;
      List<String> words = new ArrayList<>();
      int length = 3 + r.nextInt(4);
      for (int i = 0; i < length; i++) {
        int kind = r.nextInt(3);
        List<String> from = kind == 0 ? POSITIVE : kind == 1 ? NEGATIVE : NEUTRAL;
        String w = from.get(r.nextInt(from.size()));
        words.add(r.nextInt(4) == 0 ? w.toUpperCase() : w);
        pos += kind == 0 ? 1 : 0;
        neg += kind == 1 ? 1 : 0;
      }
      if (pos == neg) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("review", String.join(r.nextBoolean() ? " " : ", ", words) + (r.nextBoolean() ? "!" : "."));
      row.put("y", pos > neg ? "positive" : "negative");
      rows.add(row);
    }
    return rows;
  }

  private static List<GenericRecord> records(List<Map<String, Object>> rows) {
    List<GenericRecord> out = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      GenericRecord g = new GenericData.Record(RAW.toAvro());
      row.forEach(g::put);
      out.add(g);
    }
    return out;
  }

  /**
   * Fits the transform on the training rows with the vectors file, writes it as the transform stage
   * does, and returns the features read back from that folder, as the train stage reads them.
   */
  private List<FittedFeature> fitAndPublish(Path vectors, boolean trainable, Path transformDir, List<Map<String, Object>> train) {
    TransformSpec spec = TransformSpec.of(List.of(
        FeatureTransform.string("review").withText(new Text(1, 1)).withLowercase(true).withVocabulary(new Vocabulary(null, 1, 2))
            .withEncode(Encoding.EMBEDDING).withMaxTokens(6).withEmbedding(new Embedding(Pooling.MEAN, vectors.toString(), trainable)),
        FeatureTransform.string("y").withVocabulary(new Vocabulary(null, 1, 0))));
    spec.check(RAW);
    AnalyzeFn.fitInMemory(RAW, spec, records(train)).write(transformDir);
    return FittedTransform.read(transformDir).features();
  }

  private static float[] vectorsOf(List<String> tokens) {
    Map<String, float[]> byToken = new LinkedHashMap<>();
    for (String line : VECTORS.split("\n")) {
      String[] f = line.split(" ");
      float[] v = new float[4];
      for (int i = 0; i < 4; i++) {
        v[i] = Float.parseFloat(f[i + 1]);
      }
      byToken.put(f[0], v);
    }
    float[] out = new float[tokens.size() * 4];
    for (int i = 0; i < tokens.size(); i++) {
      System.arraycopy(byToken.get(tokens.get(i)), 0, out, i * 4, 4);
    }
    return out;
  }

  private static TrainConfig config() {
    return TrainConfig.defaults("y").withModel(ModelType.DNN).withHiddenUnits(List.of(8)).withL2(1e-3)
        .withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(16).withEpochs(8).withSeed(13);
  }

  @Test
  void frozenRowsKeepTheFilesFloatsWhileTheOovRowsTrainAndTheSavedModelServesWithoutTheFile() throws IOException {
    Path vectors = dir.resolve("vectors.txt");
    Files.writeString(vectors, VECTORS);
    List<Map<String, Object>> rows = reviews(300, 21);
    Path transformDir = dir.resolve("transform");
    List<FittedFeature> features = fitAndPublish(vectors, false, transformDir, rows.subList(0, 200));
    FittedFeature review = features.get(0);
    // The vocabulary holds the data's words that the file has; meh, zzz and ugh go to the 2 OOV buckets.
    assertThat(review.vocabulary()).containsExactlyInAnyOrder("good", "great", "fine", "nice", "bad", "awful", "poor", "movie", "plot");
    assertThat(review.cardinality()).isEqualTo(11);
    float[] pretrained = vectorsOf(review.vocabulary());
    assertThat(review.vectors().values()).containsExactly(pretrained);

    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 200));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(200, 300));
    ModelSpec spec = ModelSpec.resolve(config(), features);
    assertThat(spec.inputs().get(0).embeddingDim()).isEqualTo(4);
    assertThat(spec.inputs().get(0).frozenRows()).isEqualTo(9);
    List<Weights.Slot> layout = Weights.layout(spec);
    assertThat(layout.subList(0, 2)).extracting(s -> s.name() + " " + Arrays.toString(s.shape()) + " trainable " + s.trainable() + " l2 " + s.regularized())
        .containsExactly("embedding/review/frozen [9, 4] trainable false l2 false", "embedding/review [2, 4] trainable true l2 true");
    Weights initial = Weights.initial(spec, 13);
    assertThat(initial.get("embedding/review/frozen")).containsExactly(pretrained);

    Path modelDir = dir.resolve("model");
    Predictions trained;
    try (TrainedModel m = Trainer.of(config()).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      // The file's floats, bit for bit, after 8 epochs with an L2 penalty; the OOV buckets' rows moved.
      assertThat(m.weights().get("embedding/review/frozen")).containsExactly(pretrained);
      assertThat(m.weights().get("embedding/review")).isNotEqualTo(initial.get("embedding/review"));
      assertThat(m.weights().get("dense_0/kernel")).isNotEqualTo(initial.get("dense_0/kernel"));
      assertThat(m.history().best().evalAccuracy()).isGreaterThan(0.9);
      trained = m.predict(data.toString(), "eval");
      m.export(modelDir, null);
    }
    assertThat(Files.readString(modelDir.resolve("assets.extra/model.json")))
        .contains("\"review\" : \"IDS width 6 as mean_embedding dim 4, 9 rows from pretrained vectors (frozen)\"");

    // Nothing but the SavedModel is needed to serve: the vectors are a variable of its checkpoint.
    Files.delete(vectors);
    Storage.deleteRecursively(transformDir.toString());
    Storage.deleteRecursively(data.toString());
    try (SavedModelBundle b = SavedModelBundle.load(modelDir.toString(), "serve");
        Result r = b.session().runner().fetch("embedding.review.frozen").run()) {
      assertThat(Tensors.toFloats(r.get(0))).containsExactly(pretrained);
    }
    Schema schema = SchemaBuilder.record("Example").fields().optionalString("review").optionalString("y").endRecord();
    List<GenericRecord> eval = new ArrayList<>();
    for (Map<String, Object> row : rows.subList(200, 300)) {
      GenericRecord g = new GenericData.Record(schema);
      row.forEach(g::put);
      eval.add(g);
    }
    try (ServingModel served = ServingModel.load(modelDir.toString())) {
      ServingModel.Scores s = served.score(eval);
      double maxDiff = 0;
      for (int i = 0; i < 100; i++) {
        for (int k = 0; k < 2; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(s.probability(i, k) - trained.probabilities()[i * 2 + k]));
        }
      }
      assertThat(maxDiff).isLessThan(1e-6);
    }
  }

  @Test
  void trainablePretrainedRowsStartAtTheFilesFloatsAndMove() throws IOException {
    Path vectors = dir.resolve("vectors.txt");
    Files.writeString(vectors, VECTORS);
    List<Map<String, Object>> rows = reviews(200, 5);
    List<FittedFeature> features = fitAndPublish(vectors, true, dir.resolve("transform"), rows.subList(0, 150));
    FittedFeature review = features.get(0);
    ModelSpec spec = ModelSpec.resolve(config(), features);
    assertThat(spec.inputs().get(0).frozenRows()).isZero();
    assertThat(Weights.layout(spec).get(0).name()).isEqualTo("embedding/review");
    assertThat(Weights.layout(spec).get(0).shape()).containsExactly(11, 4);
    float[] pretrained = vectorsOf(review.vocabulary());
    float[] start = Weights.initial(spec, 13).get("embedding/review");
    assertThat(Arrays.copyOf(start, 36)).containsExactly(pretrained);
    // The OOV buckets' rows start at random, in [-0.05, 0.05].
    for (int i = 36; i < 44; i++) {
      assertThat(Math.abs(start[i])).isLessThanOrEqualTo(0.05f).isNotZero();
    }

    Path data = dir.resolve("data");
    TransformedData.writeRaw(data, "train", "part-0.parquet", features, rows.subList(0, 150));
    TransformedData.writeRaw(data, "eval", "part-0.parquet", features, rows.subList(150, 200));
    try (TrainedModel m = Trainer.of(config()).withProgress(ProgressLine.silent()).train(data.toString(), features)) {
      float[] after = m.weights().get("embedding/review");
      // Every pretrained row that appears in the data moved.
      for (int row = 0; row < 9; row++) {
        assertThat(Arrays.copyOfRange(after, row * 4, row * 4 + 4)).as("row %s (%s)", row, review.vocabulary().get(row))
            .isNotEqualTo(Arrays.copyOfRange(pretrained, row * 4, row * 4 + 4));
      }
    }
  }

  @Test
  void thePretrainedVectorsFixTheEmbeddingSizeAndTheDnnNotTheLinearPartReadsThem() throws IOException {
    Path vectors = dir.resolve("vectors.txt");
    Files.writeString(vectors, VECTORS);
    List<FittedFeature> features = fitAndPublish(vectors, true, dir.resolve("transform"), reviews(50, 3));
    assertThat(ModelSpec.resolve(config().withEmbeddingDim(16), features).inputs().get(0).embeddingDim()).isEqualTo(4);
    assertThat(ModelSpec.resolve(config().withEmbeddingDims(Map.of("review", 4)), features).inputs().get(0).embeddingDim()).isEqualTo(4);
    assertThatThrownBy(() -> ModelSpec.resolve(config().withEmbeddingDims(Map.of("review", 16)), features))
        .isInstanceOf(ConfigException.class)
        .hasMessage("train.embedding_dims: 'review' is 16, but its pretrained vectors (transform embedding.vectors " + vectors
            + ") have 4 dimensions; leave it out of embedding_dims or set 4");
    // A wide-and-deep model embeds it in its DNN; its linear part does not read it unless told.
    FittedFeature bucket = Fitted.vocabulary("kind", List.of("x", "z"), 1, null, Encoding.ID, false);
    List<FittedFeature> withKind = List.of(features.get(0), bucket, features.get(1));
    ModelSpec wideDeep = ModelSpec.resolve(config().withModel(ModelType.WIDE_DEEP), withKind);
    assertThat(wideDeep.wideInputs()).extracting(ModelSpec.Input::name).containsExactly("kind");
    assertThat(wideDeep.deepInputs()).extracting(ModelSpec.Input::name).containsExactly("review", "kind");
  }
}
