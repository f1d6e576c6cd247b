package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data validation in the pipeline, on the penguins example and on a broken copy of it. */
class ValidationIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private BeamlineCliIT.Result run(Path yaml, String... extra) {
    List<String> args = new ArrayList<>(List.of("run", yaml.toString(), "--pipeline-root", tmp.resolve("runs").toString()));
    args.addAll(List.of(extra));
    return BeamlineCliIT.cli(args.toArray(new String[0]));
  }

  @Test
  void theExampleProducesStatisticsSchemaAndReport() throws Exception {
    BeamlineCliIT.Result r = run(EXAMPLE_DIR.resolve("pipeline.yaml"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Path runs = tmp.resolve("runs/penguins");
    JsonNode stats = JSON.readTree(Files.readString(runs.resolve("statistics/2/statistics.json")));
    assertThat(stats.get("splits")).hasSize(2);
    JsonNode train = stats.get("splits").get(0);
    assertThat(train.get("split").asText()).isEqualTo("train");
    JsonNode mass = null;
    for (JsonNode f : train.get("features")) {
      if (f.get("name").asText().equals("body_mass_g")) {
        mass = f;
      }
    }
    assertThat(mass).isNotNull();
    assertThat(mass.get("numeric").get("min").asDouble()).isGreaterThanOrEqualTo(2700);
    assertThat(mass.get("numeric").get("equal_width").get("buckets")).hasSize(10);
    String schema = Files.readString(runs.resolve("schema/3/schema.yaml"));
    assertThat(schema).contains("species:").contains("- Adelie").contains("- Gentoo").contains("body_mass_g:");
    JsonNode anomalies = JSON.readTree(Files.readString(runs.resolve("validate/4/anomalies.json")));
    assertThat(anomalies.get("anomalies_count").asInt()).isZero();
    assertThat(runs.resolve("validate/4/report.html")).exists();
    assertThat(r.out()).contains("validate: ran as execution #4").contains("0 anomalies (0 errors)");
    assertRendered(runs.resolve("validate/4/report.html"), List.of("penguins — data report", "No anomalies", "body_mass_g", "species", "Adelie"));
  }

  /**
   * A copy of the data with a new category, a numeric shift and a missing column, checked against the
   * schema of the first run (imported, as a curated schema is) and drift against its statistics: it
   * fails with exactly those three anomalies, in every split.
   */
  @Test
  void brokenCopyFailsWithExactlyTheExpectedAnomalies() throws Exception {
    Path dir = tmp.resolve("example");
    Files.createDirectories(dir.resolve("data"));
    Path yaml = dir.resolve("pipeline.yaml");
    Files.copy(EXAMPLE_DIR.resolve("pipeline.yaml"), yaml);
    Files.copy(EXAMPLE_DIR.resolve("data/penguins.csv"), dir.resolve("data/penguins.csv"));
    assertThat(run(yaml).code()).isZero();
    Path schema = tmp.resolve("runs/penguins/schema/3/schema.yaml");

    // The broken copy: no sex column, body mass up by 1500 g, every 20th penguin an Emperor.
    List<String> lines = Files.readAllLines(EXAMPLE_DIR.resolve("data/penguins.csv"));
    List<String> broken = new ArrayList<>();
    broken.add("species,island,culmen_length_mm,culmen_depth_mm,flipper_length_mm,body_mass_g");
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",", -1);
      String species = i % 20 == 0 ? "Emperor" : f[0];
      String mass = f[5].isEmpty() ? "" : String.valueOf(Long.parseLong(f[5]) + 1500);
      broken.add(String.join(",", species, f[1], f[2], f[3], f[4], mass));
    }
    Files.write(dir.resolve("data/penguins.csv"), broken);
    Files.writeString(yaml, Files.readString(yaml).replace("# schema_file: schema.yaml ", "schema_file: " + schema + " "));

    BeamlineCliIT.Result r = run(yaml);
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err()).contains("check failed: data validation found 6 anomalies (6 errors)")
        .contains("ERROR MISSING_FEATURE sex (train)")
        .contains("ERROR OUT_OF_DOMAIN species (train)").contains("e.g. Emperor")
        .contains("ERROR DRIFT body_mass_g (train): drift from the previous span: Jensen-Shannon divergence");
    Path validate = Files.list(tmp.resolve("runs/penguins/validate")).filter(p -> !p.getFileName().toString().startsWith("."))
        .max(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString()))).orElseThrow();
    JsonNode anomalies = JSON.readTree(Files.readString(validate.resolve("anomalies.json")));
    List<String> found = new ArrayList<>();
    for (JsonNode a : anomalies.get("anomalies")) {
      found.add(a.get("type").asText() + " " + a.get("feature").asText() + " " + a.get("split").asText());
    }
    assertThat(found).containsExactlyInAnyOrder(
        "MISSING_FEATURE sex train", "OUT_OF_DOMAIN species train", "DRIFT body_mass_g train",
        "MISSING_FEATURE sex eval", "OUT_OF_DOMAIN species eval", "DRIFT body_mass_g eval");
    assertRendered(validate.resolve("report.html"), List.of("6 anomalies, 6 of them errors", "MISSING_FEATURE", "OUT_OF_DOMAIN", "DRIFT", "Emperor"));
  }

  @Test
  void standaloneCommandsComputeInferAndValidate() throws Exception {
    Path csv = EXAMPLE_DIR.resolve("data/penguins.csv");
    Path stats = tmp.resolve("stats");
    BeamlineCliIT.Result s = BeamlineCliIT.cli("stats", csv.toString(), "--out", stats.toString());
    assertThat(s.code()).as(s.err()).isZero();
    assertThat(s.out()).contains("data: 344 examples, 7 features");
    assertThat(stats.resolve("report.html")).exists();
    // No schema was given: the report must not claim that the data match one.
    assertThat(Files.readString(stats.resolve("report.html"))).contains("No schema given: anomalies were not checked.").doesNotContain("No anomalies");

    Path schema = tmp.resolve("schema.yaml");
    BeamlineCliIT.Result i = BeamlineCliIT.cli("infer-schema", stats.toString(), "--out", schema.toString());
    assertThat(i.code()).as(i.err()).isZero();
    assertThat(Files.readString(schema)).contains("species:").contains("- Chinstrap");

    BeamlineCliIT.Result ok = BeamlineCliIT.cli("validate", csv.toString(), "--schema", schema.toString(), "--baseline",
        stats.toString(), "--out", tmp.resolve("v1").toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("0 anomalies (0 errors)");

    // A schema that expects another feature: exit code 1, the anomaly named.
    Files.writeString(schema, Files.readString(schema) + "  wingspan_mm:\n    type: float\n");
    BeamlineCliIT.Result bad = BeamlineCliIT.cli("validate", stats.resolve("statistics.json").toString(), "--schema", schema.toString(),
        "--out", tmp.resolve("v2").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("ERROR MISSING_FEATURE wingspan_mm (data)");
    assertThat(Files.readString(tmp.resolve("v2/anomalies.json"))).contains("\"MISSING_FEATURE\"");

    // A broken schema file names its line.
    Files.writeString(schema, "features:\n  a:\n    typ: int\n");
    BeamlineCliIT.Result broken = BeamlineCliIT.cli("validate", csv.toString(), "--schema", schema.toString());
    assertThat(broken.code()).isEqualTo(2);
    assertThat(broken.err()).contains(schema + " line 3: unknown key 'features.a.typ'; did you mean 'type'?");
  }

  /** Renders {@code html} in headless Chromium to PDF and checks the text a reader sees there. */
  static void assertRendered(Path html, List<String> texts) throws IOException, InterruptedException {
    String chromium = which("chromium");
    String pdftotext = which("pdftotext");
    if (chromium == null || pdftotext == null) {
      String message = "SKIPPED rendering: chromium and pdftotext are not installed here (.ci/run installs them)";
      System.err.println(message);
      Assumptions.abort(message);
    }
    Path pdf = html.resolveSibling("report-rendered.pdf");
    Path profile = Files.createTempDirectory("chromium-profile");
    ProcessBuilder render =
        new ProcessBuilder(
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--no-pdf-header-footer", "--print-to-pdf=" + pdf, html.toUri().toString())
            .redirectErrorStream(true)
            .redirectOutput(html.resolveSibling("chromium.log").toFile());
    try (ChildProcess p = ChildProcess.start(render)) {
      p.waitFor(Duration.ofMinutes(2));
    }
    assertThat(pdf).as(Files.readString(html.resolveSibling("chromium.log"))).exists();
    Path textFile = html.resolveSibling("report-rendered.txt");
    try (ChildProcess t = ChildProcess.start(new ProcessBuilder(pdftotext, "-layout", pdf.toString(), textFile.toString()).redirectErrorStream(true))) {
      assertThat(t.waitFor(Duration.ofMinutes(1))).as("pdftotext's exit code").isZero();
    }
    String text = Files.readString(textFile, StandardCharsets.UTF_8);
    for (String expected : texts) {
      assertThat(text).as("the rendered page shows '%s'", expected).contains(expected);
    }
  }

  private static String which(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File f = new File(dir, command);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }
}
