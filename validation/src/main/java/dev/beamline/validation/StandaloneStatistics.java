package dev.beamline.validation;

import dev.beamline.core.ConfigException;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.validation.local.LocalStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Statistics of data outside a pipeline run ({@code beamline stats} and {@code validate}): a published
 * ingestion output (every split) or a file pattern (one split called {@code data}), computed by the
 * local engine in this process or by a Beam pipeline, into {@code out/statistics.json}.
 *
 * <pre>{@code
 * StandaloneStatistics.Computed c = StandaloneStatistics.compute("flights.parquet", Path.of("stats"),
 *     StandaloneStatistics.Engine.LOCAL, null, 0);
 * }</pre>
 */
public final class StandaloneStatistics {
  private StandaloneStatistics() {}

  /** How the statistics are computed. */
  public enum Engine {
    /** In this process, without Beam ({@link LocalStatistics}): the default for local data. */
    LOCAL,
    /** A Beam pipeline ({@link ComputeStatisticsSet}) on a runner: the default for other data. */
    BEAM;

    /**
     * The engine named {@code name}, or the default: beam when a {@code runner} is given or the data is
     * not on the local file system, else local.
     *
     * @throws ConfigException for an unknown name, for local with a runner or with data elsewhere
     */
    public static Engine choose(String name, String runner, String data) {
      if (name == null) {
        return runner != null || !LocalStatistics.isLocal(data) ? BEAM : LOCAL;
      }
      Engine engine =
          switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "local" -> LOCAL;
            case "beam" -> BEAM;
            default -> throw new ConfigException("unknown --engine '" + name + "'; expected local or beam");
          };
      if (engine == LOCAL && runner != null) {
        throw new ConfigException("--runner applies to --engine beam; the local engine runs in this process");
      }
      if (engine == LOCAL && !LocalStatistics.isLocal(data)) {
        throw new ConfigException("--engine local reads local files only, got '" + data + "'; use --engine beam");
      }
      return engine;
    }
  }

  /** What {@link #compute} computed, how, and in how many seconds. */
  public record Computed(StatisticsSet statistics, String how, double seconds) {}

  /**
   * Computes the statistics of {@code data} with {@code engine} ({@code threads} threads for the local
   * engine, 0 for one per core; {@code beamOptions} and its {@code runnerName} for Beam) into {@code
   * out/statistics.json}.
   */
  public static Computed compute(String data, Path out, Engine engine, Supplier<PipelineOptions> beamOptions, String runnerName, int threads)
      throws IOException {
    long start = System.nanoTime();
    StatisticsSet stats;
    String how;
    Path target = out.toAbsolutePath().normalize();
    if (engine == Engine.LOCAL) {
      LocalStatistics local = LocalStatistics.withThreads(threads);
      stats = local.compute(data);
      Files.createDirectories(target);
      Storage.writeString(target.resolve("statistics.json").toString(), stats.toJson());
      how = "local engine, " + local.threads() + " thread" + (local.threads() == 1 ? "" : "s");
    } else {
      stats = computeWithBeam(data, target, beamOptions.get());
      how = "beam engine, " + runnerName + " runner";
    }
    return new Computed(stats, how, (System.nanoTime() - start) / 1e9);
  }

  private static StatisticsSet computeWithBeam(String data, Path target, PipelineOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    Pipeline p = Pipeline.create(options);
    PCollection<StatisticsSet> set = p.apply("Statistics", ComputeStatisticsSet.of(data));
    Path parent = target.getParent() == null ? Path.of(".") : target.getParent();
    Files.createDirectories(parent);
    Path staged = Files.createTempDirectory(parent, ".stats");
    set.apply("Write", ParDo.of(new PublishArtifact<StatisticsSet>(
            new StageOutput(staged.resolve("out").toString(), "standalone", null), s -> Map.of("statistics.json", s.toJson()))));
    try {
      p.run().waitUntilFinish();
      StatisticsSet stats = ValidationRun.readStatistics(staged.resolve("out"));
      Files.createDirectories(target);
      Storage.writeString(target.resolve("statistics.json").toString(), stats.toJson());
      return stats;
    } finally {
      Storage.deleteRecursively(staged.toString());
    }
  }
}
