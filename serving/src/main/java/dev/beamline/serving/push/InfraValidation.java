package dev.beamline.serving.push;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.Storage;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.training.ServingModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.generic.GenericRecord;

/**
 * Infra validation, as TFX's InfraValidator does it before a push: the exported model is loaded in a
 * fresh TensorFlow session, the way a server will load it, and must answer the first rows of its own
 * evaluation as the evaluation recorded them. A model that does not load, cannot score a row, or
 * answers a row differently (beyond a tolerance) is not pushed. The outcome is returned as a value.
 *
 * <p>The rows are read from the evaluation's {@value #PREDICTIONS_DIR}{@code /*.parquet} in file-name
 * order: each holds the raw input columns as they were, which the model is fed, and the stored answer:
 * {@code probabilities} (one per class) for a classifier, {@code prediction} for a regression model.
 *
 * <pre>{@code
 * InfraValidation.Report r = InfraValidation.run(modelDir, evaluationDir, 8, 1e-6);
 * if (!r.passed()) throw new DataCheckException("infra validation failed, nothing pushed: " + r.problem());
 * }</pre>
 */
public final class InfraValidation {
  /** The folder of the evaluation that holds its predictions. */
  public static final String PREDICTIONS_DIR = "predictions";
  static final String PROBABILITIES = "probabilities";
  static final String PREDICTION = "prediction";

  private InfraValidation() {}

  /**
   * What infra validation found.
   *
   * @param rows how many rows were compared (0 when it was off)
   * @param tolerance the largest difference allowed
   * @param maxDifference the largest absolute difference seen between a stored and a recomputed value
   * @param problem why the model is refused, or null when it passed
   */
  public record Report(int rows, double tolerance, double maxDifference, String problem) {
    /** Infra validation turned off ({@code rows: 0}). */
    public static Report off() {
      return new Report(0, 0, 0, null);
    }

    public boolean passed() {
      return problem == null;
    }

    /** As recorded in {@code push.json}. */
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("rows", rows);
      o.put("tolerance", tolerance);
      o.put("max_difference", maxDifference);
      return o;
    }
  }

  /** One stored row and where it lies, for messages. */
  private record Row(GenericRecord record, String where) {}

  /**
   * Loads the model in {@code modelDir} in a new session and compares its answers on the first {@code
   * rows} predictions of the evaluation in {@code evaluationDir} with the stored ones.
   */
  public static Report run(String modelDir, String evaluationDir, int rows, double tolerance) {
    checkArgument(rows > 0, "rows must be > 0, got %s", rows);
    checkArgument(tolerance >= 0 && Double.isFinite(tolerance), "tolerance must be finite and >= 0, got %s", tolerance);
    List<Row> stored;
    try {
      stored = firstRows(evaluationDir, rows);
    } catch (IOException | UncheckedIOException | DataCheckException e) {
      return new Report(0, tolerance, 0, "cannot read the evaluation's predictions in " + evaluationDir + ": " + DataCheckException.oneLine(e));
    }
    if (stored.isEmpty()) {
      return new Report(0, tolerance, 0, Storage.resolve(evaluationDir, PREDICTIONS_DIR)
          + " holds no predictions to compare the model's answers with (push.infra_validation.rows: 0 pushes without infra validation)");
    }
    ServingModel model;
    try {
      // A fresh session, not one shared with evaluation: what a server that starts up will do.
      model = ServingModel.load(modelDir);
    } catch (RuntimeException | LinkageError e) {
      return new Report(0, tolerance, 0, "the model in " + modelDir + " does not load: " + DataCheckException.oneLine(e));
    }
    try (model) {
      return compare(model, stored, tolerance);
    } catch (RuntimeException e) {
      return new Report(0, tolerance, 0, "the model in " + modelDir + " fails to score: " + DataCheckException.oneLine(e));
    }
  }

  private static Report compare(ServingModel model, List<Row> stored, double tolerance) {
    boolean classification = model.description().classification();
    String column = classification ? PROBABILITIES : PREDICTION;
    List<GenericRecord> records = stored.stream().map(Row::record).toList();
    ServingModel.Scores scores = model.score(records);
    double max = 0;
    String first = null;
    int differing = 0;
    for (int i = 0; i < stored.size(); i++) {
      Row row = stored.get(i);
      if (!scores.scored(i)) {
        return new Report(i, tolerance, max, row.where() + ": the model cannot score it: " + scores.error(i));
      }
      if (row.record().getSchema().getField(column) == null) {
        return new Report(i, tolerance, max, row.where() + " has no column '" + column + "', which the evaluation of a "
            + (classification ? "classifier" : "regression model") + " writes");
      }
      double[] expected = values(row.record().get(column));
      double[] answered = classification ? scores.probabilities(i) : new double[] {scores.prediction(i)};
      if (expected == null || expected.length != answered.length) {
        return new Report(i, tolerance, max, String.format(Locale.ROOT, "%s: the evaluation stored %s %s, the model answers %d value(s)",
            row.where(), expected == null ? "no" : Integer.toString(expected.length), column, answered.length));
      }
      boolean rowDiffers = false;
      for (int k = 0; k < answered.length; k++) {
        double d = difference(expected[k], answered[k]);
        max = Math.max(max, d);
        if (d > tolerance && !rowDiffers) {
          rowDiffers = true;
          differing++;
          if (first == null) {
            String what = classification ? "the probability of class '" + model.description().classes().get(k) + "'" : "the prediction";
            first = row.where() + ": " + what + " was " + expected[k] + " in the evaluation, the loaded model answers " + answered[k];
          }
        }
      }
    }
    if (first != null) {
      return new Report(stored.size(), tolerance, max, String.format(Locale.ROOT,
          "the loaded model answers %d of %d row(s) differently from the evaluation (tolerance %s): %s",
          differing, stored.size(), tolerance, first));
    }
    return new Report(stored.size(), tolerance, max, null);
  }

  /** |a - b|; equal NaNs do not differ, a NaN and a number differ infinitely. */
  private static double difference(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) && Double.isNaN(b) ? 0 : Double.POSITIVE_INFINITY;
    }
    return a == b ? 0 : Math.abs(a - b);
  }

  /** A stored answer: an array of numbers or one number; null when it is neither. */
  private static double[] values(Object v) {
    if (v instanceof Number n) {
      return new double[] {n.doubleValue()};
    }
    if (v instanceof List<?> list) {
      double[] out = new double[list.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(list.get(i) instanceof Number n)) {
          return null;
        }
        out[i] = n.doubleValue();
      }
      return out;
    }
    return null;
  }

  /** The first {@code n} rows of the predictions, in file-name then row order. */
  private static List<Row> firstRows(String evaluationDir, int n) throws IOException {
    String dir = Storage.resolve(evaluationDir, PREDICTIONS_DIR);
    List<Row> rows = new ArrayList<>();
    for (String file : Storage.match(Storage.resolve(dir, "*.parquet"))) {
      try (ExampleRecordReader reader = ExampleRecordReader.open(file)) {
        for (int i = 0; rows.size() < n; i++) {
          GenericRecord r = reader.read();
          if (r == null) {
            break;
          }
          rows.add(new Row(r, PREDICTIONS_DIR + "/" + Storage.fileName(file) + " row " + i));
        }
      }
      if (rows.size() >= n) {
        break;
      }
    }
    return rows;
  }
}
