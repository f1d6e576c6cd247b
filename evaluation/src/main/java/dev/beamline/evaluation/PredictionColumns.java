package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The columns of the predictions file the evaluate stage and batch inference write: the columns of
 * the input rows as they were (all of them, or the key columns batch inference is told to keep), then
 * the model's answer, then, for an evaluation, one column per slice with the example's slice value, so
 * that DuckDB or pandas can recompute any metric from the file alone.
 *
 * <ul>
 *   <li>classification: {@code label_id} (evaluation only: the true class's index in the model's
 *       classes, null when the label is missing or not one of them), {@code predicted_id}, {@code
 *       predicted_class} and {@code probabilities} (one per class, in the order of the model's classes,
 *       as {@code metrics.json}'s {@code classes} lists them);
 *   <li>regression: {@code prediction}, in the label's units.
 * </ul>
 *
 * <pre>{@code
 * Schema evaluation = PredictionColumns.schema(rawAvro, true, slices);
 * Schema inference = PredictionColumns.answers(rawAvro, true, List.of("id"));
 * }</pre>
 */
public final class PredictionColumns {
  public static final String LABEL_ID = "label_id";
  public static final String PREDICTED_ID = "predicted_id";
  public static final String PREDICTED_CLASS = "predicted_class";
  public static final String PROBABILITIES = "probabilities";
  public static final String PREDICTION = "prediction";

  private PredictionColumns() {}

  /** The names the model's answer takes in an evaluation, for a classifier or a regression model. */
  public static List<String> answerColumns(boolean classification) {
    return classification ? List.of(LABEL_ID, PREDICTED_ID, PREDICTED_CLASS, PROBABILITIES) : List.of(PREDICTION);
  }

  /**
   * The evaluation's predictions' Avro schema for rows of {@code raw}: every column, the answer with
   * {@code label_id}, and a column per slice.
   *
   * @throws IllegalArgumentException when an input column has the name of an added one
   */
  public static Schema schema(Schema raw, boolean classification, List<SliceSpec> slices) {
    List<Schema.Field> fields = copy(raw, null);
    List<String> added = new ArrayList<>(answerColumns(classification));
    slices.forEach(s -> added.add(s.column()));
    checkFree(raw, added);
    if (classification) {
      fields.add(new Schema.Field(LABEL_ID, nullable(Schema.create(Schema.Type.LONG)), "the true class's index; null when unknown",
          Schema.Field.NULL_DEFAULT_VALUE));
    }
    addAnswer(fields, classification);
    for (SliceSpec s : slices) {
      fields.add(new Schema.Field(s.column(), Schema.create(Schema.Type.STRING), "the example's slice of " + s, null));
    }
    return record(fields);
  }

  /**
   * Batch inference's predictions' Avro schema for rows of {@code raw}: the columns {@code keys} (every
   * column when empty), in the data's order, then the model's answer, without {@code label_id}.
   *
   * @throws IllegalArgumentException when a key is not a column of {@code raw}, or a kept column has the
   *     name of an answer column
   */
  public static Schema answers(Schema raw, boolean classification, List<String> keys) {
    List<String> missing = keys.stream().filter(k -> raw.getField(k) == null).toList();
    List<String> columns = raw.getFields().stream().map(Schema.Field::name).toList();
    checkArgument(missing.isEmpty(), "key column(s) %s are not columns of the data (columns: %s)", missing, columns);
    List<Schema.Field> fields = copy(raw, keys.isEmpty() ? null : keys);
    List<String> added = new ArrayList<>(answerColumns(classification));
    added.remove(LABEL_ID);
    List<String> clash = fields.stream().map(Schema.Field::name).filter(added::contains).toList();
    checkArgument(clash.isEmpty(), "the data has a column '%s', which the predictions file adds; rename it or leave it out of the keys (added columns: %s)",
        clash.isEmpty() ? "" : clash.get(0), added);
    addAnswer(fields, classification);
    return record(fields);
  }

  /** The fields of {@code raw} (those named in {@code keep}, in {@code raw}'s order; every one when null), copied. */
  private static List<Schema.Field> copy(Schema raw, List<String> keep) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : raw.getFields()) {
      if (keep == null || keep.contains(f.name())) {
        fields.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
      }
    }
    return fields;
  }

  private static void checkFree(Schema raw, List<String> added) {
    for (String name : added) {
      checkArgument(raw.getField(name) == null,
          "the data has a column '%s', which the predictions file adds; rename it (added columns: %s)", name, added);
    }
  }

  private static void addAnswer(List<Schema.Field> fields, boolean classification) {
    if (classification) {
      fields.add(new Schema.Field(PREDICTED_ID, Schema.create(Schema.Type.LONG), "the predicted class's index (argmax)", null));
      fields.add(new Schema.Field(PREDICTED_CLASS, Schema.create(Schema.Type.STRING), "the predicted class", null));
      fields.add(new Schema.Field(PROBABILITIES, Schema.createArray(Schema.create(Schema.Type.DOUBLE)),
          "the probability of each class, in the order of the model's classes", null));
    } else {
      fields.add(new Schema.Field(PREDICTION, Schema.create(Schema.Type.DOUBLE), "the predicted value in the label's units", null));
    }
  }

  private static Schema record(List<Schema.Field> fields) {
    Schema out = Schema.createRecord("Prediction", "a scored example", "dev.beamline", false);
    out.setFields(fields);
    return out;
  }

  private static Schema nullable(Schema s) {
    return SchemaBuilder.unionOf().nullType().and().type(s).endUnion();
  }
}
