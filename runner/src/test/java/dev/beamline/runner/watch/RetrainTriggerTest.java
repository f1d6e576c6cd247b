package dev.beamline.runner.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.ExecutionState;
import dev.beamline.metadata.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrainTriggerTest {
  @TempDir Path tmp;

  /** Records run {@code runId} of {@code pipeline} writing a retrain decision with {@code json}. */
  private static void decision(MetadataStore s, Path dir, String pipeline, String runId, String json) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("decision.json"), json);
    long exec = s.startExecution(pipeline, runId, "retrain", null, "1.0", null);
    long artifact = s.putArtifact(RetrainTrigger.TYPE, dir.toString(), null, ArtifactState.LIVE, null);
    s.addEvent(exec, artifact, Event.Type.OUTPUT, "decision");
    s.finishExecution(exec, ExecutionState.COMPLETE, null);
  }

  @Test
  void onlyTheDecisionThatTheRunComputedCountsAndOnlyWhenItFired() throws Exception {
    try (MetadataStore s = MetadataStore.open(MetadataStore.sqliteUrl(tmp.resolve("m.sqlite")))) {
      decision(s, tmp.resolve("d1"), "p", "r1", "{\"fired\": true, \"reason\": \"retrain: {new_labels: 400}: 400 labelled row(s), threshold 400\"}");
      decision(s, tmp.resolve("d2"), "p", "r2", "{\"fired\": false, \"reason\": \"no retraining: no condition holds\"}");
      decision(s, tmp.resolve("d3"), "other", "r3", "{\"fired\": true, \"reason\": \"retrain: {drift: true}: 1 window(s) drift: wind in 1d\"}");
      assertThat(RetrainTrigger.firedIn(s, "p", "r1")).isEqualTo(Optional.of("{new_labels: 400}: 400 labelled row(s), threshold 400"));
      assertThat(RetrainTrigger.firedIn(s, "p", "r2")).isEmpty();
      assertThat(RetrainTrigger.firedIn(s, "p", "r3")).isEmpty();
      assertThat(RetrainTrigger.firedIn(s, "other", "r3")).isEqualTo(Optional.of("{drift: true}: 1 window(s) drift: wind in 1d"));
      assertThat(RetrainTrigger.firedIn(s, "p", "r4")).isEmpty();
    }
  }
}
