package dev.beamline.tuning;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.training.TrainConfig;
import dev.beamline.transform.AnalyzeAndTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The tuner as a Beam graph: its search unrolled into rounds ({@link SearchAlgorithm#rounds()}), each
 * round's trials proposed from the results of the rounds before it (a side input), then trained as
 * elements: keyed into {@code max_parallel_trials} groups, each group's trials one after the other in
 * one worker, so at most that many train at once, on the runner's workers (DirectRunner threads,
 * Flink slots). When the last round is done the best trial's values are published as {@value
 * Tune#HYPERPARAMETERS_FILE} with every trial in {@value #TRIALS_FILE} and the report.
 *
 * <p>Apply it to the signal of the transform stage (its published folder). Every trial is seeded from
 * the search's seed and its id, so a search gives the same trials and results however many run at
 * once.
 *
 * <pre>{@code
 * PCollection<String> tuned = transformDir.apply(Tune.of(tuneConfig, trainConfig, output));
 * }</pre>
 */
public final class Tune extends PTransform<PCollection<String>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  /** The chosen values: {@code {"values": {...}, "objective": ..., "trial": id, ...}}. */
  public static final String HYPERPARAMETERS_FILE = dev.beamline.training.Hyperparameters.FILE;
  /** Every trial ({@link TrialOutcome#toJson}). */
  public static final String TRIALS_FILE = "trials.json";
  /** The HTML page of the trials. */
  public static final String REPORT_FILE = "report.html";

  private final TuneConfig tune;
  private final TrainConfig train;
  private final StageOutput output;

  private Tune(TuneConfig tune, TrainConfig train, StageOutput output) {
    this.tune = tune;
    this.train = train;
    this.output = output;
  }

  public static Tune of(TuneConfig tune, TrainConfig train, StageOutput output) {
    return new Tune(tune, train, output);
  }

  @Override
  public PCollection<String> expand(PCollection<String> transformDir) {
    SearchAlgorithm search = SearchAlgorithm.create(tune);
    TrialRunner runner = new TrialRunner(train, tune, tune.maxParallelTrials());
    SerializableCoder<TrialOutcome> outcomeCoder = SerializableCoder.of(TrialOutcome.class);
    KvCoder<Integer, KV<String, TrialSpec>> proposalCoder =
        KvCoder.of(VarIntCoder.of(), KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(TrialSpec.class)));
    PCollection<TrialOutcome> finished = transformDir.getPipeline().apply("NoTrialsYet", Create.empty(outcomeCoder));
    for (int round = 0; round < search.rounds(); round++) {
      PCollectionView<List<TrialOutcome>> before = finished.apply("Finished" + round, View.asList());
      PCollection<TrialOutcome> trained = transformDir
          .apply("Propose" + round, ParDo.of(new ProposeFn(search, round, tune.maxParallelTrials(), before)).withSideInputs(before))
          .setCoder(proposalCoder)
          .apply("ParallelTrials" + round, GroupByKey.create())
          .apply("Train" + round, ParDo.of(new TrainTrialsFn(runner)))
          .setCoder(outcomeCoder);
      finished = PCollectionList.of(finished).and(trained).apply("AllSoFar" + round, Flatten.pCollections()).setCoder(outcomeCoder);
    }
    return finished
        .apply("OneKey", WithKeys.of("tune"))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), outcomeCoder))
        .apply("Gather", GroupByKey.create())
        .apply("Publish", ParDo.of(new PublishFn(search, tune, runner, output)))
        .setCoder(StringUtf8Coder.of());
  }

  /** Proposes one round's trials from the results so far, keyed into the parallel groups. */
  private static final class ProposeFn extends DoFn<String, KV<Integer, KV<String, TrialSpec>>> {
    private static final long serialVersionUID = 1L;
    private final SearchAlgorithm search;
    private final int round;
    private final int parallel;
    private final PCollectionView<List<TrialOutcome>> before;

    ProposeFn(SearchAlgorithm search, int round, int parallel, PCollectionView<List<TrialOutcome>> before) {
      this.search = search;
      this.round = round;
      this.parallel = parallel;
      this.before = before;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      List<TrialResult> results = new ArrayList<>();
      for (TrialOutcome o : c.sideInput(before)) {
        results.add(o.result());
      }
      List<TrialSpec> specs = search.propose(round, results);
      for (int i = 0; i < specs.size(); i++) {
        c.output(KV.of(i % parallel, KV.of(c.element(), specs.get(i))));
      }
    }
  }

  /** Trains a group's trials one after the other. */
  private static final class TrainTrialsFn extends DoFn<KV<Integer, Iterable<KV<String, TrialSpec>>>, TrialOutcome> {
    private static final long serialVersionUID = 1L;
    private final TrialRunner runner;
    private transient Map<String, List<FittedFeature>> features;

    TrainTrialsFn(TrialRunner runner) {
      this.runner = runner;
    }

    @Setup
    public void setup() {
      features = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<KV<String, TrialSpec>>> group, OutputReceiver<TrialOutcome> out) {
      List<KV<String, TrialSpec>> trials = new ArrayList<>();
      group.getValue().forEach(trials::add);
      trials.sort(Comparator.comparingInt(t -> t.getValue().id()));
      for (KV<String, TrialSpec> t : trials) {
        String transformDir = t.getKey();
        List<FittedFeature> fitted = features.computeIfAbsent(transformDir, d -> FittedTransform.read(d).features());
        out.output(runner.run(t.getValue(), Storage.resolve(transformDir, AnalyzeAndTransform.EXAMPLES_DIR), fitted));
      }
    }
  }

  /**
   * Writes the best values, the trials and the report, and publishes them. When every trial failed it
   * publishes nothing: it leaves the trials in the staging folder, where the runner reads them to record
   * each failed trial ({@link TuneStage#failedSteps}) before it removes the folder, and fails the stage.
   */
  private static final class PublishFn extends DoFn<KV<String, Iterable<TrialOutcome>>, String> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SearchAlgorithm search;
    private final TuneConfig tune;
    private final TrialRunner runner;
    private final StageOutput output;

    PublishFn(SearchAlgorithm search, TuneConfig tune, TrialRunner runner, StageOutput output) {
      this.search = search;
      this.tune = tune;
      this.runner = runner;
      this.output = output;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<TrialOutcome>> all, OutputReceiver<String> out) {
      if (output.isPublished()) {
        out.output(output.dir());
        return;
      }
      List<TrialOutcome> trials = new ArrayList<>();
      all.getValue().forEach(trials::add);
      trials.sort(Comparator.comparingInt(t -> t.spec().id()));
      List<TrialResult> results = trials.stream().map(TrialOutcome::result).toList();
      Optional<TrialResult> best = search.best(results);
      if (best.isEmpty()) {
        Storage.writeString(output.staged(TRIALS_FILE), TrialOutcome.toJson(trials));
        String first = trials.isEmpty() ? "no trial ran" : trials.get(0).result().error();
        throw new DataCheckException("tuning found no model: every one of the " + trials.size() + " trial(s) failed; trial "
            + (trials.isEmpty() ? "-" : trials.get(0).spec().id()) + ": " + first);
      }
      TrialOutcome winner = trials.stream().filter(t -> t.spec().id() == best.get().id()).findFirst().orElseThrow();
      ObjectNode h = JSON.createObjectNode();
      // The winner's values as named in the search space, with the features list a choice among features makes.
      h.set("values", runner.trainValues(winner.spec()));
      h.put("trial", winner.spec().id());
      ObjectNode objective = h.putObject("objective");
      objective.put("metric", tune.objective().metric());
      objective.put("direction", tune.objective().direction().name().toLowerCase(java.util.Locale.ROOT));
      h.put("metric", winner.metric());
      h.put("algorithm", tune.algorithm().name().toLowerCase(java.util.Locale.ROOT));
      h.put("trials", trials.size());
      h.put("failed_trials", trials.stream().filter(TrialOutcome::failed).count());
      h.put("max_parallel_trials", tune.maxParallelTrials());
      Map<String, String> files = new java.util.LinkedHashMap<>();
      files.put(HYPERPARAMETERS_FILE, h.toPrettyString() + "\n");
      files.put(TRIALS_FILE, TrialOutcome.toJson(trials));
      files.put(REPORT_FILE, TuningReport.render(tune, trials, winner.spec().id()));
      output.publish(files);
      out.output(output.dir());
    }
  }
}
