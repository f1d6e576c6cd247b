package dev.beamline.evaluation;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.training.ServingModel;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns a row the model scored into a record of the predictions file ({@link PredictionColumns}): the
 * row's columns that the file keeps, then the model's answer (the classes' probabilities and the
 * argmax, or the regression value). The one place where the evaluate stage and batch inference write an
 * answer down, so that both files say the same of the same row. A plain class, not serializable: a
 * scoring step makes one per worker from the schema's JSON.
 *
 * <pre>{@code
 * PredictionRows rows = new PredictionRows(predictionSchema, model.description());
 * ServingModel.Scores scores = model.score(batch);
 * GenericRecord out = rows.of(batch.get(0), scores, 0);
 * }</pre>
 */
public final class PredictionRows {
  private final Schema schema;
  private final boolean classification;
  private final List<String> classes;

  /**
   * Records of {@code schema}, which must have the answer columns of {@code model}'s task.
   *
   * @throws IllegalArgumentException when it lacks one
   */
  public PredictionRows(Schema schema, ServingModel.Description model) {
    this.schema = schema;
    this.classification = model.classification();
    this.classes = List.copyOf(model.classes());
    for (String column : PredictionColumns.answerColumns(classification)) {
      checkArgument(column.equals(PredictionColumns.LABEL_ID) || schema.getField(column) != null,
          "the predictions schema has no column '%s' for the answer of a %s model", column, model.task());
    }
  }

  public Schema schema() {
    return schema;
  }

  /**
   * Row {@code i} of a scored batch, {@code row}, as a predictions record; columns the schema adds
   * besides the answer ({@code label_id}, slices) are left for the caller to set.
   *
   * @throws IllegalArgumentException when the row was not scored
   */
  public GenericRecord of(GenericRecord row, ServingModel.Scores scores, int i) {
    checkArgument(scores.scored(i), "row %s was not scored: %s", i, scores.error(i));
    GenericRecord out = new GenericData.Record(schema);
    for (Schema.Field f : row.getSchema().getFields()) {
      if (schema.getField(f.name()) != null) {
        out.put(f.name(), row.get(f.name()));
      }
    }
    if (classification) {
      double[] p = scores.probabilities(i);
      int predicted = argmax(p);
      out.put(PredictionColumns.PREDICTED_ID, (long) predicted);
      out.put(PredictionColumns.PREDICTED_CLASS, classes.get(predicted));
      List<Double> probabilities = new ArrayList<>(p.length);
      for (double x : p) {
        probabilities.add(x);
      }
      out.put(PredictionColumns.PROBABILITIES, probabilities);
    } else {
      out.put(PredictionColumns.PREDICTION, (double) scores.prediction(i));
    }
    return out;
  }

  /** The index of the largest of {@code p}, the first of equals: the predicted class. */
  static int argmax(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }
}
