package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Beam pipeline options for the runner chosen on the command line, with Beamline's defaults.
 *
 * <ul>
 *   <li>{@code direct} (default): the DirectRunner with one worker thread per core ({@code
 *       --targetParallelism}), and its immutability and encodability checks off, which otherwise copy
 *       or encode every element at every step. Tests keep them on.
 *   <li>{@code flink}: the FlinkRunner in batch mode; without {@code --flinkMaster} an embedded Flink
 *       cluster runs in the same JVM ({@code [local]}); {@code --flinkMaster=host:port} submits to a
 *       cluster.
 * </ul>
 *
 * Every other {@code --name=value} is a Beam option and passes through unchanged, overriding these
 * defaults.
 */
public final class RunnerOptions {
  private RunnerOptions() {}

  /**
   * Options for {@code runner} ({@code direct} or {@code flink}), {@code parallelism} workers (0: one per
   * core), and the Beam options {@code passThrough}.
   *
   * @throws ConfigException for an unknown runner or a Beam option that no registered runner knows
   */
  public static PipelineOptions create(String runner, int parallelism, List<String> passThrough) {
    List<String> args = new ArrayList<>(passThrough);
    int workers = parallelism > 0 ? parallelism : Runtime.getRuntime().availableProcessors();
    PipelineOptions options;
    try {
      switch (runner.toLowerCase(Locale.ROOT)) {
        case "direct":
        case "directrunner":
          {
            DirectOptions direct = PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation().as(DirectOptions.class);
            direct.setRunner(DirectRunner.class);
            if (!given(args, "targetParallelism")) {
              direct.setTargetParallelism(workers);
            }
            if (!given(args, "enforceImmutability")) {
              direct.setEnforceImmutability(false);
            }
            if (!given(args, "enforceEncodability")) {
              direct.setEnforceEncodability(false);
            }
            options = direct;
            break;
          }
        case "flink":
        case "flinkrunner":
          {
            FlinkPipelineOptions flink =
                PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).withValidation().as(FlinkPipelineOptions.class);
            flink.setRunner(FlinkRunner.class);
            if (!given(args, "flinkMaster")) {
              flink.setFlinkMaster("[local]");
            }
            // Embedded: one slot per core. On a cluster: its free task slots (FlinkCluster); under
            // `flink run` ([auto]): the -p given there.
            if (!given(args, "parallelism") && (parallelism > 0 || "[local]".equals(flink.getFlinkMaster()))) {
              flink.setParallelism(workers);
            }
            options = flink;
            break;
          }
        default:
          throw new ConfigException("unknown runner '" + runner + "'; expected direct or flink");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException("bad Beam option: " + e.getMessage(), e);
    }
    return options;
  }

  static boolean given(List<String> args, String name) {
    String flag = "--" + name;
    return args.stream().anyMatch(a -> a.equals(flag) || a.startsWith(flag + "="));
  }
}
