package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.DataCheckException;
import dev.beamline.flink.ClusterFailureException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code beamline} command line.
 *
 * <p>Exit codes: 0 success; 1 the data or a model failed a check; 2 bad usage or configuration; 3 an
 * unexpected error (a bug or a failing file system).
 *
 * <pre>{@code
 * int code = BeamlineCli.execute("run", "examples/penguins/pipeline.yaml");
 * }</pre>
 */
@Command(
    name = "beamline",
    mixinStandardHelpOptions = true,
    versionProvider = BeamlineCli.Version.class,
    description = "Production machine-learning pipelines on Apache Beam.",
    subcommands = {
      RunCommand.class,
      WatchCommand.class,
      DataCommands.Stats.class,
      DataCommands.Infer.class,
      DataCommands.Validate.class,
      EvaluateCommand.class,
      PredictCommand.class,
      RunsCommand.class,
      ArtifactsCommand.class,
      LineageCommand.class,
      TuneReportCommand.class,
      ModelsCommand.class,
      RollbackCommand.class,
      PromoteCommand.class,
      SubjectCommand.class,
      ServeCommand.class,
      KeysetCommand.class,
      RekeyCommand.class,
      DecryptCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the data or a model failed a check (an encrypted artifact that was changed or swapped included)",
      "2:bad usage or configuration",
      "3:unexpected error"
    })
public final class BeamlineCli implements Callable<Integer> {
  public static final int OK = 0;
  public static final int CHECK_FAILED = 1;
  public static final int BAD_USAGE = 2;
  public static final int INTERNAL_ERROR = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return BAD_USAGE;
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line with {@code args} and returns its exit code. */
  public static int execute(String... args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = commandLine(out, err).execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** The command line, writing to {@code out} and {@code err}; for embedding and tests. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new BeamlineCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter w = commandLine.getErr();
          DataCheckException check = DataCheckException.findIn(e);
          if (check != null) {
            w.println("beamline: check failed: " + check.getMessage());
            return CHECK_FAILED;
          }
          dev.beamline.core.crypto.EncryptionException sealed = findCause(e, dev.beamline.core.crypto.EncryptionException.class);
          if (sealed != null) {
            // A changed or swapped artifact file: an integrity check that failed.
            w.println("beamline: check failed: " + sealed.getMessage());
            return CHECK_FAILED;
          }
          ConfigException config = findCause(e, ConfigException.class);
          if (config != null) {
            w.println("beamline: " + config.getMessage());
            return BAD_USAGE;
          }
          ClusterFailureException cluster = findCause(e, ClusterFailureException.class);
          if (cluster != null) {
            // The whole exception is in the run's log.
            w.println("beamline: " + cluster.getMessage());
            return INTERNAL_ERROR;
          }
          w.println("beamline: unexpected error: " + e);
          e.printStackTrace(w);
          return INTERNAL_ERROR;
        });
    return cli;
  }

  private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** The version from the jar's manifest, with the Beam version it runs on. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "beamline " + version(),
        "Apache Beam " + org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion()
            + ", Java " + System.getProperty("java.version")
      };
    }
  }

  /** The Beamline version, or {@code dev} when running from classes outside a jar. */
  public static String version() {
    String v = BeamlineCli.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
