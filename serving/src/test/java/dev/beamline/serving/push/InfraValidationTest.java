package dev.beamline.serving.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Infra validation on real exported models: a fresh session must answer the evaluation's rows as stored. */
class InfraValidationTest {
  @TempDir static Path shared;
  @TempDir Path dir;
  private static Path classifier;
  private static Path regressor;

  @BeforeAll
  static void train() throws Exception {
    classifier = ModelFixtures.classifier(shared.resolve("classifier"));
    regressor = ModelFixtures.regressor(shared.resolve("regressor"));
  }

  private Path evaluation(Path model, UnaryOperator<GenericRecord> alter) throws Exception {
    return ModelFixtures.evaluation(dir.resolve("evaluation"), model, ModelFixtures.rows(20, 3), ModelFixtures.BLESSED, alter);
  }

  private static List<GenericRecord> stored(Path evaluation) throws Exception {
    return ExampleRecordReader.readAll(evaluation.resolve("predictions/part-00000-of-00001.parquet").toString());
  }

  @Test
  void aClassifierLoadedAfreshAnswersItsEvaluationAsStored() throws Exception {
    Path eval = evaluation(classifier, UnaryOperator.identity());
    InfraValidation.Report r = InfraValidation.run(classifier.toString(), eval.toString(), 8, 1e-6);
    assertThat(r.problem()).isNull();
    assertThat(r.passed()).isTrue();
    assertThat(r.rows()).isEqualTo(8);
    // The same graph on the same rows: equal to a float32 rounding at most.
    assertThat(r.maxDifference()).isLessThanOrEqualTo(1e-7);
    assertThat(r.toJson().toString()).isEqualTo("{\"rows\":8,\"tolerance\":1.0E-6,\"max_difference\":" + r.maxDifference() + "}");
    // Fewer rows stored than asked for: all of them are compared.
    assertThat(InfraValidation.run(classifier.toString(), eval.toString(), 100, 1e-6).rows()).isEqualTo(20);
  }

  @Test
  void aStoredProbabilityAlteredBeyondTheToleranceIsNamedWithItsRowAndBothValues() throws Exception {
    int[] index = {0};
    double[] original = new double[1];
    Path eval = evaluation(classifier, p -> {
      if (index[0]++ == 3) {
        List<Double> probabilities = new ArrayList<>();
        for (Object v : (List<?>) p.get("probabilities")) {
          probabilities.add((Double) v);
        }
        original[0] = probabilities.get(1);
        probabilities.set(1, original[0] + 0.01);
        p.put("probabilities", probabilities);
      }
      return p;
    });
    double storedValue = ((Number) ((List<?>) stored(eval).get(3).get("probabilities")).get(1)).doubleValue();
    assertThat(storedValue).isEqualTo(original[0] + 0.01);

    InfraValidation.Report r = InfraValidation.run(classifier.toString(), eval.toString(), 8, 1e-6);
    assertThat(r.passed()).isFalse();
    assertThat(r.rows()).isEqualTo(8);
    assertThat(r.problem()).isEqualTo("the loaded model answers 1 of 8 row(s) differently from the evaluation (tolerance 1.0E-6):"
        + " predictions/part-00000-of-00001.parquet row 3: the probability of class 'pos' was " + storedValue
        + " in the evaluation, the loaded model answers " + original[0]);
    assertThat(r.maxDifference()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-7));
    // The altered row lies beyond the rows compared: the model passes.
    assertThat(InfraValidation.run(classifier.toString(), eval.toString(), 3, 1e-6).passed()).isTrue();
    // A tolerance wider than the change lets it pass.
    assertThat(InfraValidation.run(classifier.toString(), eval.toString(), 8, 0.02).passed()).isTrue();
  }

  @Test
  void aRegressionModelIsComparedOnItsPrediction() throws Exception {
    Path eval = evaluation(regressor, UnaryOperator.identity());
    InfraValidation.Report ok = InfraValidation.run(regressor.toString(), eval.toString(), 8, 1e-6);
    assertThat(ok.problem()).isNull();
    assertThat(ok.rows()).isEqualTo(8);

    List<Double> original = new ArrayList<>();
    Path altered = ModelFixtures.evaluation(dir.resolve("altered"), regressor, ModelFixtures.rows(20, 3), ModelFixtures.BLESSED, p -> {
      original.add((Double) p.get("prediction"));
      p.put("prediction", original.get(original.size() - 1) + 1.0);
      return p;
    });
    double first = (Double) stored(altered).get(0).get("prediction");
    InfraValidation.Report r = InfraValidation.run(regressor.toString(), altered.toString(), 8, 1e-6);
    assertThat(r.problem()).isEqualTo("the loaded model answers 8 of 8 row(s) differently from the evaluation (tolerance 1.0E-6):"
        + " predictions/part-00000-of-00001.parquet row 0: the prediction was " + first + " in the evaluation, the loaded model answers "
        + original.get(0));
  }

  @Test
  void aFolderThatHoldsNoModelDoesNotLoad() throws Exception {
    Path eval = evaluation(classifier, UnaryOperator.identity());
    Path empty = Files.createDirectories(dir.resolve("not-a-model"));
    InfraValidation.Report r = InfraValidation.run(empty.toString(), eval.toString(), 8, 1e-6);
    assertThat(r.problem()).isEqualTo("the model in " + empty + " does not load: IllegalArgumentException: " + empty
        + " is not an exported Beamline model: it has no saved_model.pb and assets.extra/model.json");
  }

  @Test
  void anEvaluationWithoutPredictionsCannotValidateTheModel() throws Exception {
    Path eval = Files.createDirectories(dir.resolve("evaluation"));
    InfraValidation.Report r = InfraValidation.run(classifier.toString(), eval.toString(), 8, 1e-6);
    assertThat(r.problem()).isEqualTo(eval + "/predictions holds no predictions to compare the model's answers with"
        + " (push.infra_validation.rows: 0 pushes without infra validation)");
  }

  @Test
  void theClassifiersEvaluationCannotValidateTheRegressionModel() throws Exception {
    Path eval = evaluation(classifier, UnaryOperator.identity());
    InfraValidation.Report r = InfraValidation.run(regressor.toString(), eval.toString(), 8, 1e-6);
    assertThat(r.problem()).isEqualTo("predictions/part-00000-of-00001.parquet row 0 has no column 'prediction', which the evaluation"
        + " of a regression model writes");
  }
}
