package dev.beamline.serving.server;

import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the server learns which models to serve; asked again at every poll, so models and labels can
 * change while it runs.
 *
 * <pre>{@code
 * ModelSource.base("beamline-runs/serving");          // every model the push stage published there
 * ModelSource.file(Path.of("models.yaml"));           // a model config file, re-read on change
 * ModelSource.of(List.of(ModelConfig.latest("penguins", "/srv/models/penguins")));
 * }</pre>
 */
public interface ModelSource {
  Logger LOG = LoggerFactory.getLogger(ModelSource.class);

  /** The models to serve now. */
  List<ModelConfig> models();

  /** Why the last read of the configuration failed (the previous one is kept), or null. */
  default String error() {
    return null;
  }

  /** A fixed list of models. */
  static ModelSource of(List<ModelConfig> models) {
    List<ModelConfig> copy = List.copyOf(models);
    return () -> copy;
  }

  /**
   * Every model under {@code base} in the push stage's layout ({@code <base>/<name>/<version>/}): a
   * sub-folder with a numbered version holding {@code saved_model.pb} is a model, served latest-only.
   * A folder whose name could not be a model name (say, with spaces) is skipped.
   */
  static ModelSource base(String base) {
    return () -> {
      Set<String> names = new TreeSet<>();
      for (String pb : Storage.match(Storage.resolve(Storage.resolve(Storage.resolve(base, "*"), "*"), "saved_model.pb"))) {
        String versionDir = ModelManager.stripSlash(Storage.parent(pb));
        String name = Storage.fileName(ModelManager.stripSlash(Storage.parent(versionDir)));
        if (Storage.fileName(versionDir).matches("\\d{1,18}") && ModelConfig.validName(name)) {
          names.add(name);
        }
      }
      List<ModelConfig> out = new ArrayList<>();
      names.forEach(n -> out.add(ModelConfig.latest(n, Storage.resolve(base, n))));
      return out;
    };
  }

  /**
   * The models of the config file {@code file} ({@link ModelConfigFile}), re-read whenever its content
   * changes. A change with an error keeps the previous models and reports the error in {@link #error()}
   * and the log.
   *
   * @throws ConfigException when the file cannot be read or parsed at the start
   */
  static ModelSource file(Path file) {
    List<ModelConfig> first = ModelConfigFile.read(file);
    return new ModelSource() {
      private String lastText = readOrNull(file);
      private List<ModelConfig> last = first;
      private volatile String error;

      @Override
      public synchronized List<ModelConfig> models() {
        String text = readOrNull(file);
        if (text == null) {
          report("cannot read the model config " + file + " (keeping the previous configuration)");
          return last;
        }
        if (!text.equals(lastText)) {
          lastText = text;
          try {
            last = ModelConfigFile.parse(text, file.toString(), file.toAbsolutePath().getParent());
            report(null);
            LOG.info("model config {} changed: {} model(s)", file, last.size());
          } catch (ConfigException e) {
            report(e.getMessage() + " (keeping the previous configuration)");
          }
        }
        return last;
      }

      private void report(String e) {
        if (e != null && !e.equals(error)) {
          LOG.error("{}", e);
        }
        error = e;
      }

      @Override
      public String error() {
        return error;
      }
    };
  }

  private static String readOrNull(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
