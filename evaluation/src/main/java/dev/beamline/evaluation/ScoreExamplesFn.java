package dev.beamline.evaluation;

import dev.beamline.core.ExampleBatch;
import dev.beamline.training.ServingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Scores batches of raw rows with the candidate model (and the baseline, when there is one) through
 * {@link ServingModel}, the path serving takes, loading each model once per worker ({@link
 * LoadedModels}). Per bundle it tallies every slice's metrics ({@link SliceAccumulator}, per model and
 * per bootstrap sample) and emits them ({@link Tallies}) when the bundle finishes, so that the
 * combining step merges a few tallies instead of every example; beside them, each input batch's predictions as rows
 * of {@link PredictionColumns#schema} ({@link PredictionRows}, as batch inference writes them, with the label's
 * class and the slices added), the rows that could not be scored with the reason ({@link UnscoredRows}), and counts.
 *
 * <pre>{@code
 * batches.apply(ParDo.of(fn).withSideInputs(modelDir).withOutputTags(ScoreExamplesFn.TALLIES, fn.others()));
 * }</pre>
 */
final class ScoreExamplesFn extends DoFn<ExampleBatch, Tallies> {
  private static final long serialVersionUID = 1L;

  static final TupleTag<Tallies> TALLIES = new TupleTag<>() {};
  static final TupleTag<ExampleBatch> PREDICTIONS = new TupleTag<>() {};
  static final TupleTag<String> UNSCORED = new TupleTag<>() {};

  static final String CANDIDATE = "candidate";
  static final String BASELINE = "baseline";
  /** Counts: rows scored, and rows scored whose label is missing or not a class of the model. */
  static final String SCORED = "scored";
  static final String UNLABELLED = "unlabelled";

  private final PCollectionView<String> modelDir;
  private final String baselineDir;
  private final boolean classification;
  private final String labelColumn;
  private final List<SliceSpec> slices;
  private final int bootstrapSamples;
  private final long seed;
  private final String predictionSchemaJson;

  private transient Schema predictionSchema;
  private transient Tallies tallies;
  /** The models this instance holds, by folder: acquired once each, released at teardown. */
  private transient java.util.Map<String, ServingModel> held;
  private transient PredictionRows predictionRows;

  ScoreExamplesFn(PCollectionView<String> modelDir, String baselineDir, boolean classification, String labelColumn,
      List<SliceSpec> slices, int bootstrapSamples, long seed, Schema predictionSchema) {
    this.modelDir = modelDir;
    this.baselineDir = baselineDir;
    this.classification = classification;
    this.labelColumn = labelColumn;
    this.slices = List.copyOf(slices);
    this.bootstrapSamples = bootstrapSamples;
    this.seed = seed;
    this.predictionSchemaJson = predictionSchema.toString();
  }

  /**
   * A tally's key: model, bootstrap sample (-1 for the data itself), the index of the slice's spec in
   * the configuration's {@code allSlices()} (-1 for the overall slice) and the slice's name.
   */
  static String key(String model, int sample, String slice) {
    return model + "|" + sample + "|" + slice;
  }

  /** A slice's id in a {@link #key}: its spec's index and its name. */
  static String sliceId(int spec, String name) {
    return spec + "|" + name;
  }

  /** The parts of a {@link #key}: model, sample, spec index, slice name. */
  static String[] parts(String key) {
    return key.split("\\|", 4);
  }

  private static final String OVERALL_ID = sliceId(-1, SliceSpec.OVERALL);

  /** Per slice spec, its predictions column, and its slice names and ids by value (one-feature specs). */
  private transient List<String> columns;
  private transient List<java.util.Map<String, String[]>> sliceNamesByValue;
  /** Per bundle: the tally of each key, found without building the key again. */
  private transient java.util.Map<String, SliceAccumulator> candidateTallies;

  @Setup
  public void setup() {
    columns = new ArrayList<>();
    sliceNamesByValue = new ArrayList<>();
    for (SliceSpec s : slices) {
      columns.add(s.column());
      sliceNamesByValue.add(new java.util.HashMap<>());
    }
    predictionSchema = new Schema.Parser().parse(predictionSchemaJson);
    held = new java.util.HashMap<>();
  }

  @StartBundle
  public void startBundle() {
    tallies = new Tallies(classification);
    candidateTallies = new java.util.HashMap<>();
  }

  private ServingModel model(String dir) {
    return held.computeIfAbsent(dir, LoadedModels::acquire);
  }

  /** The predictions' rows for the candidate {@code model}, made once per instance. */
  private PredictionRows predictionRows(ServingModel model) {
    if (predictionRows == null) {
      predictionRows = new PredictionRows(predictionSchema, model.description());
    }
    return predictionRows;
  }

  @ProcessElement
  public void process(@Element ExampleBatch batch, ProcessContext c) {
    ServingModel candidate = model(c.sideInput(modelDir));
    ServingModel baseline = baselineDir == null ? null : model(baselineDir);
    List<GenericRecord> rows = batch.examples();
    ServingModel.Scores scores = candidate.score(rows);
    ServingModel.Scores baseScores = baseline == null ? null : baseline.score(rows);
    PredictionRows answers = predictionRows(candidate);
    List<GenericRecord> predicted = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      GenericRecord row = rows.get(i);
      if (!scores.scored(i)) {
        c.output(UNSCORED, UnscoredRows.unscored(row, scores.error(i)));
        continue;
      }
      count(SCORED);
      List<String> sliceNames = new ArrayList<>(slices.size() + 1);
      sliceNames.add(OVERALL_ID);
      GenericRecord out = answers.of(row, scores, i);
      for (int si = 0; si < slices.size(); si++) {
        SliceSpec s = slices.get(si);
        String name;
        if (s.features().size() == 1) {
          // One feature: the slice's name and id depend on its value only; made once per value.
          SliceSpec.Feature f = s.features().get(0);
          String value = f.valueOf(row.getSchema().getField(f.name()) == null ? null : row.get(f.name()));
          int spec = si;
          String[] named = sliceNamesByValue.get(si).computeIfAbsent(value, v -> {
            String n = s.sliceName(List.of(v));
            return new String[] {n, sliceId(spec, n)};
          });
          name = named[0];
          sliceNames.add(named[1]);
        } else {
          List<String> values = new ArrayList<>(s.features().size());
          for (SliceSpec.Feature f : s.features()) {
            values.add(f.valueOf(row.getSchema().getField(f.name()) == null ? null : row.get(f.name())));
          }
          name = s.sliceName(values);
          sliceNames.add(sliceId(si, name));
        }
        out.put(columns.get(si), name);
      }
      Object label = row.getSchema().getField(labelColumn) == null ? null : row.get(labelColumn);
      long rowHash = bootstrapSamples > 0 ? GenericData.get().hashCode(row, row.getSchema()) : 0;
      if (classification) {
        double[] p = scores.probabilities(i);
        int labelId = candidate.classOfLabel(label);
        out.put(PredictionColumns.LABEL_ID, labelId < 0 ? null : (long) labelId);
        if (labelId < 0) {
          count(UNLABELLED);
        } else {
          tally(CANDIDATE, sliceNames, Prediction.of(labelId, clip(p)), null, rowHash);
          if (baseScores != null && baseScores.scored(i)) {
            tally(BASELINE, sliceNames, Prediction.of(labelId, clip(baseScores.probabilities(i))), null, rowHash);
          }
        }
      } else {
        double prediction = scores.prediction(i);
        double y = numeric(label);
        if (Double.isNaN(y)) {
          count(UNLABELLED);
        } else {
          tally(CANDIDATE, sliceNames, null, RegressionPrediction.of(y, prediction), rowHash);
          if (baseScores != null && baseScores.scored(i)) {
            tally(BASELINE, sliceNames, null, RegressionPrediction.of(y, baseScores.prediction(i)), rowHash);
          }
        }
      }
      predicted.add(out);
    }
    if (!predicted.isEmpty()) {
      c.output(PREDICTIONS, ExampleBatch.of(predicted));
    }
  }

  private void tally(String model, List<String> sliceNames, Prediction p, RegressionPrediction r, long rowHash) {
    for (String slice : sliceNames) {
      if (model.equals(CANDIDATE)) {
        // The candidate's tallies of the data itself: by slice id, without building the whole key per row.
        SliceAccumulator acc = candidateTallies.computeIfAbsent(slice, k -> tallies.slice(key(CANDIDATE, -1, k)));
        if (p != null) {
          acc.add(p);
        } else {
          acc.add(r);
        }
      } else {
        add(key(model, -1, slice), p, r);
      }
    }
    for (int b = 0; b < bootstrapSamples; b++) {
      int w = poisson(seed, rowHash, b);
      if (w == 0) {
        continue;
      }
      Prediction pw = p == null ? null : Prediction.of(p.label(), p.probabilities(), w);
      RegressionPrediction rw = r == null ? null : RegressionPrediction.of(r.label(), r.prediction(), w);
      for (String slice : sliceNames) {
        add(key(model, b, slice), pw, rw);
      }
    }
  }

  private void add(String key, Prediction p, RegressionPrediction r) {
    SliceAccumulator acc = tallies.slice(key);
    if (p != null) {
      acc.add(p);
    } else {
      acc.add(r);
    }
  }

  /**
   * A draw of Poisson(1) for row {@code rowHash} in bootstrap sample {@code b}, the same in every run
   * and on every worker: the Poisson bootstrap (Hanley and MacGibbon 2006), which resamples rows
   * independently, so samples need no global row numbering.
   */
  static int poisson(long seed, long rowHash, int b) {
    SplittableRandom r = new SplittableRandom(mix(mix(seed) ^ rowHash) + b);
    double limit = Math.exp(-1);
    double p = r.nextDouble();
    int k = 0;
    while (p > limit) {
      k++;
      p *= r.nextDouble();
    }
    return k;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  /** Float32 probabilities widened to double can sum a hair above 1; each is kept in [0, 1]. */
  private static double[] clip(double[] p) {
    for (int k = 0; k < p.length; k++) {
      p[k] = Math.min(1.0, Math.max(0.0, p[k]));
    }
    return p;
  }

  private static double numeric(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (v == null) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private void count(String what) {
    tallies.count(what, 1);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext c) {
    if (!tallies.isEmpty()) {
      c.output(tallies, BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE);
    }
    tallies = null;
    candidateTallies = null;
  }

  @Teardown
  public void teardown() {
    if (held != null) {
      held.keySet().forEach(LoadedModels::release);
      held.clear();
    }
  }
}
