package dev.beamline.runner;

import dev.beamline.validation.local.LocalStatistics;

import dev.beamline.validation.StatisticsSet;

/**
 * Runs the local statistics engine on the same data several times in one JVM and prints the time of
 * each run: the first includes class loading and JIT warm-up, the later ones show the engine's steady
 * speed. In this package because {@link LocalStatistics} is package-private; not part of the build.
 *
 * <pre>{@code
 * javac --release 17 -d bench/work/classes-local -cp runner/target/beamline.jar \
 *     bench/src/dev/beamline/runner/RepeatLocalStatistics.java
 * java -cp runner/target/beamline.jar:bench/work/classes-local dev.beamline.runner.RepeatLocalStatistics \
 *     bench/data/vega-datasets-3.2.1/data/flights-3m.parquet 1 6      # data, threads, runs
 * }</pre>
 */
public final class RepeatLocalStatistics {
  private RepeatLocalStatistics() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      System.err.println("usage: RepeatLocalStatistics <data> <threads> <runs>");
      System.exit(2);
    }
    int threads = Integer.parseInt(args[1]);
    int runs = Integer.parseInt(args[2]);
    for (int i = 1; i <= runs; i++) {
      long start = System.nanoTime();
      StatisticsSet stats = LocalStatistics.withThreads(threads).compute(args[0]);
      System.out.printf("run %d: %.3f s, %d examples, %d threads%n",
          i, (System.nanoTime() - start) / 1e9, stats.splits().get(0).numExamples(), threads);
    }
  }
}
