package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * One served model: its name (what requests say), its base path (a folder of numbered version
 * folders, the push stage's {@code <serving base>/<name>/}), which versions to serve, and labels
 * pointing at versions.
 */
public record ModelConfig(String name, String basePath, VersionPolicy policy, Map<String, Long> labels) {
  /** What a model name and a label may be: they name folders and URL segments, so no '/' and no "..". */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public ModelConfig {
    checkArgument(validName(name), "'%s' is not a valid model name: letters, digits, '.', '_', '-', starting with a letter or digit", name);
    checkArgument(basePath != null && !basePath.isEmpty(), "model '%s' has no base path", name);
    labels = Map.copyOf(labels);
    for (Map.Entry<String, Long> l : labels.entrySet()) {
      checkArgument(validName(l.getKey()), "'%s' is not a valid label", l.getKey());
      checkArgument(l.getValue() != null && l.getValue() >= 0, "label '%s' names no version", l.getKey());
    }
  }

  /** Whether {@code s} can be a model name or label: it can never name a path outside a base folder. */
  public static boolean validName(String s) {
    return s != null && NAME.matcher(s).matches() && !s.contains("..");
  }

  /** Serves the latest version of the model in {@code basePath}, without labels. */
  public static ModelConfig latest(String name, String basePath) {
    return new ModelConfig(name, basePath, VersionPolicy.latest(1), Map.of());
  }
}
