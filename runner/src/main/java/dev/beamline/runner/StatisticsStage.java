package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.IngestResult;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.validation.ComputeStatistics;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.ValidationRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The statistics stage: {@link ComputeStatistics} on every split of the ingested examples, in one pass
 * each, published as {@code statistics.json}. Reads the examples in the graph when ingestion runs in
 * the same run, and from their Parquet shards when ingestion came from the cache.
 */
final class StatisticsStage implements Stage {
  static final String NAME = "statistics";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> upstreamStages() {
    return List.of(IngestExamples.STAGE);
  }

  @Override
  public ObjectNode parameters() {
    return JSON.createObjectNode().put("sketches", "datasketches KLL k=200, HLL lgK=12, frequent items 4096");
  }

  @Override
  public List<Input> inputs(Map<String, Upstream> upstream, MetadataStore store) {
    return List.of(Stage.upstreamInput("examples", upstream.get(IngestExamples.STAGE), ArtifactKind.EXAMPLES.name()));
  }

  @Override
  public ArtifactKind outputKind() {
    return ArtifactKind.STATISTICS;
  }

  @Override
  public String outputRole() {
    return "statistics";
  }

  @Override
  public Expanded expand(Pipeline p, StageOutput output, Map<String, Upstream> upstream) {
    Upstream in = upstream.get(IngestExamples.STAGE);
    ExampleSchema schema;
    List<String> splits;
    Map<String, PCollection<ExampleBatch>> batches = new LinkedHashMap<>();
    if (in.result() instanceof IngestResult r) {
      schema = r.schema();
      splits = r.splitNames();
      splits.forEach(s -> batches.put(s, r.batches(s)));
    } else {
      IngestOutput o = IngestOutput.open(in.dir());
      schema = o.schema();
      splits = o.splitNames();
      PCollection<String> dir = p.apply("ExamplesDir", Create.of(in.dir().toString()).withCoder(StringUtf8Coder.of()));
      splits.forEach(s -> batches.put(s, dir.apply("ReadExamples-" + s, ReadPublishedExamples.split(s, o.avroSchema()))));
    }
    List<PCollection<DatasetStatistics>> perSplit = new ArrayList<>();
    for (String s : splits) {
      perSplit.add(batches.get(s).apply("Statistics-" + s, ComputeStatistics.of(schema, s)));
    }
    List<String> order = List.copyOf(splits);
    PCollection<StatisticsSet> set =
        PCollectionList.of(perSplit)
            .apply("AllSplits", Flatten.pCollections())
            .apply("Collect", Combine.globally(new CollectFn(order)))
            .setCoder(SerializableCoder.of(StatisticsSet.class));
    if (in.inGraph()) {
      // Publish only once the examples are: a run whose ingestion fails leaves no statistics.
      set = set.apply("AwaitExamples", Wait.on(in.published()));
    }
    PCollection<String> published =
        set.apply("PublishStatistics", ParDo.of(new PublishArtifact<StatisticsSet>(output, s -> Map.of("statistics.json", s.toJson()))))
            .setCoder(StringUtf8Coder.of());
    return new Expanded(published, null);
  }

  /** Gathers the splits' statistics into one set, in split order. */
  static final class CollectFn extends Combine.CombineFn<DatasetStatistics, List<DatasetStatistics>, StatisticsSet> {
    private final List<String> order;

    CollectFn(List<String> order) {
      this.order = order;
    }

    @Override
    public List<DatasetStatistics> createAccumulator() {
      return new ArrayList<>();
    }

    @Override
    public List<DatasetStatistics> addInput(List<DatasetStatistics> acc, DatasetStatistics s) {
      acc.add(s);
      return acc;
    }

    @Override
    public List<DatasetStatistics> mergeAccumulators(Iterable<List<DatasetStatistics>> accs) {
      List<DatasetStatistics> all = new ArrayList<>();
      accs.forEach(all::addAll);
      return all;
    }

    @Override
    public StatisticsSet extractOutput(List<DatasetStatistics> acc) {
      List<DatasetStatistics> sorted = new ArrayList<>(acc);
      sorted.sort((a, b) -> Integer.compare(order.indexOf(a.split()), order.indexOf(b.split())));
      return StatisticsSet.of(sorted);
    }
  }

  @Override
  public String outputFingerprint(Path outputDir) {
    try {
      return Hashing.sha256().hashBytes(Files.readAllBytes(outputDir.resolve("statistics.json"))).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ObjectNode outputProperties(Path outputDir) {
    StatisticsSet s = ValidationRun.readStatistics(outputDir);
    ObjectNode p = JSON.createObjectNode();
    ObjectNode splits = p.putObject("examples");
    s.splits().forEach(d -> splits.put(d.split(), d.numExamples()));
    p.put("features", s.splits().isEmpty() ? 0 : s.splits().get(0).features().size());
    return p;
  }

  @Override
  public List<String> summary(Path outputDir) {
    StatisticsSet s = ValidationRun.readStatistics(outputDir);
    List<String> parts = new ArrayList<>();
    s.splits().forEach(d -> parts.add(d.split() + " " + d.numExamples() + " examples, " + d.features().size() + " features"));
    return List.of(String.join("; ", parts));
  }
}
