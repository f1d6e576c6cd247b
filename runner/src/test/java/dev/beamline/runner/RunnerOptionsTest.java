package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.junit.jupiter.api.Test;

class RunnerOptionsTest {
  @Test
  void directDefaultsTurnOffPerElementChecks() {
    DirectOptions o = RunnerOptions.create("direct", 3, List.of()).as(DirectOptions.class);
    assertThat(o.getRunner()).isEqualTo(DirectRunner.class);
    assertThat(o.getTargetParallelism()).isEqualTo(3);
    assertThat(o.isEnforceImmutability()).isFalse();
    assertThat(o.isEnforceEncodability()).isFalse();
  }

  @Test
  void passedThroughOptionsWin() {
    DirectOptions o =
        RunnerOptions.create("direct", 0, List.of("--enforceImmutability=true", "--targetParallelism=7")).as(DirectOptions.class);
    assertThat(o.isEnforceImmutability()).isTrue();
    assertThat(o.getTargetParallelism()).isEqualTo(7);
    assertThat(o.isEnforceEncodability()).isFalse();
  }

  @Test
  void defaultParallelismIsOnePerCore() {
    DirectOptions o = RunnerOptions.create("direct", 0, List.of()).as(DirectOptions.class);
    assertThat(o.getTargetParallelism()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void flinkIsEmbeddedUnlessAMasterIsGiven() {
    FlinkPipelineOptions local = RunnerOptions.create("flink", 2, List.of()).as(FlinkPipelineOptions.class);
    assertThat(local.getRunner()).isEqualTo(FlinkRunner.class);
    assertThat(local.getFlinkMaster()).isEqualTo("[local]");
    assertThat(local.getParallelism()).isEqualTo(2);
    FlinkPipelineOptions remote =
        RunnerOptions.create("flink", 0, List.of("--flinkMaster=flink.example:8081")).as(FlinkPipelineOptions.class);
    assertThat(remote.getFlinkMaster()).isEqualTo("flink.example:8081");
  }

  @Test
  void onAClusterOrUnderFlinkRunTheParallelismIsLeftToTheClusterUnlessAsked() {
    // -1: FlinkCluster sets the cluster's free slots; under `flink run` ([auto]) its -p applies.
    for (String master : List.of("flink.example:8081", "[auto]")) {
      assertThat(RunnerOptions.create("flink", 0, List.of("--flinkMaster=" + master)).as(FlinkPipelineOptions.class).getParallelism())
          .as(master).isEqualTo(-1);
      assertThat(RunnerOptions.create("flink", 3, List.of("--flinkMaster=" + master)).as(FlinkPipelineOptions.class).getParallelism())
          .as(master).isEqualTo(3);
    }
    assertThat(RunnerOptions.create("flink", 0, List.of()).as(FlinkPipelineOptions.class).getParallelism())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void unknownRunnerAndOptionAreConfigErrors() {
    assertThatThrownBy(() -> RunnerOptions.create("spark", 0, List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("unknown runner 'spark'; expected direct or flink");
    assertThatThrownBy(() -> RunnerOptions.create("direct", 0, List.of("--bogus=1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("bad Beam option: ")
        .hasMessageContaining("bogus");
  }
}
