package dev.beamline.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.stage.ExamplesInfo;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInput;
import dev.beamline.core.stage.StageInputs;
import dev.beamline.ingest.ReadPublishedExamples;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The statistics stage (TFX's StatisticsGen): {@link ComputeStatistics} on every split of the
 * examples, in one pass each, published as {@code statistics.json}. The shards are read from the
 * published examples folder once it is there, whether ingestion ran in this graph or came from the cache.
 *
 * <pre>{@code
 * List<Stage<?>> stages = new ValidationStageFactory().create(section);   // statistics, schema, validate
 * }</pre>
 */
public final class StatisticsStage implements Stage<Serializable> {
  /** The stage's name, and its folder in the run layout. */
  public static final String NAME = "statistics";
  /** The role of the examples this stage summarises. */
  public static final String EXAMPLES = "examples";
  private static final String STATISTICS = "statistics";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<Port> consumes() {
    return List.of(Port.required(EXAMPLES, ArtifactKind.EXAMPLES));
  }

  @Override
  public List<Port> produces() {
    return List.of(Port.folder(STATISTICS, ArtifactKind.STATISTICS));
  }

  @Override
  public ObjectNode parameters() {
    return JSON.createObjectNode().put("sketches", "datasketches KLL k=200, HLL lgK=12, frequent items 4096");
  }

  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    return Plan.empty();
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    StageInput examples = inputs.get(EXAMPLES);
    ExamplesInfo info = examples.info(ExamplesInfo.class);
    PCollection<String> dir = examples.ready();
    return dir.apply("ComputeStatistics", ComputeStatisticsSet.ofPublished(info.schema(), info.splits()))
        // Publish only once the examples are: a run whose ingestion fails leaves no statistics (an
        // empty input would still give the combine's default).
        .apply("AwaitExamples", Wait.on(dir))
        .apply("PublishStatistics", ParDo.of(new PublishArtifact<StatisticsSet>(output, s -> Map.of(ValidationRun.STATISTICS_FILE, s.toJson()))))
        .setCoder(StringUtf8Coder.of());
  }

  /**
   * Gathers the statistics of the splits into one set, in split order.
   *
   * <pre>{@code
   * perSplit.apply(Flatten.pCollections()).apply(Combine.globally(new StatisticsStage.CollectFn(List.of("train", "eval"))));
   * }</pre>
   */
  public static final class CollectFn extends Combine.CombineFn<DatasetStatistics, List<DatasetStatistics>, StatisticsSet> {
    private static final long serialVersionUID = 1L;

    private final List<String> order;

    /** Collects the splits named in {@code order}, in that order. */
    public CollectFn(List<String> order) {
      this.order = List.copyOf(order);
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

  /** The fingerprint of {@code statistics.json}, the examples per split and the features; one summary line. */
  @Override
  public Published describe(Plan<Serializable> plan, String outputDir) {
    byte[] content = Storage.read(Storage.resolve(outputDir, ValidationRun.STATISTICS_FILE));
    StatisticsSet s = StatisticsSet.fromJson(new String(content, StandardCharsets.UTF_8));
    ObjectNode p = JSON.createObjectNode();
    ObjectNode splits = p.putObject("examples");
    s.splits().forEach(d -> splits.put(d.split(), d.numExamples()));
    p.put("features", s.splits().isEmpty() ? 0 : s.splits().get(0).features().size());
    List<String> parts = new ArrayList<>();
    s.splits().forEach(d -> parts.add(d.split() + " " + d.numExamples() + " examples, " + d.features().size() + " features"));
    return new Published(StageFiles.sha256(content), Map.of(STATISTICS, p), List.of(String.join("; ", parts)));
  }
}
