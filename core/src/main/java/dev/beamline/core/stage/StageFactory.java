package dev.beamline.core.stage;

import java.util.List;

/**
 * Makes the stages of one top-level section of a pipeline file, found through {@link
 * java.util.ServiceLoader}: a module registers its factory in {@code
 * META-INF/services/dev.beamline.core.stage.StageFactory} and the runner needs no change.
 *
 * <pre>{@code
 * public final class IngestStageFactory implements StageFactory {
 *   public String section() { return "ingest"; }
 *   public List<Stage<?>> create(ConfigSection s) { return List.of(new IngestStage(IngestConfigYaml.bind(s))); }
 * }
 * }</pre>
 */
public interface StageFactory {
  /** The section's key in the pipeline file, e.g. {@code ingest}. */
  String section();

  /**
   * The stages that {@code section} configures (one, or several for a section such as {@code
   * validation}: statistics, schema and validate).
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a bad value
   */
  List<Stage<?>> create(ConfigSection section);
}
