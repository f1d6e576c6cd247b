package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beamline stats --dp-epsilon}: the private release beside the statistics, through the real command line. */
class DpStatsIT {
  private static final Path PENGUINS = Paths.get("../examples/penguins/data/penguins.csv").toAbsolutePath().normalize();

  @TempDir Path tmp;

  @Test
  void theReleaseIsWrittenBesideTheStatisticsWithItsBudget() throws Exception {
    Path out = tmp.resolve("dp");
    BeamlineCliIT.Result r = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--out", out.toString(), "--dp-epsilon", "1e6",
        "--dp-bounds", "body_mass_g=2500:6500", "--dp-domain", "species=Adelie|Chinstrap|Gentoo", "--dp-buckets", "4");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("data: 344 examples, 7 features")
        .contains("dp statistics: " + out.resolve("dp_statistics.json") + " (laplace, epsilon 1000000.0, unit: row, 5 queries; released: body_mass_g, species;"
            + " withheld: island, culmen_length_mm, culmen_depth_mm, flipper_length_mm, sex)")
        .contains("share dp_statistics.json and dp_report.html only");
    assertThat(out.resolve("statistics.json")).exists();
    assertThat(out.resolve("dp_report.html")).content().contains("differentially private statistics");
    JsonNode dp = new ObjectMapper().readTree(out.resolve("dp_statistics.json").toFile());
    assertThat(dp.get("budget").get("total_epsilon").asDouble()).isEqualTo(1e6);
    JsonNode data = dp.get("splits").get(0);
    // With epsilon 10^6 the noisy counts are the exact ones: 344 rows, 342 body masses, 152 Adelie.
    assertThat(data.get("rows").get("value").asLong()).isEqualTo(344);
    assertThat(data.get("numeric").get("body_mass_g").get("count").get("value").asLong()).isEqualTo(342);
    assertThat(data.get("categorical").get("species").get("counts").get("Adelie").asLong()).isEqualTo(152);
    assertThat(data.get("categorical").get("species").get("other").asLong()).isZero();
  }

  @Test
  void dpOptionsAreChecked() {
    BeamlineCliIT.Result noEpsilon = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--out", tmp.resolve("a").toString(), "--dp-bounds", "x=0:1");
    assertThat(noEpsilon.code()).isEqualTo(2);
    assertThat(noEpsilon.err()).contains("--dp-* options need --dp-epsilon");
    BeamlineCliIT.Result lacking = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--out", tmp.resolve("b").toString(),
        "--dp-epsilon", "1", "--dp-bounds", "weight=0:1");
    assertThat(lacking.code()).isEqualTo(2);
    assertThat(lacking.err()).contains("privacy bounds name column 'weight', which the data lacks");
    assertThat(tmp.resolve("b/statistics.json")).doesNotExist();
    BeamlineCliIT.Result bad = BeamlineCliIT.cli("stats", PENGUINS.toString(), "--out", tmp.resolve("c").toString(),
        "--dp-epsilon", "1", "--dp-bounds", "body_mass_g=9:1");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("bad value for --dp-bounds body_mass_g=9:1: bounds of 'body_mass_g' need finite lower < upper, got [9.0, 1.0]");
  }
}
