package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.io.MatchingFiles;
import org.tensorflow.op.io.ReadFile;
import org.tensorflow.op.io.WriteFile;
import org.tensorflow.op.train.SaveSlices;
import org.tensorflow.types.TString;

/**
 * Files in TensorFlow's in-process RAM file system ({@code ram://}), through its raw file ops: where
 * a SavedModel is saved and loaded, so that TensorFlow never reads or writes a model on local disk.
 * Every file Beamline keeps goes through {@link dev.beamline.core.Storage}; TensorFlow's own readers
 * and writers (the checkpoint of the variables, the SavedModel loader) take only paths, and a {@code
 * ram://} path keeps their bytes in this process.
 *
 * <p>The RAM file system is one per process, and TensorFlow has no op that deletes a file. Nor does
 * writing a file again truncate it: the RAM file system opens an existing file for appending, so
 * {@code WriteFile} with empty contents leaves the bytes in place. {@link #clear} therefore replaces
 * each file by a rename: the legacy checkpoint op {@code SaveSlices} writes a small checkpoint of one
 * scalar to a temporary name and renames it onto the file, which drops the old contents (about 150
 * bytes and the name are left). Each user takes a folder of its own ({@link #newFolder}), so
 * concurrent exports and loads never meet, and {@link #write} only ever creates files.
 *
 * <pre>{@code
 * String folder = RamFiles.newFolder("beamline-model");
 * RamFiles.write(folder, Map.of("saved_model.pb", pb));
 * try { ...load from folder... } finally { RamFiles.clear(folder, List.of("saved_model.pb")); }
 * }</pre>
 */
final class RamFiles {
  static final String SCHEME = "ram://";

  private RamFiles() {}

  /** A new folder no one else uses: {@code ram://<name>-<random UUID>}. */
  static String newFolder(String name) {
    return SCHEME + name + "-" + UUID.randomUUID();
  }

  /**
   * Writes each of {@code files} (a relative path with '/' to its content) into {@code folder}, where
   * none of them exists yet (an existing file would be appended to).
   */
  static void write(String folder, Map<String, byte[]> files) {
    checkArgument(folder.startsWith(SCHEME), "folder must be a %s path, got %s", SCHEME, folder);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TString> path = tf.placeholder(TString.class);
      Placeholder<TString> content = tf.placeholder(TString.class);
      WriteFile write = tf.io.writeFile(path, content);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        try (TString p = TString.scalarOf(folder + "/" + f.getKey());
            TString c = TString.tensorOfBytes(NdArrays.scalarOfObject(f.getValue()))) {
          s.runner().feed(path, p).feed(content, c).addTarget(write).run().close();
        }
      }
    }
  }

  /**
   * The files matching the glob {@code pattern} inside {@code folder} (e.g. {@code variables/*}), by
   * their path relative to {@code folder}, sorted.
   */
  static Map<String, byte[]> read(String folder, String pattern) {
    checkArgument(folder.startsWith(SCHEME), "folder must be a %s path, got %s", SCHEME, folder);
    Map<String, byte[]> out = new TreeMap<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      MatchingFiles match = tf.io.matchingFiles(tf.constant(folder + "/" + pattern));
      Placeholder<TString> path = tf.placeholder(TString.class);
      ReadFile read = tf.io.readFile(path);
      try (Result matched = s.runner().fetch(match).run()) {
        TString names = (TString) matched.get(0);
        for (long i = 0; i < names.size(); i++) {
          String name = names.getObject(i);
          try (TString p = TString.scalarOf(name);
              Result r = s.runner().feed(path, p).fetch(read).run()) {
            out.put(name.substring(folder.length() + 1), ((TString) r.get(0)).asBytes().getObject());
          }
        }
      }
    }
    return out;
  }

  /**
   * Replaces the contents of each of {@code files} (paths relative to {@code folder}) with a small
   * checkpoint of one scalar zero, which frees their bytes (see above: a write would not).
   */
  static void clear(String folder, Collection<String> files) {
    checkArgument(folder.startsWith(SCHEME), "folder must be a %s path, got %s", SCHEME, folder);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TString> path = tf.placeholder(TString.class);
      SaveSlices replace = tf.train.saveSlices(path, tf.constant(NdArrays.vectorOfObjects("cleared")),
          tf.constant(NdArrays.vectorOfObjects("")), List.of(tf.constant(0)));
      for (String f : files) {
        try (TString p = TString.scalarOf(folder + "/" + f)) {
          s.runner().feed(path, p).addTarget(replace).run().close();
        }
      }
    }
  }
}
