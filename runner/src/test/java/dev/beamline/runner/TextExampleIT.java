package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.training.ServingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled text example, {@code examples/earthquakes}, as a user runs it: the words of a place through
 * a trained embedding predict the seismic network. Training is deterministic (seed, DirectRunner, one
 * small shard per split), so the figures the README quotes are asserted exactly; the exported model
 * takes the raw text, with the transform folder gone.
 */
class TextExampleIT {
  private static final Path EXAMPLE = Paths.get("../examples/earthquakes").toAbsolutePath().normalize();
  @TempDir Path dir;

  @Test
  void earthquakesExampleTrainsATextClassifierAndServesRawText() throws Exception {
    Path example = dir.resolve("earthquakes");
    try (Stream<Path> files = Files.walk(EXAMPLE)) {
      for (Path f : files.toList()) {
        Path target = example.resolve(EXAMPLE.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
    Path root = dir.resolve("runs");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("run", example.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("splits: train=1174, eval=533")
        .contains("2 features fitted on train: net: id (12), place: ids (346)")
        .contains("best epoch 5: eval accuracy 0.9231, AUC 0.9922")
        .contains("533 rows scored (0 unscored), 1 slice(s): accuracy 0.9231")
        .contains("BLESSED");

    // The SavedModel alone: no transform folder, no vocabulary file beside it.
    Path model = root.resolve("earthquakes/train/3");
    Path moved = dir.resolve("model");
    Files.move(model, moved);
    deleteTree(root.resolve("earthquakes/transform"));
    try (ServingModel serving = ServingModel.load(moved.toString())) {
      assertThat(serving.description().inputs()).containsOnlyKeys("place");
      assertThat(predicted(serving, "12km NE of Anza, CA")).isEqualTo("ci");
      assertThat(predicted(serving, "45km SW of Kodiak, Alaska")).isEqualTo("ak");
    }
  }

  /** The class the model gives the place {@code place}. */
  private static String predicted(ServingModel serving, String place) {
    Schema schema = SchemaBuilder.record("row").fields().optionalString("place").endRecord();
    GenericRecord row = new GenericData.Record(schema);
    row.put("place", place);
    ServingModel.Scores scores = serving.score(List.of(row));
    assertThat(scores.scored(0)).as(scores.error(0)).isTrue();
    double[] p = scores.probabilities(0);
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      best = p[k] > p[best] ? k : best;
    }
    return serving.description().classes().get(best);
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
