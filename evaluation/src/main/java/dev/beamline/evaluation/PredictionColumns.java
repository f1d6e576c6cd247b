package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The columns of the predictions file the evaluate stage and batch inference write: every column of
 * the input rows as it was, then the model's answer, then one column per slice with the example's
 * slice value, so that DuckDB or pandas can recompute any metric from the file alone.
 *
 * <ul>
 *   <li>classification: {@code label_id} (the true class's index in the model's classes, null when the
 *       label is missing or not one of them), {@code predicted_id}, {@code predicted_class} and {@code
 *       probabilities} (one per class, in the order of {@code metrics.json}'s {@code classes});
 *   <li>regression: {@code prediction}, in the label's units.
 * </ul>
 *
 * <pre>{@code
 * Schema s = PredictionColumns.schema(rawAvro, true, slices);
 * }</pre>
 */
public final class PredictionColumns {
  public static final String LABEL_ID = "label_id";
  public static final String PREDICTED_ID = "predicted_id";
  public static final String PREDICTED_CLASS = "predicted_class";
  public static final String PROBABILITIES = "probabilities";
  public static final String PREDICTION = "prediction";

  private PredictionColumns() {}

  /** The names the model's answer takes for a classifier or a regression model. */
  public static List<String> answerColumns(boolean classification) {
    return classification ? List.of(LABEL_ID, PREDICTED_ID, PREDICTED_CLASS, PROBABILITIES) : List.of(PREDICTION);
  }

  /**
   * The predictions' Avro schema for rows of {@code raw}.
   *
   * @throws IllegalArgumentException when an input column has the name of an added one
   */
  public static Schema schema(Schema raw, boolean classification, List<SliceSpec> slices) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : raw.getFields()) {
      fields.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
    }
    List<String> added = new ArrayList<>(answerColumns(classification));
    slices.forEach(s -> added.add(s.column()));
    for (String name : added) {
      checkArgument(raw.getField(name) == null,
          "the data has a column '%s', which the predictions file adds; rename it (added columns: %s)", name, added);
    }
    Schema optLong = nullable(Schema.create(Schema.Type.LONG));
    if (classification) {
      fields.add(new Schema.Field(LABEL_ID, optLong, "the true class's index; null when unknown", Schema.Field.NULL_DEFAULT_VALUE));
      fields.add(new Schema.Field(PREDICTED_ID, Schema.create(Schema.Type.LONG), "the predicted class's index (argmax)", null));
      fields.add(new Schema.Field(PREDICTED_CLASS, Schema.create(Schema.Type.STRING), "the predicted class", null));
      fields.add(new Schema.Field(PROBABILITIES, Schema.createArray(Schema.create(Schema.Type.DOUBLE)),
          "the probability of each class, in the order of the model's classes", null));
    } else {
      fields.add(new Schema.Field(PREDICTION, Schema.create(Schema.Type.DOUBLE), "the predicted value in the label's units", null));
    }
    for (SliceSpec s : slices) {
      fields.add(new Schema.Field(s.column(), Schema.create(Schema.Type.STRING), "the example's slice of " + s, null));
    }
    Schema out = Schema.createRecord("Prediction", "a scored example", "dev.beamline", false);
    out.setFields(fields);
    return out;
  }

  private static Schema nullable(Schema s) {
    return SchemaBuilder.unionOf().nullType().and().type(s).endUnion();
  }
}
