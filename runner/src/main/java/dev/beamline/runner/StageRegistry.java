package dev.beamline.runner;

import dev.beamline.core.stage.StageFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The stage factories on the class path, found with {@link ServiceLoader}: each module that owns a
 * stage registers its {@link StageFactory} in {@code META-INF/services/dev.beamline.core.stage.StageFactory},
 * so adding a stage changes nothing here.
 */
final class StageRegistry {
  private StageRegistry() {}

  /**
   * Every registered factory by the section it owns.
   *
   * @throws IllegalStateException when two factories claim the same section
   */
  static Map<String, StageFactory> factories() {
    Map<String, StageFactory> out = new LinkedHashMap<>();
    for (StageFactory f : ServiceLoader.load(StageFactory.class, loader())) {
      StageFactory before = out.putIfAbsent(f.section(), f);
      if (before != null) {
        throw new IllegalStateException(
            "two stage factories claim the section '" + f.section() + "': " + before.getClass().getName() + " and " + f.getClass().getName());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** The thread's context class loader (where a host application puts plug-ins), else this one's. */
  private static ClassLoader loader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : StageRegistry.class.getClassLoader();
  }
}
