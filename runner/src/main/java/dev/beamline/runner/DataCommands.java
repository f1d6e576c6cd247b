package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.Storage;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.InferSchema;
import dev.beamline.validation.StandaloneStatistics;
import dev.beamline.validation.StatisticsReport;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** The data commands that stand alone, outside a pipeline file: {@code stats}, {@code infer-schema}, {@code validate}. */
final class DataCommands {
  private DataCommands() {}

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

    /** The statistics of {@code data} with these options, into {@code out/statistics.json}. */
    StandaloneStatistics.Computed compute(String data, Path out) throws IOException {
      String r = runner == null ? "direct" : runner;
      return StandaloneStatistics.compute(
          data, out, StandaloneStatistics.Engine.choose(engine, runner, data), () -> RunnerOptions.create(r, parallelism, List.of()), r, parallelism);
    }
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
      StandaloneStatistics.Computed c = engine.compute(data, out);
      StatisticsSet stats = c.statistics();
      Storage.writeString(out.resolve("report.html").toString(), StatisticsReport.renderWithoutSchema(data, stats));
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
