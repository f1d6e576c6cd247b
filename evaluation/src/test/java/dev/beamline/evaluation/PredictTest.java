package dev.beamline.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.training.ServingModel;
import dev.beamline.training.TrainedModelFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@link Predict} and {@link WritePredictions} on a real SavedModel ({@link TrainedModelFixture}) in a
 * TestPipeline with the DirectRunner's immutability and encodability checks on: the good rows' answers
 * are exactly what {@link ServingModel#score} says of them, and every other row is in the dead-letter
 * file with its reason.
 */
public class PredictTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Where the bad rows go among the 100 good ones, and what their {@code bill} holds. */
  private static final Map<Integer, String> BAD = Map.of(10, "abc", 70, "12,5");

  @ClassRule public static final TemporaryFolder CLASS_FOLDER = new TemporaryFolder();
  private static TrainedModelFixture fixture;
  /** The fixture's eval rows with an {@code id} (their index) and {@code bill} as text, the bad rows among them. */
  private static Schema schema;
  private static List<GenericRecord> rows;

  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @BeforeClass
  public static void trainTheModel() {
    fixture = TrainedModelFixture.train(CLASS_FOLDER.getRoot().toPath().resolve("fixture"));
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("Example").namespace("dev.beamline").fields().requiredLong("id");
    for (Schema.Field f : fixture.rawSchema().getFields()) {
      fields = f.name().equals("bill") ? fields.optionalString("bill") : fields.name(f.name()).type(f.schema()).withDefault(null);
    }
    schema = fields.endRecord();
    rows = new ArrayList<>();
    List<GenericRecord> good = fixture.evalRows();
    for (int i = 0; i < good.size(); i++) {
      rows.add(row(rows.size(), good.get(i), null));
      if (BAD.containsKey(i)) {
        rows.add(row(rows.size(), good.get(i), BAD.get(i)));
      }
    }
  }

  /** {@code from} as a row of {@link #schema}, numbered {@code id}; with {@code bill} instead of its own when given. */
  private static GenericRecord row(long id, GenericRecord from, String bill) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", id);
    for (Schema.Field f : fixture.rawSchema().getFields()) {
      r.put(f.name(), from.get(f.name()));
    }
    Object b = from.get("bill");
    r.put("bill", bill != null ? bill : b == null ? null : Double.toString((Double) b));
    return r;
  }

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  private PCollection<ExampleBatch> batches() {
    return p.apply("Rows", Create.of(ExampleBatch.of(rows.subList(0, 40)), ExampleBatch.of(rows.subList(40, rows.size())))
        .withCoder(ExampleBatch.coder(schema)));
  }

  private static String modelDir() {
    return fixture.modelDir().toString();
  }

  @Test
  public void predictsTheGoodRowsAsServingModelScoresThemAndDeadLettersTheOthersWithTheirReasons() throws IOException {
    RejectedRow rejected = new RejectedRow("/data/penguins.csv", 12, null, "expected 10 fields, found 11", "a,b,c,d,e,f,g,h,i,j,k");
    String out = folder.getRoot().toPath().resolve("predictions").toString();
    PredictionResult result = batches()
        .apply(Predict.of(modelDir(), ServingModel.describe(modelDir()), schema))
        .withRejected(p.apply("Rejected", Create.of(rejected).withCoder(SerializableCoder.of(RejectedRow.class))));
    PAssert.that(result.unscored()).satisfies(lines -> {
      assertThat(lines).hasSize(3);
      return null;
    });
    WritePredictions.to(new StageOutput(out, "predict-1", "{\"run\": \"predict-1\"}")).apply(result);
    p.run().waitUntilFinish();

    // Published with one rename: nothing staged is left.
    assertThat(Files.exists(folder.getRoot().toPath().resolve(".staging-predictions"))).isFalse();
    assertThat(Storage.readString(Storage.resolve(out, "provenance.json"))).isEqualTo("{\"run\": \"predict-1\"}");
    JsonNode summary = JSON.readTree(Storage.readString(Storage.resolve(out, WritePredictions.SUMMARY_FILE)));
    assertThat(summary.path("rows").asLong()).isEqualTo(103);
    assertThat(summary.path("scored").asLong()).isEqualTo(100);
    assertThat(summary.path("unscored").asLong()).isEqualTo(2);
    assertThat(summary.path("rejected").asLong()).isEqualTo(1);

    // Every input column, then the answer; exactly ServingModel's probabilities for the good rows.
    List<GenericRecord> predictions = read(out);
    assertThat(predictions).hasSize(100);
    Schema written = predictions.get(0).getSchema();
    List<String> columns = written.getFields().stream().map(Schema.Field::name).toList();
    assertThat(columns).containsExactly("id", "bill", "mass", "flipper", "island", "sex", "colour", "seen", "note", "tags", "species",
        "predicted_id", "predicted_class", "probabilities");
    assertAnswersAreServingModels(predictions);
    for (GenericRecord g : predictions) {
      GenericRecord in = rows.get(((Number) g.get("id")).intValue());
      assertThat(g.get("species").toString()).isEqualTo(in.get("species").toString());
      assertThat(String.valueOf(g.get("bill"))).isEqualTo(String.valueOf(in.get("bill")));
    }

    // The dead letters: the model's reason naming the column, with the row; the reader's naming file and line.
    Map<Long, JsonNode> unscored = new HashMap<>();
    JsonNode reader = null;
    for (JsonNode line : deadLetters(out)) {
      if (UnscoredRows.isRejected(line)) {
        reader = line;
      } else {
        unscored.put(line.path("row").path("id").asLong(), line);
      }
    }
    assertThat(unscored).hasSize(2);
    assertThat(unscored.get(11L).path("reason").asText()).isEqualTo("column 'bill': 'abc' is not a number, and the model takes a number");
    assertThat(unscored.get(11L).path("row").path("bill").asText()).isEqualTo("abc");
    assertThat(unscored.get(11L).path("row").path("species").asText()).isEqualTo(rows.get(11).get("species").toString());
    assertThat(unscored.get(72L).path("reason").asText()).isEqualTo("column 'bill': '12,5' is not a number, and the model takes a number");
    assertThat(reader).isNotNull();
    assertThat(reader.path("reason").asText()).isEqualTo("/data/penguins.csv line 12: expected 10 fields, found 11");
    assertThat(reader.path("file").asText()).isEqualTo("/data/penguins.csv");
    assertThat(reader.path("line").asLong()).isEqualTo(12);
    assertThat(reader.path("field").isNull()).isTrue();
    assertThat(reader.path("content").asText()).isEqualTo("a,b,c,d,e,f,g,h,i,j,k");
    assertThat(UnscoredRows.count(Storage.resolve(out, WritePredictions.UNSCORED_DIR))).isEqualTo(new UnscoredRows.Counts(2, 1));
  }

  @Test
  public void keepsOnlyTheKeyColumnsBesideTheAnswer() throws IOException {
    String out = folder.getRoot().toPath().resolve("keyed").toString();
    PredictionResult result = batches().apply(Predict.of(modelDir(), ServingModel.describe(modelDir()), schema).withKeys(List.of("species", "id")));
    WritePredictions.to(new StageOutput(out, "predict-2", null)).apply(result);
    p.run().waitUntilFinish();

    List<GenericRecord> predictions = read(out);
    assertThat(predictions).hasSize(100);
    assertThat(predictions.get(0).getSchema().getFields().stream().map(Schema.Field::name).toList())
        .containsExactly("id", "species", "predicted_id", "predicted_class", "probabilities");
    assertAnswersAreServingModels(predictions);
    assertThat(deadLetters(out)).hasSize(2);
    assertThat(Storage.exists(Storage.resolve(out, "provenance.json"))).isFalse();
  }

  @Test
  public void moreUnscoredRowsThanAllowedPublishOnlyTheDeadLettersAndFail() throws IOException {
    Path root = folder.getRoot().toPath();
    String out = root.resolve("strict").toString();
    PredictionResult result = batches().apply(Predict.of(modelDir(), ServingModel.describe(modelDir()), schema));
    // 2 of 102 rows: 1.96%, more than 1%.
    WritePredictions.to(new StageOutput(out, "predict-3", null)).withMaxUnscoredFraction(0.01).apply(result);
    assertThatThrownBy(() -> p.run().waitUntilFinish())
        .satisfies(e -> assertThat(DataCheckException.findIn(e)).isNotNull())
        .satisfies(e -> assertThat(DataCheckException.findIn(e).getMessage()).isEqualTo(
            "2 of 102 rows (1.96%) got no prediction (2 unscored by the model, 0 rejected by the reader), more than the allowed 1.00%"
                + " (max unscored fraction 0.01); all are in " + Storage.resolve(out, "unscored")));
    try (var files = Files.list(Path.of(out))) {
      assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("unscored");
    }
    assertThat(deadLetters(out)).hasSize(2);
    assertThat(Files.exists(root.resolve(".staging-strict"))).isFalse();
  }

  @Test
  public void keysMustBeColumnsAndMustNotClashWithTheAnswer() {
    ServingModel.Description model = ServingModel.describe(modelDir());
    assertThatThrownBy(() -> Predict.of(modelDir(), model, schema).withKeys(List.of("id", "nope", "bill_mm")).predictionSchema())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key column(s) [nope, bill_mm] are not columns of the data (columns: [id, bill, mass, flipper, island, sex, colour,"
            + " seen, note, tags, species])");
    Schema clashing = SchemaBuilder.record("Example").fields().optionalString("predicted_class").optionalDouble("bill").endRecord();
    assertThatThrownBy(() -> Predict.of(modelDir(), model, clashing).predictionSchema())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the data has a column 'predicted_class', which the predictions file adds; rename it or leave it out of the keys"
            + " (added columns: [predicted_id, predicted_class, probabilities])");
    assertThat(Predict.of(modelDir(), model, clashing).withKeys(List.of("bill")).predictionSchema().getFields()).hasSize(4);
    assertThatThrownBy(() -> Predict.of(modelDir(), model, schema).withKeys(List.of("id", "id")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keys must name each column once; got [id, id]");
  }

  /** Each prediction's answer is what ServingModel says of the fixture's row it came from. */
  private static void assertAnswersAreServingModels(List<GenericRecord> predictions) {
    List<GenericRecord> good = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (GenericRecord r : rows) {
      String bill = r.get("bill") == null ? null : r.get("bill").toString();
      if (bill == null || !BAD.containsValue(bill)) {
        good.add(r);
        ids.add((Long) r.get("id"));
      }
    }
    assertThat(good).hasSize(100);
    try (ServingModel m = ServingModel.load(modelDir())) {
      ServingModel.Scores s = m.score(fixture.evalRows());
      Map<Long, Integer> index = new HashMap<>();
      for (int i = 0; i < ids.size(); i++) {
        index.put(ids.get(i), i);
      }
      for (GenericRecord g : predictions) {
        int i = index.get((Long) g.get("id"));
        assertThat(s.scored(i)).isTrue();
        double[] expected = s.probabilities(i);
        @SuppressWarnings("unchecked")
        List<Double> probabilities = (List<Double>) g.get(PredictionColumns.PROBABILITIES);
        assertThat(probabilities).as("row %s", i).containsExactly(expected[0], expected[1], expected[2]);
        int argmax = PredictionRows.argmax(expected);
        assertThat(g.get(PredictionColumns.PREDICTED_ID)).isEqualTo((long) argmax);
        assertThat(g.get(PredictionColumns.PREDICTED_CLASS).toString()).isEqualTo(TrainedModelFixture.CLASSES.get(argmax));
      }
    }
  }

  private static List<GenericRecord> read(String out) throws IOException {
    List<GenericRecord> predictions = new ArrayList<>();
    for (String file : Storage.list(Storage.resolve(out, WritePredictions.PREDICTIONS_DIR))) {
      assertThat(Storage.fileName(file)).startsWith("part").endsWith(".parquet");
      try (ExampleRecordReader r = ExampleRecordReader.open(file)) {
        for (GenericRecord g = r.read(); g != null; g = r.read()) {
          predictions.add(g);
        }
      }
    }
    return predictions;
  }

  private static List<JsonNode> deadLetters(String out) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String file : Storage.list(Storage.resolve(out, WritePredictions.UNSCORED_DIR))) {
      assertThat(Storage.fileName(file)).startsWith("unscored").endsWith(".jsonl");
      for (String line : Storage.readString(file).split("\n")) {
        if (!line.isEmpty()) {
          lines.add(JSON.readTree(line));
        }
      }
    }
    return lines;
  }
}
