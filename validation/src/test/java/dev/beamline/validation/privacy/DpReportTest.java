package dev.beamline.validation.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.privacy.NoiseSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page of a release: the guarantee, the budget, the withheld columns and the noisy values, escaped. */
class DpReportTest {
  @Test
  void showsTheGuaranteeTheBudgetAndTheReleasedValues() {
    DpQueryPlan plan = DpSumsTest.plan(DpSumsTest.config().withEpsilon(1e6).withDomain("s", List.of("a<b", "b")));
    DpSums s = DpSums.empty(plan, "train");
    DpSumsTest.table().forEach(s::add);
    String html = DpReport.render("t&t", NoisyRelease.of(plan, List.of(s), NoiseSource.deterministicForTests(1)));
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<title>t&amp;t — differentially private statistics</title>")
        .contains("Laplace mechanism: (ε = 1,000,000)-differential privacy, unit of privacy: row")
        .contains("statistics.json and report.html are exact and are not private")
        .contains("5 queries per split share the budget equally (basic composition; the splits hold disjoint rows and compose in parallel); total ε 1,000,000.")
        .contains("<td class=\"l\">train/x/sum</td><td>1</td><td>5</td><td>5</td><td>200,000</td><td>2.500e-05</td>")
        .contains("<td class=\"l\">u</td>")
        .contains("<h2>Split train: 6 rows ± ")
        .contains("<td class=\"l\">[8, 10]</td><td>1</td>")
        .contains("<td class=\"l\">a&lt;b</td><td>0</td>")
        .contains("<td class=\"l\">(other)</td><td>3</td>")
        .doesNotContain("<script");
  }
}
