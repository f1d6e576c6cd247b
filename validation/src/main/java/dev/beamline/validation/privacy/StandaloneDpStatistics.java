package dev.beamline.validation.privacy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.ingest.ReadPublishedExamples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * A differentially private release of data outside a pipeline run ({@code beamline stats --dp-epsilon}):
 * a published ingestion output (every split) or a file pattern (one split called {@code data}), summed
 * by a Beam pipeline ({@link ComputeDpSums}, {@link ReleaseDpStatistics}) into {@code
 * out/dp_statistics.json} and its page {@code out/dp_report.html}.
 *
 * <pre>{@code
 * StandaloneDpStatistics.Released r = StandaloneDpStatistics.release("penguins.csv",
 *     PrivacyConfig.defaults().withBounds("body_mass_g", 2000, 7000), Path.of("stats"), PipelineOptionsFactory.create());
 * }</pre>
 */
public final class StandaloneDpStatistics {
  private StandaloneDpStatistics() {}

  /** What was released, where, and its JSON. */
  public record Released(DpQueryPlan plan, Path file, String json) {}

  /**
   * The plan of releasing {@code config}'s statistics of {@code data}, from its schema alone (read, or
   * inferred from a sample): to check the declarations before anything is computed.
   *
   * @throws ConfigException when a declared column is not in the data, or has the wrong type
   */
  public static DpQueryPlan plan(String data, PrivacyConfig config) {
    if (IngestOutput.isPublished(data)) {
      IngestOutput o = IngestOutput.open(data);
      return DpQueryPlan.of(config, o.schema(), o.splitNames());
    }
    return DpQueryPlan.of(config, ReadExamples.of(IngestExamples.Config.of(data)).schema(), List.of("data"));
  }

  /**
   * Releases {@code config}'s statistics of {@code data} into {@code out/dp_statistics.json}.
   *
   * @throws ConfigException when a declared column is not in the data, or has the wrong type
   */
  public static Released release(String data, PrivacyConfig config, Path out, PipelineOptions options) throws IOException {
    FileSystems.setDefaultPipelineOptions(options);
    Pipeline p = Pipeline.create(options);
    List<PCollection<DpSums>> sums = new ArrayList<>();
    DpQueryPlan plan;
    if (IngestOutput.isPublished(data)) {
      IngestOutput o = IngestOutput.open(data);
      plan = DpQueryPlan.of(config, o.schema(), o.splitNames());
      Schema avro = o.schema().toAvro();
      PCollection<String> dir = p.apply("ExamplesDir", Create.of(data).withCoder(StringUtf8Coder.of()));
      for (String s : o.splitNames()) {
        sums.add(dir.apply("ReadExamples-" + s, ReadPublishedExamples.split(s, avro)).apply("DpSums-" + s, ComputeDpSums.of(plan, s, avro)));
      }
    } else {
      ReadExamples read = ReadExamples.of(IngestExamples.Config.of(data));
      ExampleSchema schema = read.schema();
      plan = DpQueryPlan.of(config, schema, List.of("data"));
      sums.add(p.apply("ReadExamples", read).apply("DpSums-data", ComputeDpSums.of(plan, "data", schema.toAvro())));
    }
    Path target = out.toAbsolutePath().normalize();
    Path parent = target.getParent() == null ? Path.of(".") : target.getParent();
    Files.createDirectories(parent);
    Path staged = Files.createTempDirectory(parent, ".dpstats");
    PCollectionList.of(sums)
        .apply("AllDpSums", Flatten.pCollections())
        .apply("ReleaseDpStatistics", ReleaseDpStatistics.of(plan))
        .apply("Write", ParDo.of(new PublishArtifact<DpStatistics>(
            new StageOutput(staged.resolve("out").toString(), "standalone", null), r -> Map.of(DpStatistics.FILE, r.toJson(), DpReport.FILE, DpReport.render(data, r)))));
    try {
      p.run().waitUntilFinish();
      String json = Storage.readString(staged.resolve("out").resolve(DpStatistics.FILE).toString());
      Files.createDirectories(target);
      Path file = target.resolve(DpStatistics.FILE);
      Storage.writeString(file.toString(), json);
      Storage.writeString(target.resolve(DpReport.FILE).toString(), Storage.readString(staged.resolve("out").resolve(DpReport.FILE).toString()));
      return new Released(plan, file, json);
    } finally {
      Storage.deleteRecursively(staged.toString());
    }
  }
}
