package dev.beamline.training;

import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training throughput from Parquet shards (the real input path) against {@code session.run} on the
 * same batches already in memory: the ratio the training benchmark targets (at least 0.7).
 *
 * <p>Run: {@code java -cp <test classpath> dev.beamline.training.TrainingThroughput [rows] [batch] [shards]}.
 */
public final class TrainingThroughput {
  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int shards = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    List<FittedFeature> features = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      features.add(Fitted.zScore("f" + i, 0, 0, 1));
    }
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      vocab.add("w" + i);
    }
    features.add(Fitted.vocabulary("c0", vocab, 1, null, FeatureTransform.Encoding.ID, false));
    features.add(Fitted.vocabulary("c1", vocab, 1, null, FeatureTransform.Encoding.ID, false));
    features.add(Fitted.vocabulary("oh", vocab.subList(0, 15), 1, null, FeatureTransform.Encoding.ONE_HOT, false));
    features.add(Fitted.vocabulary("label", List.of("a", "b", "c"), 0, null, FeatureTransform.Encoding.ID, false));
    Path dir = Files.createTempDirectory("throughput");
    SplittableRandom r = new SplittableRandom(1);
    long t0 = System.nanoTime();
    for (int s = 0; s < shards; s++) {
      List<Map<String, Object>> part = new ArrayList<>();
      for (int i = 0; i < rows / shards; i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        double sum = 0;
        for (int f = 0; f < 10; f++) {
          float v = (float) r.nextGaussian();
          sum += v * (f % 3 - 1);
          row.put("f" + f, v);
        }
        row.put("c0", (long) r.nextInt(51));
        row.put("c1", (long) r.nextInt(51));
        float[] oh = new float[16];
        oh[r.nextInt(16)] = 1;
        row.put("oh", oh);
        row.put("label", sum < -0.5 ? 0L : sum < 0.5 ? 1L : 2L);
        part.add(row);
      }
      TransformedData.write(dir, "train", String.format("part-%05d.parquet", s), features, part);
    }
    System.out.printf(Locale.ROOT, "wrote %,d rows in %d shards in %.1f s%n", rows, shards, (System.nanoTime() - t0) / 1e9);
    TrainConfig config = TrainConfig.defaults("label").withEmbeddingDim(8).withBatchSize(batch).withEpochs(2).withSplits("train", "none");
    ModelSpec spec = ModelSpec.resolve(config, features);

    // Reference: the same batches, read beforehand, fed from memory.
    List<Batch> batches = new ArrayList<>();
    try (ExampleStream s = ExampleStream.open(Trainer.shards(dir.toString(), "train"), TrainingGraph.columns(spec, true), batch, config.shuffleBuffer(), 1L, -1)) {
      while (s.hasNext()) {
        batches.add(s.next());
      }
    }
    double inMemory;
    try (TrainingGraph g = TrainingGraph.build(spec)) {
      g.load(Weights.initial(spec, 1));
      for (int i = 0; i < Math.min(200, batches.size()); i++) {
        g.step(batches.get(i));
      }
      long start = System.nanoTime();
      long n = 0;
      for (Batch b : batches) {
        g.step(b);
        n += b.size;
      }
      inMemory = n / ((System.nanoTime() - start) / 1e9);
    }
    try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.silent()).train(dir.toString(), features)) {
      // The second epoch: the JIT and TensorFlow are warm, as in the reference.
      double fromParquet = m.history().epochs().get(1).examplesPerSecond();
      System.out.printf(Locale.ROOT, "batch %d: in-memory session.run %,.0f ex/s; training from Parquet %,.0f ex/s (epoch 1: %,.0f); ratio %.2f%n",
          batch, inMemory, fromParquet, m.history().epochs().get(0).examplesPerSecond(), fromParquet / inMemory);
    }
    if (System.getProperty("keep") == null) {
      dev.beamline.core.Storage.deleteRecursively(dir.toString());
    } else {
      System.out.println("kept " + dir);
    }
  }
}
