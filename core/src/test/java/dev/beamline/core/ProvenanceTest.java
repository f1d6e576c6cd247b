package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Provenance has one JSON form, snake_case, that reads back to the same record. */
class ProvenanceTest {
  @Test
  void oneJsonFormWithSnakeCaseKeysReadsBackToTheSameRecord() {
    Provenance p =
        Provenance.ofRun(
                "0.1.0", "DirectRunner", new Provenance.RunnerOptions("direct", 2, List.of("--targetParallelism=2")),
                Map.of("split_hash", "farmhash_fingerprint64"), "/p/pipeline.yaml", "abc123", "pipeline:\n  name: p\n")
            .forStage("ingest", 7, "r1", "p", "0.1.0", "2026-11-30T00:00:00Z", JsonNodeFactory.instance.objectNode().put("max_rejected_fraction", 0.0));
    String json = p.toJson();
    assertThat(json)
        .contains("\"beamline_version\" : \"0.1.0\"", "\"execution_id\" : 7", "\"pass_through\" : [ \"--targetParallelism=2\" ]",
            "\"pipeline_file_sha256\" : \"abc123\"", "\"max_rejected_fraction\" : 0.0")
        .doesNotContain("beamlineVersion", "executionId");
    assertThat(json.indexOf("\"beamline_version\"")).isLessThan(json.indexOf("\"stage\""));
    assertThat(Provenance.fromJson(json)).isEqualTo(p);
  }

  @Test
  void runFactsLeaveOutWhatNoStageHasYet() {
    String json = Provenance.ofRun("0.1.0", "DirectRunner", null, Map.of(), null, null, null).toJson();
    assertThat(json).contains("\"runner\" : \"DirectRunner\"").doesNotContain("\"stage\"", "\"execution_id\"", "\"pipeline_config\"");
  }
}
