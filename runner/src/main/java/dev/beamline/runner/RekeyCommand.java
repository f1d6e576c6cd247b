package dev.beamline.runner;

import dev.beamline.core.Storage;
import dev.beamline.core.crypto.ArtifactCipher;
import dev.beamline.core.crypto.Encryption;
import dev.beamline.core.crypto.EncryptionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code beamline rekey}: re-encrypts every artifact file of a pipeline root (and of a serving base and a
 * request log folder) with the keyset's primary key: files of older keys after a rotation, and files
 * written in plaintext before encryption was turned on. Each file is streamed into a hidden file beside
 * it and renamed onto it, keeping the artifact id it was bound to; files already under the primary key
 * are left alone, so a rekey that was stopped can be run again.
 */
@Command(name = "rekey", mixinStandardHelpOptions = true,
    description = "Re-encrypts a pipeline root's artifacts with the keyset's primary key (after `beamline keyset rotate`, or to encrypt a root written in plaintext).")
final class RekeyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin EncryptionOptions encryption;

  @Option(names = "--pipeline-root", required = true, paramLabel = "<dir>", description = "The pipeline root (pipeline.root).")
  String root;

  @Option(names = "--serving-base", paramLabel = "<dir>", description = "A serving base outside the root that push writes (default: <root>/serving when it exists).")
  String servingBase;

  @Option(names = "--request-log", paramLabel = "<dir>", description = "A request log folder the server writes.")
  String requestLog;

  @Override
  public Integer call() {
    EncryptionConfig config = KeysetCommand.required(encryption);
    ArtifactCipher cipher = config.open();
    String serving = servingBase != null ? servingBase : Storage.resolve(root, "serving");
    Encryption.openRoot(root, cipher);
    List<String> dirs = new ArrayList<>(List.of(root));
    if (Storage.exists(serving)) {
      Encryption.register(serving, Encryption.SERVING, cipher);
      if (servingBase != null) {
        dirs.add(serving);
      }
    }
    if (requestLog != null) {
      Encryption.register(requestLog, Encryption.REQUEST_LOGS, cipher);
      dirs.add(requestLog);
    }
    int rekeyed = 0;
    int encrypted = 0;
    int current = 0;
    int plaintextByDesign = 0;
    for (String dir : dirs) {
      for (String file : files(dir)) {
        if (Encryption.plaintextByDesign(file)) {
          plaintextByDesign++;
          continue;
        }
        byte[] head = head(file);
        if (ArtifactCipher.keyIdOf(head).orElse(0) == cipher.primaryKeyId() && ArtifactCipher.isEncrypted(head)) {
          current++;
          continue;
        }
        boolean wasEncrypted = ArtifactCipher.isEncrypted(head);
        Encryption.Binding b = Encryption.binding(file);
        String id = ArtifactCipher.artifactIdOf(head).orElse(b.fileId());
        reencrypt(file, wasEncrypted, id, cipher);
        if (wasEncrypted) {
          rekeyed++;
        } else {
          encrypted++;
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    out.printf("rekey: %d file(s) re-encrypted from older keys, %d plaintext file(s) encrypted, %d already under primary key %s;"
        + " %d left in plaintext by design (the metadata store, run logs, the root's marker)%n",
        rekeyed, encrypted, current, Integer.toUnsignedString(cipher.primaryKeyId()), plaintextByDesign);
    return BeamlineCli.OK;
  }

  /**
   * Every file below {@code dir}: on a local disk hidden ones too (the {@code .published} markers), but
   * not the temporary files of a write in progress; elsewhere those Beam's listing shows.
   */
  private static List<String> files(String dir) {
    if (!Storage.isLocal(dir)) {
      return Storage.listRecursively(dir);
    }
    try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(java.nio.file.Paths.get(dir))) {
      return all.filter(java.nio.file.Files::isRegularFile)
          .map(java.nio.file.Path::toString)
          .filter(f -> !(Storage.fileName(f).startsWith(".") && f.endsWith(".tmp")))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[] head(String file) {
    try (InputStream in = Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(file, false)))) {
      return in.readNBytes(ArtifactCipher.maxHeaderBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Streams {@code file}'s plaintext, encrypted for {@code id}, into a hidden file renamed onto it ({@link Storage#writeRaw}). */
  private static void reencrypt(String file, boolean wasEncrypted, String id, ArtifactCipher cipher) {
    try (InputStream in = wasEncrypted ? Storage.open(file) : Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(file, false)))) {
      Storage.writeRaw(file, ch -> {
        // The encrypting channel writes its last segment when closed; Storage closes the file's channel.
        OutputStream o = Channels.newOutputStream(cipher.encrypting(ch, id));
        in.transferTo(o);
        o.close();
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot re-encrypt " + file + ": " + e.getMessage(), e);
    }
  }
}
