package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.crypto.EncryptionConfig;
import dev.beamline.core.crypto.Keysets;
import dev.beamline.core.crypto.MasterKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beamline keyset}: makes the keys of {@code pipeline.encryption}. {@code master-key} prints a new
 * master key (to put in a secret store and the environment, never in a file of the pipeline); {@code
 * create} writes a new keyset wrapped by the master key in the environment; {@code rotate} adds a new
 * primary key; {@code show} lists the key ids.
 */
@Command(name = "keyset", mixinStandardHelpOptions = true,
    description = "Makes and rotates the Tink keyset of pipeline.encryption.",
    subcommands = {KeysetCommand.MasterKeyCommand.class, KeysetCommand.Create.class, KeysetCommand.Rotate.class, KeysetCommand.Show.class})
final class KeysetCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return BeamlineCli.BAD_USAGE;
  }

  @Command(name = "master-key", mixinStandardHelpOptions = true,
      description = "Prints a new random master key (base64 of 32 bytes) on standard output, and nowhere else.")
  static final class MasterKeyCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(MasterKey.generate());
      return BeamlineCli.OK;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Writes a new keyset of one key, wrapped by the master key in the environment.")
  static final class Create implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "<file>", description = "The keyset file to write; must not exist.")
    Path out;

    @Option(names = "--master-key-env", paramLabel = "<VAR>", defaultValue = EncryptionConfig.DEFAULT_MASTER_KEY_ENV,
        description = "The variable holding the master key (default: ${DEFAULT-VALUE}).")
    String masterKeyEnv;

    @Override
    public Integer call() throws IOException {
      if (Files.exists(out)) {
        throw new ConfigException(out + " exists already: `beamline keyset rotate --encryption-keyset " + out + "` adds a key to it");
      }
      String json = Keysets.create(MasterKey.fromEnvironment(masterKeyEnv));
      writeAtomically(out, json);
      PrintWriter w = spec.commandLine().getOut();
      List<Integer> ids = Keysets.keyIds(json, MasterKey.fromEnvironment(masterKeyEnv), out.toString());
      w.println("wrote " + out + ": one key (id " + Integer.toUnsignedString(ids.get(0)) + "), wrapped by the master key in " + masterKeyEnv);
      return BeamlineCli.OK;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Adds a new primary key: new artifacts are encrypted with it, older ones stay readable (`beamline rekey` re-encrypts them).")
  static final class Rotate implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin EncryptionOptions encryption;

    @Override
    public Integer call() throws IOException {
      EncryptionConfig c = required(encryption);
      String json = Keysets.readKeyset(c.keyset());
      String rotated = Keysets.rotate(json, MasterKey.fromEnvironment(c.masterKeyEnv()), c.keyset());
      writeAtomically(Path.of(c.keyset()), rotated);
      List<Integer> ids = Keysets.keyIds(rotated, MasterKey.fromEnvironment(c.masterKeyEnv()), c.keyset());
      spec.commandLine().getOut().println(
          "rotated " + c.keyset() + ": new primary key " + Integer.toUnsignedString(ids.get(0)) + "; " + (ids.size() - 1) + " older key(s) kept for reading");
      return BeamlineCli.OK;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Lists the keyset's key ids, the primary first.")
  static final class Show implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @CommandLine.Mixin EncryptionOptions encryption;

    @Override
    public Integer call() {
      EncryptionConfig c = required(encryption);
      List<Integer> ids = Keysets.keyIds(Keysets.readKeyset(c.keyset()), MasterKey.fromEnvironment(c.masterKeyEnv()), c.keyset());
      PrintWriter w = spec.commandLine().getOut();
      for (int i = 0; i < ids.size(); i++) {
        w.println(Integer.toUnsignedString(ids.get(i)) + (i == 0 ? " primary" : ""));
      }
      return BeamlineCli.OK;
    }
  }

  static EncryptionConfig required(EncryptionOptions o) {
    EncryptionConfig c = o.config();
    if (c == null) {
      throw new ConfigException("--encryption-keyset is required");
    }
    return c;
  }

  /** Writes {@code text} beside {@code file} and renames it onto it, readable by its owner only. */
  static void writeAtomically(Path file, String text) throws IOException {
    Path abs = file.toAbsolutePath();
    if (abs.getParent() != null) {
      Files.createDirectories(abs.getParent());
    }
    Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    try {
      Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its default permissions.
    }
    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
