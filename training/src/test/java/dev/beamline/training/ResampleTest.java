package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.training.ShardReader.Column;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resampling of the training stream: per-class counts exact for integer rates and, for fractional ones,
 * exact for a fixed seed (counted here independently) and near their expectation; the eval split is
 * neither resampled nor weighted.
 */
class ResampleTest {
  @TempDir Path dir;

  static final int[] COUNTS = {100, 40, 10};

  /** Rows a, b, c interleaved (100, 40, 10 of them), x1 the row's number, so that copies can be told apart. */
  static List<Map<String, Object>> rows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    int[] left = COUNTS.clone();
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; rows.size() < 150; i++) {
      int c = i % 3;
      if (left[c] == 0) {
        continue;
      }
      left[c]--;
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("x1", (float) rows.size());
      row.put("x2", (float) r.nextDouble(-1, 1) + c);
      row.put("label", (long) c);
      rows.add(row);
    }
    return rows;
  }

  private List<Column> columns() {
    return TrainingGraph.columns(ModelSpec.resolve(TrainConfig.defaults("label"), WeightedLossTest.FEATURES), true);
  }

  private List<String> files() throws IOException {
    TransformedData.write(dir, "train", "part-0.parquet", WeightedLossTest.FEATURES, rows());
    return Trainer.shards(dir.toString(), "train");
  }

  /** The stream's rows: x1 (the row's number) and label, in order. */
  private List<long[]> stream(List<String> files, long seed, double[] rates) {
    List<long[]> out = new ArrayList<>();
    try (ExampleStream s = ExampleStream.open(files, columns(), 16, 32, seed, 2, rates)) {
      while (s.hasNext()) {
        Batch b = s.next();
        for (int i = 0; i < b.size; i++) {
          out.add(new long[] {(long) b.floats(0)[i], b.longs(2)[i]});
        }
      }
    }
    return out;
  }

  private static List<String> text(List<long[]> rows) {
    return rows.stream().map(java.util.Arrays::toString).toList();
  }

  private static long[] perClass(List<long[]> rows) {
    long[] n = new long[3];
    rows.forEach(r -> n[(int) r[1]]++);
    return n;
  }

  @Test
  void integerRatesRepeatEachRowExactlyThatOften() throws IOException {
    List<String> files = files();
    List<long[]> rows = stream(files, 7, new double[] {1, 2, 3});
    assertThat(perClass(rows)).containsExactly(100, 80, 30);
    Map<Long, Integer> copies = new HashMap<>();
    rows.forEach(r -> copies.merge(r[0], 1, Integer::sum));
    for (Map<String, Object> row : rows()) {
      long id = (long) (float) (Float) row.get("x1");
      assertThat(copies.get(id)).as("copies of row %s", id).isEqualTo((int) ((Long) row.get("label") + 1));
    }
    // Rate 0 drops a class; without rates every row comes once.
    assertThat(perClass(stream(files, 7, new double[] {0, 1, 1}))).containsExactly(0, 40, 10);
    assertThat(perClass(stream(files, 7, null))).containsExactly(100, 40, 10);
  }

  @Test
  void fractionalRatesAreExactForAFixedSeedAndNearTheirExpectation() throws IOException {
    List<String> files = files();
    double[] rates = {0.5, 2.5, 1};
    for (long seed : new long[] {1, 2, 3}) {
      long[] n = perClass(stream(files, seed, rates));
      // Independently: one draw per row of a fractional class, in the shard's row order, from the
      // generator seeded with the seed mixed with SplitMix64's constant.
      SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
      long[] expected = new long[3];
      for (Map<String, Object> row : rows()) {
        int c = (int) (long) (Long) row.get("label");
        double whole = Math.floor(rates[c]);
        expected[c] += (long) whole + (rates[c] > whole && r.nextDouble() < rates[c] - whole ? 1 : 0);
      }
      assertThat(n).as("seed %s", seed).containsExactly(expected);
      // Binomial: 50 +- 5 and 100 +- 3.2 (one standard deviation); c exact.
      assertThat(n[0]).isBetween(30L, 70L);
      assertThat(n[1]).isBetween(87L, 113L);
      assertThat(n[2]).isEqualTo(10);
      // The same seed, the same stream.
      assertThat(text(stream(files, seed, rates))).isEqualTo(text(stream(files, seed, rates)));
    }
    // Over many rows the kept fraction converges: 10,000 draws at 0.3, standard deviation 46.
    List<Map<String, Object>> many = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      many.add(Map.of("x1", (float) i, "x2", 0f, "label", 0L));
    }
    TransformedData.write(dir, "many", "part-0.parquet", WeightedLossTest.FEATURES, many);
    long kept = 0;
    try (ExampleStream s = ExampleStream.open(Trainer.shards(dir.toString(), "many"), columns(), 256, 1000, 11L, 2, new double[] {0.3, 1, 1})) {
      while (s.hasNext()) {
        kept += s.next().size;
      }
    }
    assertThat(kept).isBetween(3000L - 230, 3000L + 230);
  }

  @Test
  void theTrainerResamplesAndWeightsTheTrainingSplitOnlyAndTheEvalLossIsThePlainCrossEntropy() throws IOException {
    files();
    List<Map<String, Object>> eval = rows().subList(0, 60);
    TransformedData.write(dir, "eval", "part-0.parquet", WeightedLossTest.FEATURES, eval);
    TrainConfig c = TrainConfig.defaults("label").withModel(ModelType.LINEAR).withOptimizer(Optimizer.ADAM, 0.05).withBatchSize(16)
        .withEpochs(2).withSeed(5).withShuffleBuffer(64)
        .withResample(ClassRates.of(Map.of("b", 2.0)))
        .withClassWeights(ClassRates.of(Map.of("c", 4.0)));
    try (TrainedModel m = Trainer.of(c).withProgress(ProgressLine.silent()).train(dir.toString(), WeightedLossTest.FEATURES)) {
      // a once, b twice, c once.
      assertThat(m.history().epochs()).allSatisfy(e -> assertThat(e.examples()).isEqualTo(100 + 80 + 10));
      assertThat(m.classBalance().labelCounts()).containsExactly(Map.entry("a", 100L), Map.entry("b", 40L), Map.entry("c", 10L));
      assertThat(m.classBalance().resample()).containsExactly(Map.entry("a", 1.0), Map.entry("b", 2.0), Map.entry("c", 1.0));
      assertThat(m.classBalance().classWeights()).containsExactly(Map.entry("a", 1.0), Map.entry("b", 1.0), Map.entry("c", 4.0));
      // The eval loss of the last epoch is the mean cross-entropy of every eval row, once each, unweighted.
      Predictions p = m.predict(dir.toString(), "eval");
      double loss = 0;
      for (int i = 0; i < eval.size(); i++) {
        loss -= Math.log(p.probabilities()[i * 3 + (int) (long) (Long) eval.get(i).get("label")]);
      }
      assertThat(m.history().epochs().get(1).evalLoss()).isCloseTo(loss / eval.size(), within(1e-6));
    }
  }
}
