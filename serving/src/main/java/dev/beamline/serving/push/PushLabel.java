package dev.beamline.serving.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import dev.beamline.serving.server.LabelMove;
import dev.beamline.serving.server.ModelConfig;
import dev.beamline.serving.server.ModelConfigFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The push stage's {@code label}: after a version is pushed, points the label (e.g. {@code canary}) of
 * the model at it in the server's {@code --model-config} file, with {@link LabelMove}'s in-place, atomic
 * edit, so that the server loads it under that label on its next poll; a model that has no {@value
 * PushConfig#STABLE} label yet gets that one too (its first version answers every client). What was done
 * is a JSON object in {@code push.json}: {@code label}, {@code version}, {@code previous_version}, {@code
 * model_config}, {@code also_stable}, or {@code error} when the file could not be edited (the version is
 * pushed all the same).
 *
 * <pre>{@code
 * PushLabel.check(config, "penguins");                  // before anything runs: the file lists the model
 * ObjectNode done = PushLabel.assign(config, "penguins", 2);
 * }</pre>
 */
public final class PushLabel {
  private PushLabel() {}

  /**
   * Checks that the configured model config file parses and lists {@code model}.
   *
   * @throws ConfigException naming the file and the models it lists
   */
  public static void check(PushConfig config, String model) {
    if (config.modelConfig() == null) {
      return;
    }
    Path file = Path.of(config.modelConfig());
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("push.model_config: cannot read the model server's config file " + file + ": " + e.getMessage(), e);
    }
    List<ModelConfig> models = ModelConfigFile.parse(text, file.toString(), file.toAbsolutePath().getParent());
    if (models.stream().noneMatch(m -> m.name().equals(model))) {
      throw new ConfigException("push.model_config: " + file + " lists no model '" + model + "' (it lists: "
          + String.join(", ", models.stream().map(ModelConfig::name).sorted().toList()) + ")");
    }
  }

  /** Labels {@code version} of {@code model} as configured; never throws for a file it cannot edit: that is an {@code error}. */
  public static ObjectNode assign(PushConfig config, String model, long version) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("label", config.label()).put("version", version).put("model_config", config.modelConfig());
    Path file = Path.of(config.modelConfig());
    try {
      LabelMove.Moved moved = LabelMove.of(model, PushConfig.STABLE.equals(config.label()) ? "canary" : PushConfig.STABLE, config.label())
          .applyTo(file, version);
      out.put("previous_version", moved.previousVersion());
      boolean alsoStable = false;
      if (!PushConfig.STABLE.equals(config.label()) && !moved.labels().containsKey(PushConfig.STABLE)) {
        LabelMove.of(model, config.label(), PushConfig.STABLE).applyTo(file, version);
        alsoStable = true;
      }
      out.put("also_stable", alsoStable);
    } catch (ConfigException | UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
      out.put("error", e.getMessage());
    }
    return out;
  }

  /** The summary line of what {@link #assign} did. */
  public static String summary(JsonNode label) {
    if (label.has("error")) {
      return "label '" + label.path("label").asText() + "' not set: " + label.get("error").asText();
    }
    return String.format(Locale.ROOT, "label '%s' now names version %d (was %s)%s in %s", label.path("label").asText(),
        label.path("version").asLong(), label.path("previous_version").isNull() ? "unset" : label.path("previous_version").asText(),
        label.path("also_stable").asBoolean() ? ", and 'stable' too (the model had none)" : "", label.path("model_config").asText());
  }
}
