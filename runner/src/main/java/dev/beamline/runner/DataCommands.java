package dev.beamline.runner;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.Publisher;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The data commands that stand alone, outside a pipeline file: {@code stats}, {@code infer-schema}, {@code validate}. */
final class DataCommands {
  private DataCommands() {}

  /**
   * Computes the statistics of {@code data}, a published ingestion output (every split) or a file
   * pattern (CSV, JSON lines, Avro, Parquet: one split called {@code data}), with a Beam pipeline, into
   * {@code out/statistics.json}.
   */
  static StatisticsSet compute(String data, Path out, String runner, int parallelism) throws IOException {
    PipelineOptions options = RunnerOptions.create(runner, parallelism, List.of());
    FileSystems.setDefaultPipelineOptions(options);
    Pipeline p = Pipeline.create(options);
    Path dataDir = Path.of(data);
    ExampleSchema schema;
    List<String> splits;
    Map<String, PCollection<ExampleBatch>> batches = new LinkedHashMap<>();
    if (Files.isDirectory(dataDir) && Files.exists(dataDir.resolve("fingerprint.json"))) {
      IngestOutput o = IngestOutput.open(dataDir);
      schema = o.schema();
      splits = o.splitNames();
      PCollection<String> dir = p.apply("ExamplesDir", Create.of(dataDir.toString()).withCoder(StringUtf8Coder.of()));
      for (String s : splits) {
        batches.put(s, dir.apply("Read-" + s, ReadPublishedExamples.split(s, o.avroSchema())));
      }
    } else {
      ReadExamples read = ReadExamples.of(IngestExamples.Config.of(data));
      schema = read.schema();
      splits = List.of("data");
      batches.put("data", p.apply("ReadExamples", read));
    }
    List<PCollection<DatasetStatistics>> perSplit = new ArrayList<>();
    for (String s : splits) {
      perSplit.add(batches.get(s).apply("Statistics-" + s, ComputeStatistics.of(schema, s)));
    }
    Path target = out.toAbsolutePath().normalize();
    Path staged = Files.createTempDirectory(target.getParent() == null ? Path.of(".") : ensure(target.getParent()), ".stats");
    PCollectionList.of(perSplit)
        .apply("AllSplits", Flatten.pCollections())
        .apply("Collect", Combine.globally(new StatisticsStage.CollectFn(List.copyOf(splits))))
        .setCoder(SerializableCoder.of(StatisticsSet.class))
        .apply("Write", ParDo.of(new PublishArtifact<StatisticsSet>(
            new StageOutput(staged.resolve("out").toString(), "standalone", null), s -> Map.of("statistics.json", s.toJson()))));
    try {
      p.run().waitUntilFinish();
      StatisticsSet stats = ValidationRun.readStatistics(staged.resolve("out"));
      Files.createDirectories(target);
      Publisher.writeAtomically(target.resolve("statistics.json"), stats.toJson());
      return stats;
    } finally {
      Publisher.deleteRecursively(staged);
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

    @Option(names = "--runner", defaultValue = "direct", description = "Beam runner: direct or flink.")
    String runner;

    @Option(names = "--parallelism", defaultValue = "0", description = "Workers; 0: one per core.")
    int parallelism;

    @Override
    public Integer call() throws IOException {
      StatisticsSet stats = compute(data, out, runner, parallelism);
      Publisher.writeAtomically(out.resolve("report.html"), StatisticsReport.render(data, stats, null, List.of()));
      PrintWriter w = spec.commandLine().getOut();
      for (DatasetStatistics d : stats.splits()) {
        w.printf("%s: %d examples, %d features%n", d.split(), d.numExamples(), d.features().size());
      }
      w.printf("statistics: %s%nreport: %s%n", out.resolve("statistics.json"), out.resolve("report.html"));
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
          : s.split(split).orElseThrow(() -> new dev.beamline.core.ConfigException("no split '" + split + "' in " + stats + "; splits: " + s.splitNames()));
      DataSchema schema = InferSchema.from(from, maxDomainSize);
      Publisher.writeAtomically(out, schema.toYaml());
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

    @Option(names = "--runner", defaultValue = "direct", description = "Beam runner: direct or flink.")
    String runner;

    @Override
    public Integer call() throws IOException {
      DataSchema s = DataSchema.load(schema);
      StatisticsSet current = data.endsWith(".json") ? ValidationRun.readStatistics(Path.of(data)) : compute(data, out, runner, 0);
      ValidationRun.Result r = ValidationRun.validate(data, current, s,
          baseline == null ? null : ValidationRun.readStatistics(baseline), skew == null ? null : ValidationRun.readStatistics(skew),
          DriftThresholds.defaults());
      r.files().forEach((name, text) -> Publisher.writeAtomically(out.resolve(name), text));
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
