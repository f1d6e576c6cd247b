package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.DataCheckException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema an ingestion reads with: inferred, declared for every column, or declared for some columns
 * with the others inferred.
 */
class ResolvedInputTest {
  private static final String WEATHER =
      "date,precipitation,temp_max,wind,weather\n"
          + "2012-01-01,0.0,12.8,4.7,drizzle\n"
          + "2012-01-02,10.9,10.6,4.5,rain\n";

  @TempDir Path tmp;

  private Path write(String name, String content) throws IOException {
    Path p = tmp.resolve(name);
    Files.writeString(p, content);
    return p;
  }

  private static ExampleSchema schema(Object... nameTypePairs) {
    List<FeatureSpec> features = new ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      features.add(FeatureSpec.of((String) nameTypePairs[i], (FeatureType) nameTypePairs[i + 1]));
    }
    return ExampleSchema.of(features);
  }

  private static ExampleSchema resolve(Path input, ExampleSchema declared) {
    return ResolvedInput.of(IngestExamples.Config.of(input.toString()).withSchema(declared)).schema();
  }

  @Test
  void oneDeclaredColumnLeavesTheOthersToInferenceInFileOrder() throws IOException {
    Path csv = write("weather.csv", WEATHER);

    assertThat(resolve(csv, schema("date", FeatureType.TIMESTAMP)))
        .isEqualTo(schema("date", FeatureType.TIMESTAMP, "precipitation", FeatureType.FLOAT, "temp_max", FeatureType.FLOAT,
            "wind", FeatureType.FLOAT, "weather", FeatureType.STRING));
    // A declared type wins over the inferred one: precipitation as a string.
    assertThat(resolve(csv, schema("precipitation", FeatureType.STRING, "date", FeatureType.TIMESTAMP)))
        .isEqualTo(schema("date", FeatureType.TIMESTAMP, "precipitation", FeatureType.STRING, "temp_max", FeatureType.FLOAT,
            "wind", FeatureType.FLOAT, "weather", FeatureType.STRING));
    // Without a declaration the date is a string, as in TFX.
    assertThat(resolve(csv, null).feature("date").orElseThrow().type()).isEqualTo(FeatureType.STRING);
  }

  @Test
  void aDeclarationOfEveryColumnIsTheSchemaInItsOrderWithoutInference() throws IOException {
    Path csv = write("weather.csv", WEATHER);
    // wind declared a string although every value is a number: nothing was inferred.
    ExampleSchema all = schema("weather", FeatureType.STRING, "date", FeatureType.TIMESTAMP, "wind", FeatureType.STRING,
        "temp_max", FeatureType.FLOAT, "precipitation", FeatureType.FLOAT);

    assertThat(resolve(csv, all)).isEqualTo(all);
  }

  @Test
  void aDeclaredColumnMissingFromAFileNamesTheFileLineAndColumn() throws IOException {
    Path csv = write("weather.csv", WEATHER);

    assertThatThrownBy(() -> resolve(csv, schema("date", FeatureType.TIMESTAMP, "humidity", FeatureType.FLOAT)))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(csv + " line 1: columns do not match the schema; missing [humidity] (declared in ingest.schema;"
            + " the file's columns: date, precipitation, temp_max, wind, weather)");
  }

  @Test
  void everyFileIsCheckedAndTheirColumnsMustAgree() throws IOException {
    Files.createDirectories(tmp.resolve("in"));
    write("in/a.csv", WEATHER);
    Path b = write("in/b.csv", "date,precipitation,weather\n2012-01-03,0.0,sun\n");
    Path c = write("in/c.csv", "precipitation,temp_max,wind,weather,date\n0.0,11.7,2.3,sun,2012-01-04\n");

    assertThatThrownBy(() -> resolve(tmp.resolve("in/*.csv"), schema("wind", FeatureType.FLOAT)))
        .isInstanceOf(DataCheckException.class)
        .hasMessage(b + " line 1: columns do not match the schema; missing [wind] (declared in ingest.schema;"
            + " the file's columns: date, precipitation, weather)");
    Files.delete(b);
    // Columns in another order are the same columns.
    assertThat(resolve(tmp.resolve("in/*.csv"), schema("date", FeatureType.TIMESTAMP)).names())
        .containsExactly("date", "precipitation", "temp_max", "wind", "weather");
    assertThat(c).exists();
  }

  @Test
  void jsonLinesInferTheUndeclaredKeysAndKeepDeclaredKeysNoLineHolds() throws IOException {
    Path jsonl = write("weather.jsonl",
        "{\"date\": \"2012-01-01\", \"wind\": 4.7, \"weather\": \"drizzle\"}\n{\"date\": \"2012-01-02\", \"wind\": 4, \"weather\": null}\n");

    assertThat(resolve(jsonl, schema("date", FeatureType.TIMESTAMP, "humidity", FeatureType.FLOAT)))
        .isEqualTo(schema("date", FeatureType.TIMESTAMP, "wind", FeatureType.FLOAT, "weather", FeatureType.STRING,
            "humidity", FeatureType.FLOAT));
  }
}
