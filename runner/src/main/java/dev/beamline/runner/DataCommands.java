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
import dev.beamline.validation.privacy.DpQueryPlan;
import dev.beamline.validation.privacy.PrivacyConfig;
import dev.beamline.validation.privacy.StandaloneDpStatistics;
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
          "Avro, Parquet; a path or glob). Writes statistics.json and report.html into --out; with --dp-epsilon, also",
          "dp_statistics.json and dp_report.html: a differentially private release of declared columns (the files to share)."})
  static final class Stats implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<data>", description = "An ingestion output folder, or a file path or glob.")
    String data;

    @Option(names = "--out", defaultValue = "beamline-stats", description = "Output folder (default: ./beamline-stats).")
    Path out;

    @Mixin EngineOptions engine;

    @Mixin DpOptions dp;

    @Override
    public Integer call() throws IOException {
      PrivacyConfig privacy = dp.config();
      if (privacy != null) {
        StandaloneDpStatistics.plan(data, privacy);   // the declared columns checked before anything is computed
      }
      StandaloneStatistics.Computed c = engine.compute(data, out);
      StatisticsSet stats = c.statistics();
      Storage.writeString(out.resolve("report.html").toString(), StatisticsReport.renderWithoutSchema(data, stats));
      PrintWriter w = spec.commandLine().getOut();
      for (DatasetStatistics d : stats.splits()) {
        w.printf("%s: %d examples, %d features%n", d.split(), d.numExamples(), d.features().size());
      }
      w.printf("statistics: %s (%s, %.2f s)%nreport: %s%n", out.resolve("statistics.json"), c.how(), c.seconds(), out.resolve("report.html"));
      if (privacy != null) {
        String r = engine.runner == null ? "direct" : engine.runner;
        StandaloneDpStatistics.Released released =
            StandaloneDpStatistics.release(data, privacy, out, RunnerOptions.create(r, engine.parallelism, List.of()));
        DpQueryPlan plan = released.plan();
        w.printf("dp statistics: %s (%s, epsilon %s%s, unit: %s, %d queries; released: %s; withheld: %s)%n", released.file(),
            privacy.mechanism().configName(), privacy.epsilon(), privacy.effectiveDelta() > 0 ? ", delta " + privacy.effectiveDelta() : "",
            plan.unitOfPrivacy(), plan.queries().size(),
            String.join(", ", java.util.stream.Stream.concat(plan.numeric().stream().map(DpQueryPlan.NumericColumn::name),
                plan.categorical().stream().map(DpQueryPlan.CategoricalColumn::name)).toList()),
            String.join(", ", plan.withheld().stream().map(DpQueryPlan.Withheld::column).toList()));
        w.printf("  dp report: %s%n", out.resolve("dp_report.html"));
        w.println("  share dp_statistics.json and dp_report.html only: statistics.json and report.html are exact and not private");
      }
      w.flush();
      return BeamlineCli.OK;
    }
  }

  /** {@code stats --dp-*}: a differentially private release beside the statistics. */
  static final class DpOptions {
    @Option(names = "--dp-epsilon", description = "Also write dp_statistics.json: a differentially private release with this epsilon.")
    Double epsilon;

    @Option(names = "--dp-delta", description = "delta of the gaussian mechanism (default 1e-6).")
    Double delta;

    @Option(names = "--dp-mechanism", paramLabel = "laplace|gaussian", description = "The noise (default laplace: pure epsilon-DP).")
    String mechanism;

    @Option(names = "--dp-bounds", paramLabel = "col=lo:hi", split = ",",
        description = "Declared bounds of a numeric column to release (repeatable); columns without are withheld.")
    List<String> bounds = List.of();

    @Option(names = "--dp-domain", paramLabel = "col=a|b|c",
        description = "Declared values of a categorical column to release (repeatable); columns without are withheld.")
    List<String> domains = List.of();

    @Option(names = "--dp-buckets", description = "Histogram buckets per numeric column (default 10).")
    Integer buckets;

    @Option(names = "--dp-user-column", description = "The column identifying a user: the unit of privacy (default: a row).")
    String userColumn;

    @Option(names = "--dp-max-rows-per-user", description = "Rows kept per user (default 1).")
    Integer maxRowsPerUser;

    /** The release asked for, or null when no --dp-epsilon. */
    PrivacyConfig config() {
      if (epsilon == null) {
        if (delta != null || mechanism != null || !bounds.isEmpty() || !domains.isEmpty() || buckets != null || userColumn != null || maxRowsPerUser != null) {
          throw new ConfigException("--dp-* options need --dp-epsilon");
        }
        return null;
      }
      PrivacyConfig p = check("--dp-epsilon", () -> PrivacyConfig.defaults().withEpsilon(epsilon));
      if (mechanism != null) {
        PrivacyConfig before = p;
        p = check("--dp-mechanism", () -> before.withMechanism(PrivacyConfig.Mechanism.parse(mechanism)));
      }
      if (delta != null) {
        if (p.mechanism() != PrivacyConfig.Mechanism.GAUSSIAN) {
          throw new ConfigException("--dp-delta applies to --dp-mechanism gaussian; laplace is pure epsilon-DP (delta 0)");
        }
        PrivacyConfig before = p;
        p = check("--dp-delta", () -> before.withDelta(delta));
      }
      if (maxRowsPerUser != null && userColumn == null) {
        throw new ConfigException("--dp-max-rows-per-user needs --dp-user-column");
      }
      if (userColumn != null) {
        PrivacyConfig before = p;
        p = check("--dp-user-column", () -> before.withUserColumn(userColumn, maxRowsPerUser == null ? 1 : maxRowsPerUser));
      }
      if (buckets != null) {
        PrivacyConfig before = p;
        p = check("--dp-buckets", () -> before.withBuckets(buckets));
      }
      for (String b : bounds) {
        int eq = b.indexOf('=');
        int colon = b.indexOf(':', eq + 1);
        if (eq <= 0 || colon < 0) {
          throw new ConfigException("--dp-bounds must be col=lo:hi, got '" + b + "'");
        }
        PrivacyConfig before = p;
        p = check("--dp-bounds " + b, () -> before.withBounds(b.substring(0, eq),
            Double.parseDouble(b.substring(eq + 1, colon)), Double.parseDouble(b.substring(colon + 1))));
      }
      for (String d : domains) {
        int eq = d.indexOf('=');
        if (eq <= 0) {
          throw new ConfigException("--dp-domain must be col=a|b|c, got '" + d + "'");
        }
        PrivacyConfig before = p;
        p = check("--dp-domain " + d, () -> before.withDomain(d.substring(0, eq), List.of(d.substring(eq + 1).split("\\|", -1))));
      }
      return p;
    }

    private static PrivacyConfig check(String option, java.util.function.Supplier<PrivacyConfig> build) {
      try {
        return build.get();
      } catch (IllegalArgumentException e) {   // NumberFormatException included
        throw new ConfigException("bad value for " + option + ": " + e.getMessage());
      }
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
