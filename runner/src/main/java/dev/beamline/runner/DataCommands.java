package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.Storage;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.validation.ComputeStatistics;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.InferSchema;
import dev.beamline.validation.StatisticsReport;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationRun;
import dev.beamline.validation.ComputeStatisticsSet;
import dev.beamline.validation.local.LocalStatistics;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The data commands that stand alone, outside a pipeline file: {@code stats}, {@code infer-schema}, {@code validate}. */
final class DataCommands {
  private DataCommands() {}

  /** How {@code stats} and {@code validate} compute statistics. */
  enum Engine {
    /** In this process, without Beam ({@link LocalStatistics}): the default for local data. */
    LOCAL,
    /** A Beam pipeline ({@code ComputeStatistics}) on {@code --runner}: the default for other data. */
    BEAM;

    /**
     * The engine named by {@code --engine}, or the default: beam when {@code --runner} is given or the
     * data is not on the local file system, else local.
     *
     * @throws ConfigException for an unknown name, for local with a runner or with data elsewhere
     */
    static Engine choose(String name, String runner, String data) {
      if (name == null) {
        return runner != null || !LocalStatistics.isLocal(data) ? BEAM : LOCAL;
      }
      Engine engine;
      switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "local":
          engine = LOCAL;
          break;
        case "beam":
          engine = BEAM;
          break;
        default:
          throw new ConfigException("unknown --engine '" + name + "'; expected local or beam");
      }
      if (engine == LOCAL && runner != null) {
        throw new ConfigException("--runner applies to --engine beam; the local engine runs in this process");
      }
      if (engine == LOCAL && !LocalStatistics.isLocal(data)) {
        throw new ConfigException("--engine local reads local files only, got '" + data + "'; use --engine beam");
      }
      return engine;
    }
  }

  /** What {@link #compute} computed, and how. */
  record Computed(StatisticsSet statistics, String how, double seconds) {}

  /**
   * Computes the statistics of {@code data}, a published ingestion output (every split) or a file
   * pattern (CSV, JSON lines, Avro, Parquet: one split called {@code data}), with {@code engine}, into
   * {@code out/statistics.json}.
   */
  static Computed compute(String data, Path out, Engine engine, String runner, int parallelism) throws IOException {
    long start = System.nanoTime();
    StatisticsSet stats;
    String how;
    if (engine == Engine.LOCAL) {
      LocalStatistics local = LocalStatistics.withThreads(parallelism);
      stats = local.compute(data);
      Path target = out.toAbsolutePath().normalize();
      Files.createDirectories(target);
      Storage.writeString(target.resolve("statistics.json").toString(), stats.toJson());
      how = "local engine, " + local.threads() + " thread" + (local.threads() == 1 ? "" : "s");
    } else {
      String r = runner == null ? "direct" : runner;
      stats = computeWithBeam(data, out, r, parallelism);
      how = "beam engine, " + r + " runner";
    }
    return new Computed(stats, how, (System.nanoTime() - start) / 1e9);
  }

  /** {@link #compute} with a Beam pipeline on {@code runner}. */
  static StatisticsSet computeWithBeam(String data, Path out, String runner, int parallelism) throws IOException {
    PipelineOptions options = RunnerOptions.create(runner, parallelism, List.of());
    FileSystems.setDefaultPipelineOptions(options);
    Pipeline p = Pipeline.create(options);
    PCollection<StatisticsSet> set = p.apply("Statistics", ComputeStatisticsSet.of(data));
    Path target = out.toAbsolutePath().normalize();
    Path staged = Files.createTempDirectory(target.getParent() == null ? Path.of(".") : ensure(target.getParent()), ".stats");
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

  /** How {@code stats} and {@code validate} compute statistics: {@code --engine}, {@code --runner}, {@code --parallelism}. */
  static final class EngineOptions {
    @Option(names = "--engine", paramLabel = "local|beam",
        description = "local (default for local data): statistics computed in this process by a thread pool, Parquet read column by column;"
            + " beam (default with --runner, or for data elsewhere): a Beam pipeline on --runner. Both give the same statistics.")
    String engine;

    @Option(names = "--runner", description = "Beam runner for --engine beam: direct (default) or flink.")
    String runner;

    @Option(names = "--parallelism", defaultValue = "0", description = "Threads (local) or workers (beam); 0: one per core.")
    int parallelism;

    /** {@link DataCommands#compute} of {@code data} with these options. */
    Computed compute(String data, Path out) throws IOException {
      return DataCommands.compute(data, out, Engine.choose(engine, runner, data), runner, parallelism);
    }
  }

  private static Path ensure(Path dir) throws IOException {
    Files.createDirectories(dir);
    return dir;
  }

  /** {@code beamline stats <data>} */
  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = {"Computes statistics of data: a published ingestion output (every split) or files (CSV, JSON lines,",
          "Avro, Parquet; a path or glob). Writes statistics.json and report.html into --out."})
  static final class Stats implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<data>", description = "An ingestion output folder, or a file path or glob.")
    String data;

    @Option(names = "--out", defaultValue = "beamline-stats", description = "Output folder (default: ./beamline-stats).")
    Path out;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() throws IOException {
      Computed c = engine.compute(data, out);
      StatisticsSet stats = c.statistics();
      Storage.writeString(out.resolve("report.html").toString(), StatisticsReport.render(data, stats, null, List.of()));
      PrintWriter w = spec.commandLine().getOut();
      for (DatasetStatistics d : stats.splits()) {
        w.printf("%s: %d examples, %d features%n", d.split(), d.numExamples(), d.features().size());
      }
      w.printf("statistics: %s (%s, %.2f s)%nreport: %s%n", out.resolve("statistics.json"), c.how(), c.seconds(), out.resolve("report.html"));
      w.flush();
      return BeamlineCli.OK;
    }
  }

  /** {@code beamline infer-schema <stats>} */
  @Command(name = "infer-schema", mixinStandardHelpOptions = true,
      description = "Infers an editable schema (YAML) from statistics: statistics.json or a folder holding it.")
  static final class Infer implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<stats>", description = "statistics.json, or a folder holding it.")
    Path stats;

    @Option(names = "--split", description = "The split to infer from (default: the first).")
    String split;

    @Option(names = "--max-domain-size", defaultValue = "100", description = "String features with at most this many values get a domain.")
    int maxDomainSize;

    @Option(names = "--out", defaultValue = "schema.yaml", description = "The schema file to write (default: ./schema.yaml).")
    Path out;

    @Override
    public Integer call() {
      StatisticsSet s = ValidationRun.readStatistics(stats);
      DatasetStatistics from = split == null ? s.splits().get(0)
          : s.split(split).orElseThrow(() -> new ConfigException("no split '" + split + "' in " + stats + "; splits: " + s.splitNames()));
      DataSchema schema = InferSchema.from(from, maxDomainSize);
      Storage.writeString(out.toString(), schema.toYaml());
      PrintWriter w = spec.commandLine().getOut();
      w.print(schema.toYaml());
      w.printf("# written to %s%n", out);
      w.flush();
      return BeamlineCli.OK;
    }
  }

  /** {@code beamline validate <data> --schema <file>} */
  @Command(name = "validate", mixinStandardHelpOptions = true,
      description = {"Validates data against a schema, and against baseline statistics for drift or skew.",
          "Writes statistics.json, anomalies.json and report.html into --out; exits 1 when anomalies of error severity are found."})
  static final class Validate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<data>", description = "An ingestion output folder, a file path or glob, or statistics.json.")
    String data;

    @Option(names = "--schema", required = true, description = "The schema file (YAML).")
    Path schema;

    @Option(names = "--baseline", description = "Statistics of the previous span, for drift.")
    Path baseline;

    @Option(names = "--skew", description = "Statistics of another dataset (e.g. serving logs), for skew.")
    Path skew;

    @Option(names = "--out", defaultValue = "beamline-validation", description = "Output folder (default: ./beamline-validation).")
    Path out;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() throws IOException {
      DataSchema s = DataSchema.load(schema);
      StatisticsSet current = data.endsWith(".json")
          ? ValidationRun.readStatistics(Path.of(data))
          : engine.compute(data, out).statistics();
      ValidationRun.Result r = ValidationRun.validate(data, current, s,
          baseline == null ? null : ValidationRun.readStatistics(baseline), skew == null ? null : ValidationRun.readStatistics(skew),
          DriftThresholds.defaults());
      r.files().forEach((name, text) -> Storage.writeString(out.resolve(name).toString(), text));
      PrintWriter w = spec.commandLine().getOut();
      w.printf("%s%nreport: %s%n", r.summary(), out.resolve("report.html"));
      w.flush();
      if (r.errors() > 0) {
        throw new DataCheckException("data validation found " + r.summary());
      }
      return BeamlineCli.OK;
    }
  }
}
