package dev.beamline.runner;

import dev.beamline.core.Storage;
import dev.beamline.core.crypto.ArtifactCipher;
import dev.beamline.core.crypto.Encryption;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline decrypt}: writes the plaintext of one encrypted artifact file to standard output (a
 * report to open in a browser, a statistics file to read), after checking that it belongs where it lies.
 */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
    description = "Writes the plaintext of an encrypted artifact file on standard output (e.g. > report.html).")
final class DecryptCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin EncryptionOptions encryption;

  @Option(names = "--pipeline-root", required = true, paramLabel = "<dir>", description = "The pipeline root the file lies in.")
  String root;

  @Option(names = "--serving-base", paramLabel = "<dir>", description = "The serving base, for a pushed model's file (default: <root>/serving).")
  String servingBase;

  @Parameters(paramLabel = "<file>", description = "The artifact file.")
  String file;

  @Override
  public Integer call() throws Exception {
    KeysetCommand.required(encryption);
    ArtifactCipher cipher = encryption.openFor(root);
    if (servingBase != null) {
      Encryption.register(servingBase, Encryption.SERVING, cipher);
    }
    byte[] plain = Storage.read(java.nio.file.Paths.get(file).toAbsolutePath().toString());
    spec.commandLine().getOut().flush();
    OutputStream out = System.out;
    out.write(plain);
    out.flush();
    return BeamlineCli.OK;
  }
}
