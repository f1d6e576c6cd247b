package dev.beamline.runner;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.transform.TransformSpec;
import java.io.Serializable;

/**
 * The transform stage's configuration: the declared transforms and the split their analyzers run on.
 *
 * <pre>{@code
 * TransformConfig c = TransformConfig.of(spec).withAnalyzeSplit("train");
 * }</pre>
 *
 * @param spec the transformed features
 * @param analyzeSplit the split the analyzers see (default {@code train}); every split is transformed
 */
public record TransformConfig(TransformSpec spec, String analyzeSplit) implements Serializable {
  public TransformConfig {
    checkNotNull(spec, "spec");
    checkArgument(analyzeSplit != null && !analyzeSplit.isBlank(), "analyze_split must name a split, got '%s'", analyzeSplit);
  }

  /** Analyzes the {@code train} split. */
  public static TransformConfig of(TransformSpec spec) {
    return new TransformConfig(spec, "train");
  }

  public TransformConfig withAnalyzeSplit(String split) {
    return new TransformConfig(spec, split);
  }
}
