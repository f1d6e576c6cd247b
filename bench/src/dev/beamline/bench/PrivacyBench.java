package dev.beamline.bench;

import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.runner.RunnerOptions;
import dev.beamline.training.DpSgdCeiling;
import dev.beamline.training.DpSgdConfig;
import dev.beamline.training.PrivacyGuarantee;
import dev.beamline.training.ProgressLine;
import dev.beamline.training.SessionRunCeiling;
import dev.beamline.training.TrainConfig;
import dev.beamline.training.TrainedModel;
import dev.beamline.training.Trainer;
import dev.beamline.training.TrainingHistory;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.TransformOutput;
import dev.beamline.transform.TransformSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;

/**
 * The differential-privacy benchmark, in one process:
 *
 * <ol>
 *   <li><b>penguins</b>: on the examples a {@code beamline run} ingested and transformed as {@code
 *       examples/privacy/pipeline.yaml} does, the example's DNN ([16, 8], Adam 0.02, batch 32, 30
 *       epochs) trained without differential privacy and with DP-SGD at each target ε (δ = 1e-5, clip
 *       1), several runs each (run i with seed 42 + i; DP-SGD's noise and batches come from {@code
 *       SecureRandom} besides): the eval accuracy's mean, standard deviation, minimum and maximum, the
 *       noise multiplier the accountant found, ε and the steps;
 *   <li><b>flights</b>: the transform of {@code bench/train.sh} ({@link TrainBench#flightsSpec}, Beam
 *       on the DirectRunner) on the flights the script ingested, then, for each batch size, TrainBench's
 *       DNN trained without and with DP-SGD (a given noise multiplier, clip, δ): examples/s (median of
 *       the epochs after the first), eval AUC, ε; then {@link DpSgdCeiling}, the cost of Poisson
 *       sampling and of non-private and DP-SGD steps on the same batches in memory, measured apart.
 * </ol>
 *
 * <p>Prints progress on standard error and, on standard output, {@code key=value} lines that {@code
 * bench/privacy.sh} turns into the tables of {@code bench/RESULTS.md}.
 *
 * <pre>{@code
 * java -cp ... dev.beamline.bench.PrivacyBench <penguins transform dir> <flights ingest dir> <work dir> \
 *     <runs> <epsilons, comma-separated> <flights epochs> <flights batch sizes, comma-separated> <noise multiplier> <flights delta> [flights clip, default 1]
 * }</pre>
 */
public final class PrivacyBench {
  private PrivacyBench() {}

  static final double PENGUINS_DELTA = 1e-5;
  static final double CLIP = 1.0;

  static TrainConfig penguinsConfig(long seed) {
    return TrainConfig.defaults("species")
        .withModel(TrainConfig.ModelType.DNN)
        .withHiddenUnits(List.of(16, 8))
        .withBatchSize(32)
        .withEpochs(30)
        .withOptimizer(TrainConfig.Optimizer.ADAM, 0.02)
        .withSeed(seed)
        .withSplits("train", "eval");
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 9) {
      System.err.println("usage: PrivacyBench <penguins transform dir> <flights ingest dir|-> <work dir> <runs> <epsilons> <flights epochs>"
          + " <flights batch sizes> <noise multiplier> <flights delta> [flights clip]");
      System.exit(2);
    }
    Path penguinsDir = Paths.get(args[0]);
    String flightsIngest = args[1];
    Path work = Paths.get(args[2]);
    int runs = Integer.parseInt(args[3]);
    List<Double> epsilons = new ArrayList<>();
    for (String e : args[4].split(",")) {
      if (!e.isBlank()) {
        epsilons.add(Double.parseDouble(e.trim()));
      }
    }
    int flightsEpochs = Integer.parseInt(args[5]);
    List<Integer> batches = new ArrayList<>();
    for (String b : args[6].split(",")) {
      if (!b.isBlank()) {
        batches.add(Integer.parseInt(b.trim()));
      }
    }
    double noise = Double.parseDouble(args[7]);
    double flightsDelta = Double.parseDouble(args[8]);
    double flightsClip = args.length > 9 ? Double.parseDouble(args[9]) : CLIP;

    if (runs > 0) {
      penguins(penguinsDir, runs, epsilons);
    }
    if (!flightsIngest.equals("-") && flightsEpochs > 0 && !batches.isEmpty()) {
      flights(Paths.get(flightsIngest), work, flightsEpochs, batches, noise, flightsDelta, flightsClip);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // penguins

  private static void penguins(Path transformDir, int runs, List<Double> epsilons) {
    TransformOutput transform = TransformOutput.open(transformDir);
    List<FittedFeature> fitted = transform.transform().features();
    String dataDir = transformDir.resolve(AnalyzeAndTransform.EXAMPLES_DIR).toString();
    for (String split : transform.splitNames()) {
      out("penguins_rows_" + split, transform.statistics().split(split).orElseThrow().numExamples());
    }
    List<String> cases = new ArrayList<>();
    cases.add("none");
    for (double e : epsilons) {
      cases.add(fmt(e));
    }
    out("penguins_cases", String.join(",", cases));
    out("penguins_runs", runs);
    // The cases interleaved run by run, so that a change of load falls on all of them alike.
    List<List<Double>> accuracy = new ArrayList<>();
    List<List<Double>> sigma = new ArrayList<>();
    List<List<Double>> epsilon = new ArrayList<>();
    List<List<Double>> seconds = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    long[] steps = new long[cases.size()];
    for (int c = 0; c < cases.size(); c++) {
      accuracy.add(new ArrayList<>());
      sigma.add(new ArrayList<>());
      epsilon.add(new ArrayList<>());
      seconds.add(new ArrayList<>());
      failed.add(null);
    }
    for (int run = 0; run < runs; run++) {
      long seed = 42 + run;
      for (int c = 0; c < cases.size(); c++) {
        if (failed.get(c) != null) {
          continue;
        }
        TrainConfig config = penguinsConfig(seed);
        if (c > 0) {
          config = config.withPrivacy(DpSgdConfig.targetEpsilon(CLIP, epsilons.get(c - 1), PENGUINS_DELTA));
        }
        long t0 = System.nanoTime();
        try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.silent()).train(dataDir, fitted)) {
          double s = (System.nanoTime() - t0) / 1e9;
          TrainingHistory.Epoch last = m.history().best();
          PrivacyGuarantee p = m.privacy();
          accuracy.get(c).add(last.evalAccuracy());
          sigma.get(c).add(p.noiseMultiplier());
          epsilon.get(c).add(p.epsilon());
          seconds.get(c).add(s);
          steps[c] = m.history().steps();
          System.err.printf(Locale.ROOT, "penguins run %d seed %d, target epsilon %s: eval accuracy %.4f, %s (%.1f s)%n", run + 1, seed,
              cases.get(c), last.evalAccuracy(), p.describe(), s);
        } catch (ConfigException e) {
          failed.set(c, e.getMessage().replace('\n', ' '));
          System.err.println("penguins, target epsilon " + cases.get(c) + ": " + e.getMessage());
        }
      }
    }
    for (int c = 0; c < cases.size(); c++) {
      String k = "penguins_" + cases.get(c) + "_";
      if (failed.get(c) != null) {
        out(k + "failed", failed.get(c));
        continue;
      }
      List<Double> a = accuracy.get(c);
      out(k + "accuracy_runs", join(a, "%.4f"));
      out(k + "accuracy_mean", String.format(Locale.ROOT, "%.4f", mean(a)));
      out(k + "accuracy_sd", String.format(Locale.ROOT, "%.4f", sd(a)));
      out(k + "accuracy_min", String.format(Locale.ROOT, "%.4f", min(a)));
      out(k + "accuracy_max", String.format(Locale.ROOT, "%.4f", max(a)));
      out(k + "noise_multiplier", c == 0 ? "-" : String.format(Locale.ROOT, "%.4f", mean(sigma.get(c))));
      out(k + "epsilon", c == 0 ? "inf" : String.format(Locale.ROOT, "%.4f", max(epsilon.get(c))));
      out(k + "steps", steps[c]);
      out(k + "seconds_per_run", String.format(Locale.ROOT, "%.2f", mean(seconds.get(c))));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // flights

  private static void flights(Path ingestDir, Path work, int epochs, List<Integer> batches, double noise, double delta, double clip)
      throws IOException {
    IngestOutput ingest = IngestOutput.open(ingestDir);
    TransformSpec spec = TrainBench.flightsSpec();
    spec.check(ingest.schema());
    Path transformDir = work.resolve("flights-transform");
    deleteRecursively(transformDir);
    step("flights: transform (Beam, as bench/train.sh)");
    long t0 = System.nanoTime();
    Pipeline p = Pipeline.create(RunnerOptions.create("direct", 0, List.of()));
    p.apply("ExamplesDir", Create.of(ingest.dir().toString()).withCoder(StringUtf8Coder.of()))
        .apply("AnalyzeAndTransform", AnalyzeAndTransform.of(ingest.schema(), spec).withAnalyzeSplit("train")
            .to(new StageOutput(transformDir.toString(), "bench", null)).readingPublished(ingest.avroSchema(), ingest.splitNames()));
    p.run().waitUntilFinish();
    out("flights_transform_seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
    TransformOutput transform = TransformOutput.open(transformDir);
    List<FittedFeature> fitted = transform.transform().features();
    String dataDir = transformDir.resolve(AnalyzeAndTransform.EXAMPLES_DIR).toString();
    for (String split : transform.splitNames()) {
      out("flights_rows_" + split, transform.statistics().split(split).orElseThrow().numExamples());
    }
    out("flights_batches", join(batches.stream().map(Integer::doubleValue).toList(), "%.0f"));
    out("flights_epochs", epochs);
    for (int batch : batches) {
      TrainConfig plain = TrainBench.trainConfig(epochs, batch);
      TrainConfig dp = plain.withPrivacy(DpSgdConfig.noise(clip, noise, delta));
      Case a = trainCase("non-private, batch " + batch, plain, dataDir, fitted);
      Case b = trainCase("DP-SGD (noise " + fmt(noise) + ", clip " + fmt(clip) + ", delta " + delta + "), batch " + batch, dp, dataDir, fitted);
      report("flights_" + batch + "_plain_", a);
      report("flights_" + batch + "_dp_", b);
      out("flights_" + batch + "_ratio", String.format(Locale.ROOT, "%.4f", b.rate / a.rate));

      step("flights: where a DP-SGD step's time goes, batch " + batch + " (sampling, then steps on the same batches in memory)");
      int n = Math.max(400, 1_000_000 / batch);
      long c0 = cpuBusy();
      long own0 = ownCpu();
      DpSgdCeiling.Result r = DpSgdCeiling.measure(dp, fitted, dataDir, n, 200, 3);
      // The non-private graph on fixed-size batches (shuffled from the Parquet shards, as the trainer streams them).
      SessionRunCeiling.Result fixed = SessionRunCeiling.measure(plain, fitted, dataDir, (long) n * batch, 200);
      String k = "flights_" + batch + "_ceiling_";
      out(k + "fixed_examples_per_second", String.format(Locale.ROOT, "%.0f", fixed.examplesPerSecond()));
      out(k + "batches", r.batches());
      out(k + "examples", r.examples());
      out(k + "load_seconds", String.format(Locale.ROOT, "%.2f", r.loadSeconds()));
      out(k + "sample_examples_per_second", String.format(Locale.ROOT, "%.0f", r.sampleExamplesPerSecond()));
      out(k + "plain_examples_per_second", String.format(Locale.ROOT, "%.0f", r.plainExamplesPerSecond()));
      out(k + "dp_examples_per_second", String.format(Locale.ROOT, "%.0f", r.dpExamplesPerSecond()));
      out(k + "plain_rounds", join(r.plainRounds(), "%.0f"));
      out(k + "dp_rounds", join(r.dpRounds(), "%.0f"));
      out(k + "norm_examples", r.normExamples());
      out(k + "norm_median", String.format(Locale.ROOT, "%.3g", r.normMedian()));
      out(k + "norm_p90", String.format(Locale.ROOT, "%.3g", r.normP90()));
      out(k + "clipped_share", String.format(Locale.ROOT, "%.3f", r.clippedShare()));
      // The ratio of each round (both graphs measured back to back), then their median: steadier than the ratio of medians under a changing load.
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < r.dpRounds().size(); i++) {
        ratios.add(r.dpRounds().get(i) / r.plainRounds().get(i));
      }
      out(k + "dp_ratio", String.format(Locale.ROOT, "%.4f", median(ratios)));
      out(k + "dp_ratio_rounds", join(ratios, "%.3f"));
      // The DP-SGD epoch's time per example, split: sampling, and the step.
      double sample = 1 / r.sampleExamplesPerSecond();
      double dpStep = 1 / r.dpExamplesPerSecond();
      out(k + "sample_share", String.format(Locale.ROOT, "%.4f", sample / (sample + dpStep)));
      out(k + "others_cpu_seconds", String.format(Locale.ROOT, "%.0f", Math.max(0, (cpuBusy() - c0) / 100.0 - (ownCpu() - own0) / 1e9)));
      System.err.printf(Locale.ROOT, "sampling %.0f ex/s, non-private steps %.0f ex/s (fixed-size batches %.0f), DP-SGD steps %.0f ex/s (ratio %.3f)%n",
          r.sampleExamplesPerSecond(), r.plainExamplesPerSecond(), fixed.examplesPerSecond(), r.dpExamplesPerSecond(),
          r.dpExamplesPerSecond() / r.plainExamplesPerSecond());
    }
  }

  private record Case(TrainingHistory history, PrivacyGuarantee privacy, double rate, double setupSeconds, double othersCpu) {}

  private static Case trainCase(String name, TrainConfig config, String dataDir, List<FittedFeature> fitted) {
    step("flights: " + name + ", DNN " + config.hiddenUnits() + ", " + config.epochs() + " epochs");
    long c0 = cpuBusy();
    long own0 = ownCpu();
    long t0 = System.nanoTime();
    try (TrainedModel m = Trainer.of(config).withProgress(ProgressLine.toStderr()).train(dataDir, fitted)) {
      double wall = (System.nanoTime() - t0) / 1e9;
      TrainingHistory h = m.history();
      List<Double> warm = new ArrayList<>();
      for (TrainingHistory.Epoch e : h.epochs()) {
        if (e.epoch() > 1) {
          warm.add(e.examplesPerSecond());
        }
      }
      double rate = warm.isEmpty() ? h.epochs().get(0).examplesPerSecond() : median(warm);
      double others = Math.max(0, (cpuBusy() - c0) / 100.0 - (ownCpu() - own0) / 1e9);
      if (m.privacy().isPrivate()) {
        System.err.println(m.privacy().describe());
      }
      return new Case(h, m.privacy(), rate, wall - h.seconds(), others);
    }
  }

  private static void report(String k, Case c) {
    TrainingHistory h = c.history();
    for (TrainingHistory.Epoch e : h.epochs()) {
      out(k + "epoch_" + e.epoch(), String.format(Locale.ROOT, "examples=%d examples_per_second=%.0f train_loss=%.5f eval_loss=%.5f eval_auc=%.5f",
          e.examples(), e.examplesPerSecond(), e.trainLoss(), e.evalLoss(), e.evalAuc()));
    }
    TrainingHistory.Epoch best = h.best();
    out(k + "examples_per_second", String.format(Locale.ROOT, "%.0f", c.rate()));
    out(k + "first_epoch_examples_per_second", String.format(Locale.ROOT, "%.0f", h.epochs().get(0).examplesPerSecond()));
    out(k + "eval_auc", String.format(Locale.ROOT, "%.4f", best.evalAuc()));
    out(k + "eval_accuracy", String.format(Locale.ROOT, "%.4f", best.evalAccuracy()));
    out(k + "eval_loss", String.format(Locale.ROOT, "%.4f", best.evalLoss()));
    out(k + "steps", h.steps());
    out(k + "train_seconds", String.format(Locale.ROOT, "%.1f", h.seconds()));
    out(k + "setup_seconds", String.format(Locale.ROOT, "%.1f", c.setupSeconds()));
    out(k + "others_cpu_seconds", String.format(Locale.ROOT, "%.0f", c.othersCpu()));
    PrivacyGuarantee p = c.privacy();
    out(k + "epsilon", PrivacyGuarantee.epsilonText(p.epsilon()));
    if (p.isPrivate()) {
      out(k + "delta", p.delta());
      out(k + "noise_multiplier", String.format(Locale.ROOT, "%.4g", p.noiseMultiplier()));
      out(k + "sampling_rate", String.format(Locale.ROOT, "%.4g", p.samplingRate()));
      out(k + "privacy", p.describe());
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The machine's busy CPU time so far, in ticks of 1/100 s (/proc/stat: user, nice, system, irq, softirq, steal); 0 elsewhere. */
  private static long cpuBusy() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6]) + Long.parseLong(f[7])
              + Long.parseLong(f[8]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return 0;
  }

  /** This process's CPU time so far, in nanoseconds. */
  private static long ownCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static double sd(List<Double> v) {
    if (v.size() < 2) {
      return 0;
    }
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / (v.size() - 1));
  }

  private static double min(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static String join(List<Double> values, String format) {
    List<String> s = new ArrayList<>();
    for (double d : values) {
      s.add(String.format(Locale.ROOT, format, d));
    }
    return String.join(" ", s);
  }

  private static void out(String key, Object value) {
    System.out.println(key + "=" + value);
    System.out.flush();
  }

  private static void step(String what) {
    System.err.printf("%n== %s%n", what);
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (Files.exists(p)) {
      dev.beamline.core.Storage.deleteRecursively(p.toString());
    }
  }
}
