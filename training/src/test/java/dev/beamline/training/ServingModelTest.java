package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingModelTest {
  @TempDir Path dir;

  private static GenericRecord record(Schema schema, Map<String, Object> row) {
    GenericRecord r = new GenericData.Record(schema);
    row.forEach((k, v) -> {
      if (schema.getField(k) != null) {
        r.put(k, v);
      }
    });
    return r;
  }

  @Test
  void scoresRawRecordsAsTheTrainingGraphDoesAndNamesTheColumnOfARowItCannotScore() throws Exception {
    TrainedModelFixture f = TrainedModelFixture.train(dir);
    List<Map<String, Object>> rows = SavedModelExportTest.rawRows(300, 3);
    List<GenericRecord> records = f.evalRows();
    Path modelDir = f.modelDir();

    try (ServingModel model = ServingModel.load(modelDir.toString())) {
      ServingModel.Description d = model.description();
      assertThat(d.task()).isEqualTo("classification");
      assertThat(d.label()).isEqualTo("species");
      assertThat(d.labelInput()).isEqualTo("species");
      assertThat(d.classes()).containsExactly("adelie", "chinstrap", "gentoo");
      assertThat(d.inputs()).containsEntry("seen", ModelSpec.RawFamily.TIMESTAMP).containsEntry("island", ModelSpec.RawFamily.STRING)
          .containsEntry("bill", ModelSpec.RawFamily.NUMERIC).doesNotContainKey("species");

      ServingModel.Scores s = model.score(records);
      assertThat(s.size()).isEqualTo(100);
      double maxDiff = 0;
      for (int i = 0; i < 100; i++) {
        assertThat(s.scored(i)).isTrue();
        for (int k = 0; k < 3; k++) {
          maxDiff = Math.max(maxDiff, Math.abs(s.probability(i, k) - f.trainingProbability(i, k)));
        }
      }
      assertThat(maxDiff).isLessThan(1e-6);

      // Text in a numeric column: that row alone is not scored, and the others score as before.
      Schema textBill = SchemaBuilder.record("Example").fields().optionalString("bill").optionalDouble("mass").optionalDouble("flipper")
          .optionalString("island").optionalString("sex").optionalString("colour").optionalLong("seen").optionalString("note")
          .optionalString("tags").optionalString("species").endRecord();
      List<GenericRecord> mixed = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Map<String, Object> row = new java.util.LinkedHashMap<>(rows.get(200 + i));
        row.put("bill", i == 1 ? "forty" : row.get("bill") == null ? null : row.get("bill").toString());
        mixed.add(record(textBill, row));
      }
      ServingModel.Scores m = model.score(mixed);
      assertThat(m.error(1)).isEqualTo("column 'bill': 'forty' is not a number, and the model takes a number");
      assertThat(m.error(0)).isNull();
      assertThat(m.probabilities(2)).containsExactly(s.probabilities(2));

      // The label's class, through the label's fitted transform exported beside the model.
      for (GenericRecord r : records) {
        assertThat(model.classOf(r)).isEqualTo(TrainedModelFixture.CLASSES.indexOf(r.get("species").toString()));
      }
      GenericRecord unknown = new GenericData.Record(records.get(0).getSchema());
      unknown.put("species", "emperor");
      assertThat(model.classOf(unknown)).isEqualTo(-1);
      unknown.put("species", null);
      assertThat(model.classOf(unknown)).isEqualTo(-1);

      Schema noNote = SchemaBuilder.record("Example").fields().optionalDouble("bill").endRecord();
      ServingModel.Scores missing = model.score(List.of(new GenericData.Record(noNote)));
      assertThat(missing.error(0)).startsWith("no column '").endsWith("', which the model takes as an input");
    }
  }

  @Test
  void refusesAFolderWithoutAModel() {
    assertThatThrownBy(() -> ServingModel.load(dir.toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(dir + " is not an exported Beamline model: it has no saved_model.pb and assets.extra/model.json");
  }
}
