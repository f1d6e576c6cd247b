package dev.beamline.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
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
import dev.beamline.validation.privacy.DpQueryPlan;
import dev.beamline.validation.privacy.DpStatistics;
import dev.beamline.validation.privacy.PrivacyConfig;
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
 * <p>With a {@link PrivacyConfig} ({@code validation.privacy:}), it also publishes {@code
 * dp_statistics.json} and its page {@code dp_report.html} beside it, in the same atomic step: a
 * differentially private release of counts, means, histograms and quantiles ({@link
 * ComputeStatisticsWithDp}). {@code statistics.json} stays exact, for the pipeline's own validation, and
 * is NOT private: share only the release.
 *
 * <pre>{@code
 * List<Stage<?>> stages = new ValidationStageFactory().create(section);   // statistics, schema, validate
 * Stage<?> privately = new StatisticsStage(PrivacyConfig.defaults().withBounds("body_mass_g", 2000, 7000));
 * }</pre>
 */
public final class StatisticsStage implements Stage<Serializable> {
  /** The stage's name, and its folder in the run layout. */
  public static final String NAME = "statistics";
  /** The role of the examples this stage summarises. */
  public static final String EXAMPLES = "examples";
  private static final String STATISTICS = "statistics";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Null: no private release. */
  private final PrivacyConfig privacy;

  /** The statistics alone. */
  public StatisticsStage() {
    this(null);
  }

  /** The statistics, and their differentially private release with {@code privacy} (null: none). */
  public StatisticsStage(PrivacyConfig privacy) {
    this.privacy = privacy;
  }

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
    ObjectNode p = JSON.createObjectNode().put("sketches", "datasketches KLL k=200, HLL lgK=12, frequent items 4096");
    if (privacy != null) {
      p.set("privacy", privacy.toParameters());
    }
    return p;
  }

  /**
   * Nothing from outside; with privacy, its declarations are checked against the examples' columns now,
   * and the pipeline's name is kept (the state) as the title of the release's page.
   */
  @Override
  public Plan<Serializable> plan(PlanContext ctx) {
    if (privacy == null) {
      return Plan.empty();
    }
    ctx.inputs().find(EXAMPLES).map(i -> i.info(ExamplesInfo.class)).ifPresent(this::dpPlan);
    return new Plan<>(List.of(), Map.of(), ctx.pipeline());
  }

  private DpQueryPlan dpPlan(ExamplesInfo info) {
    try {
      return DpQueryPlan.of(privacy, info.schema(), info.splits());
    } catch (ConfigException e) {
      throw new ConfigException("validation.privacy: " + e.getMessage(), e);
    }
  }

  @Override
  public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
    StageInput examples = inputs.get(EXAMPLES);
    ExamplesInfo info = examples.info(ExamplesInfo.class);
    PCollection<String> dir = examples.ready();
    if (privacy != null) {
      String title = plan.state() == null ? NAME : plan.state().toString();
      return dir.apply("ComputeStatisticsWithDp", ComputeStatisticsWithDp.ofPublished(info.schema(), dpPlan(info), title))
          .apply("AwaitExamples", Wait.on(dir))
          .apply("PublishStatistics", ParDo.of(new PublishArtifact<ComputeStatisticsWithDp.Result>(output, ComputeStatisticsWithDp.Result::files)))
          .setCoder(StringUtf8Coder.of());
    }
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
    List<String> summary = new ArrayList<>(List.of(String.join("; ", parts)));
    if (privacy != null) {
      // The fingerprint stays that of statistics.json: the release's noise differs on every run.
      summary.add("differentially private release (" + privacy.mechanism().configName() + ", epsilon " + privacy.epsilon() + "): "
          + Storage.resolve(outputDir, DpStatistics.FILE));
    }
    return new Published(StageFiles.sha256(content), Map.of(STATISTICS, p), summary);
  }
}
