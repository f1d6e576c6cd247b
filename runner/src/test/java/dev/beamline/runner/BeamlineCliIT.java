package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.ingest.IngestOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real command line, in this JVM, on the bundled example and on broken copies of it. */
class BeamlineCliIT {
  private static final Path EXAMPLE_DIR = Paths.get("../examples/penguins").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = BeamlineCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** A copy of the example pipeline reading {@code csv}, with {@code extra} appended to its ingest section. */
  private Path pipeline(String csvContent, String extra) throws IOException {
    Path dir = tmp.resolve("p");
    Files.createDirectories(dir.resolve("data"));
    if (csvContent != null) {
      Files.writeString(dir.resolve("data/penguins.csv"), csvContent);
    }
    Path yaml = dir.resolve("pipeline.yaml");
    // Extra ingest keys go at the end of the ingest section, before validation.
    String example = Files.readString(EXAMPLE_DIR.resolve("pipeline.yaml"));
    int validation = example.indexOf("\nvalidation:");
    Files.writeString(yaml, example.substring(0, validation) + "\n" + extra + example.substring(validation));
    return yaml;
  }

  private static Path onlyRun(Path root) throws IOException {
    Path stage = root.resolve("penguins/ingest");
    try (Stream<Path> runs = Files.list(stage)) {
      List<Path> all = runs.filter(p -> !p.getFileName().toString().startsWith(".")).toList();
      assertThat(all).hasSize(1);
      return all.get(0);
    }
  }

  @Test
  void runsTheBundledExample() throws IOException {
    Path root = tmp.resolve("runs");
    Result r = cli("run", EXAMPLE_DIR.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString(), "--run-id", "first");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("running pipeline 'penguins', run first, on DirectRunner").contains("344 rows (0 rejected) from 1 file(s)");

    // Outputs are named by execution id: this is the store's first execution.
    Path run = root.resolve("penguins/ingest/1");
    assertThat(onlyRun(root)).isEqualTo(run);
    try (Stream<Path> files = Files.list(run)) {
      assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
          // .published: the runner's mark that the stage's publish step finished (no part of the artifact).
          .containsExactly(".published", "dead_letter", "examples", "fingerprint.json", "provenance.json", "schema.avsc");
    }
    IngestOutput out = IngestOutput.open(run);
    JsonNode f = out.fingerprint();
    assertThat(f.get("rows").asLong()).isEqualTo(344);
    assertThat(f.get("rejected").asLong()).isZero();
    assertThat(f.get("files").get(0).get("bytes").asLong()).isEqualTo(Files.size(EXAMPLE_DIR.resolve("data/penguins.csv")));
    assertThat(out.splitNames()).containsExactly("train", "eval");
    List<GenericRecord> train = out.readSplit("train");
    List<GenericRecord> eval = out.readSplit("eval");
    assertThat(train.size()).isEqualTo(f.get("splits").get("train").asLong());
    assertThat(eval.size()).isEqualTo(f.get("splits").get("eval").asLong());
    // The split is the FarmHash fingerprint of each row modulo 3 (two buckets train, one eval): the
    // same sizes on every run, runner and machine (229 +- 8.7 expected of a random split).
    assertThat(train.size()).isEqualTo(220);
    assertThat(eval.size()).isEqualTo(124);
    assertThat(out.schema().names())
        .containsExactly("species", "island", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g", "sex");
    assertThat(out.schema().feature("body_mass_g").orElseThrow().type().configName()).isEqualTo("int");
    assertThat(out.schema().feature("culmen_length_mm").orElseThrow().type().configName()).isEqualTo("float");
    assertThat(out.rejectedRows()).isEmpty();
    assertThat(root.resolve("penguins/ingest/.staging-1")).doesNotExist();
    assertThat(root.resolve("penguins/logs/first.log")).content().contains("344 rows (0 rejected)");

    // The same data twice (the cache bypassed) gives the same split and the same fingerprint.
    Result again =
        cli("run", EXAMPLE_DIR.resolve("pipeline.yaml").toString(), "--pipeline-root", root.toString(), "--run-id", "second", "--no-cache");
    assertThat(again.code()).isZero();
    // The second run's ingestion: the folder besides the first one's (execution 1).
    Path secondDir;
    try (java.util.stream.Stream<Path> dirs = java.nio.file.Files.list(root.resolve("penguins/ingest"))) {
      secondDir = dirs.filter(d -> d.getFileName().toString().matches("\\d+") && !d.getFileName().toString().equals("1")).findFirst().orElseThrow();
    }
    IngestOutput second = IngestOutput.open(secondDir);
    assertThat(second.fingerprint().get("fingerprint")).isEqualTo(f.get("fingerprint"));
    assertThat(second.fingerprint().get("splits")).isEqualTo(f.get("splits"));
    assertThat(strings(second.readSplit("eval"))).containsExactlyInAnyOrderElementsOf(strings(eval));
  }

  private static List<String> strings(List<GenericRecord> records) {
    List<String> s = new ArrayList<>();
    records.forEach(r -> s.add(r.toString()));
    return s;
  }

  @Test
  void malformedRowsFailWithExitCode1AndLandInTheDeadLetterFile() throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(EXAMPLE_DIR.resolve("data/penguins.csv")));
    lines.add(3, "Adelie,Torgersen,36.7,19.3"); // line 4
    lines.add(6, "Adelie,\"Torgersen,39.3,20.6,190,3650,MALE"); // line 7: the quote runs to the end
    Path yaml = pipeline(String.join("\n", lines) + "\n", "");
    Path root = tmp.resolve("runs");
    Result r = cli("run", yaml.toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    Path csv = yaml.getParent().resolve("data/penguins.csv");
    Path run = onlyRun(root);
    assertThat(r.err())
        .contains("beamline: check failed: 342 of 346 rows (98.84%) were rejected, more than the allowed 0.00%"
            + " (ingest.max_rejected_fraction); all are in " + run.resolve("dead_letter"))
        .contains(csv + " line 4: expected 7 fields, found 4")
        .contains(csv + " line 7: quoted field starting on line 7 is never closed: the record takes the rest of the input,"
            + " 341 lines (counted as 341 rejected rows)");
    List<JsonNode> dead = new ArrayList<>();
    for (String line : IngestOutput.readDeadLetters(run)) {
      dead.add(JSON.readTree(line));
    }
    dead.sort((a, b) -> Long.compare(a.get("line").asLong(), b.get("line").asLong()));
    assertThat(dead).extracting(d -> d.get("line").asLong()).containsExactly(4L, 7L);
    assertThat(dead.get(0).get("field").isNull()).isTrue();
    assertThat(dead.get(0).get("reason").asText()).isEqualTo("expected 7 fields, found 4");
    assertThat(dead.get(0).get("content").asText()).isEqualTo("Adelie,Torgersen,36.7,19.3");
    // The unclosed quote took the rest of the file (13 KB, under the record bound): all of it is kept in
    // the dead letter, and every line it took is counted as a rejected row.
    assertThat(dead.get(1).get("rows").asLong()).isEqualTo(341);
    assertThat(dead.get(1).get("content").asText())
        .startsWith("Adelie,\"Torgersen,39.3,20.6,190,3650,MALE\n")
        .endsWith("Gentoo,Biscoe,49.9,16.1,213,5400,MALE\n\"");
    assertThat(run.resolve("examples")).doesNotExist();
  }

  /**
   * Inferred types follow the data: an unparsable number makes its column a string and nothing is
   * rejected at ingestion; validation then stops the run, since most of that column's values fall
   * outside the domain inferred from the training split.
   */
  @Test
  void inferenceWidensAColumnAndValidationCatchesIt() throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(EXAMPLE_DIR.resolve("data/penguins.csv")));
    lines.add(3, "Adelie,Torgersen,40.3,18,195,heavy,FEMALE");
    Path yaml = pipeline(String.join("\n", lines) + "\n", "");
    Path root = tmp.resolve("runs");
    Result r = cli("run", yaml.toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).contains("ERROR OUT_OF_DOMAIN body_mass_g (eval)");
    IngestOutput out = IngestOutput.open(onlyRun(root));
    assertThat(out.schema().feature("body_mass_g").orElseThrow().type().configName()).isEqualTo("string");
    assertThat(out.rejectedRows()).isEmpty();
  }

  @Test
  void wrongTypesAreRejectedAgainstADeclaredSchema() throws IOException {
    String csv = "species,island,culmen_length_mm,culmen_depth_mm,flipper_length_mm,body_mass_g,sex\n"
        + "Adelie,Torgersen,39.1,18.7,181,3750,MALE\n"
        + "Adelie,Torgersen,39.5,17.4,186.5,3800,FEMALE\n";
    Path yaml = pipeline(csv, "  schema: {species: string, island: string, culmen_length_mm: float, culmen_depth_mm: float,"
        + " flipper_length_mm: int, body_mass_g: int, sex: string}\n");
    Result r = cli("run", yaml.toString(), "--pipeline-root", tmp.resolve("runs").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("1 of 2 rows (50.00%) were rejected")
        .contains("line 3, field flipper_length_mm: '186.5' is not an integer (expected int)");
  }

  @Test
  void rejectedRowsUnderTheThresholdPass() throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(EXAMPLE_DIR.resolve("data/penguins.csv")));
    lines.add(3, "Adelie,Torgersen,40.3");
    Path yaml = pipeline(String.join("\n", lines) + "\n", "");
    Files.writeString(yaml, Files.readString(yaml).replaceAll("max_rejected_fraction: 0(\\s)", "max_rejected_fraction: 0.01$1"));
    Path root = tmp.resolve("runs");
    Result r = cli("run", yaml.toString(), "--pipeline-root", root.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("344 rows (1 rejected)");
    assertThat(IngestOutput.open(onlyRun(root)).rejectedRows()).hasSize(1);
  }

  @Test
  void emptyInputFailsWithExitCode1() throws IOException {
    Path yaml = pipeline("", "");
    Result r = cli("run", yaml.toString(), "--pipeline-root", tmp.resolve("runs").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("beamline: check failed: " + yaml.getParent().resolve("data/penguins.csv") + ": the input file is empty");
  }

  @Test
  void missingInputFailsWithExitCode2() throws IOException {
    Path yaml = pipeline(null, "");
    Result r = cli("run", yaml.toString(), "--pipeline-root", tmp.resolve("runs").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("beamline: input file not found: nothing matches '" + yaml.getParent().resolve("data/penguins.csv") + "'");
  }

  @Test
  void unknownConfigKeyFailsWithExitCode2() throws IOException {
    Path yaml = pipeline("a\n1\n", "  max_rejected_fractoin: 0.1\n");
    Result r = cli("run", yaml.toString());
    assertThat(r.code()).isEqualTo(2);
    int line = Files.readAllLines(yaml).indexOf("  max_rejected_fractoin: 0.1") + 1;
    assertThat(r.err()).contains(yaml + " line " + line + ": unknown key 'ingest.max_rejected_fractoin'; did you mean 'max_rejected_fraction'?");
  }

  @Test
  void missingPipelineFileFailsWithExitCode2() {
    Result r = cli("run", tmp.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("beamline: pipeline file not found: " + tmp.resolve("nope.yaml"));
  }

  @Test
  void usageErrorsExitWith2() {
    assertThat(cli().code()).isEqualTo(2);
    Result noFile = cli("run");
    assertThat(noFile.code()).isEqualTo(2);
    assertThat(noFile.err()).contains("Missing required parameter: '<pipeline.yaml>'");
    assertThat(cli("frobnicate").code()).isEqualTo(2);
    Result runner = cli("run", EXAMPLE_DIR.resolve("pipeline.yaml").toString(), "--runner", "spark", "--pipeline-root", tmp.toString());
    assertThat(runner.code()).isEqualTo(2);
    assertThat(runner.err()).contains("unknown runner 'spark'; expected direct or flink");
    Result beamOption = cli("run", EXAMPLE_DIR.resolve("pipeline.yaml").toString(), "--noSuchBeamOption=1", "--pipeline-root", tmp.toString());
    assertThat(beamOption.code()).isEqualTo(2);
    assertThat(beamOption.err()).contains("bad Beam option").contains("noSuchBeamOption");
  }

  @Test
  void helpAndVersion() {
    Result help = cli("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: beamline").contains("run").contains("Exit codes:");
    Result runHelp = cli("run", "--help");
    assertThat(runHelp.code()).isZero();
    assertThat(runHelp.out()).contains("--runner").contains("--parallelism").contains("--pipeline-root");
    Result version = cli("--version");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("beamline ").contains("Apache Beam 2.62.0");
  }
}
