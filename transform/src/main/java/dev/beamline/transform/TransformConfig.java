package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;

/**
 * The transform stage's configuration: the declared transforms and the split their analyzers run on
 * ({@code analyze_split}). Bound from the {@code transform:} section of a pipeline file by {@link
 * TransformStageFactory}.
 *
 * <pre>{@code
 * TransformConfig c = TransformConfig.of(spec).withAnalyzeSplit("train");
 * }</pre>
 *
 * @param spec the transformed features
 * @param analyzeSplit the split the analyzers see (default {@value AnalyzeAndTransform#DEFAULT_ANALYZE_SPLIT});
 *     every split is transformed
 */
public record TransformConfig(TransformSpec spec, String analyzeSplit) implements Serializable {
  public TransformConfig {
    checkNotNull(spec, "spec");
    checkArgument(analyzeSplit != null && !analyzeSplit.isBlank(), "analyze_split must name a split, got '%s'", analyzeSplit);
  }

  /** Analyzes the {@value AnalyzeAndTransform#DEFAULT_ANALYZE_SPLIT} split. */
  public static TransformConfig of(TransformSpec spec) {
    return new TransformConfig(spec, AnalyzeAndTransform.DEFAULT_ANALYZE_SPLIT);
  }

  public TransformConfig withAnalyzeSplit(String split) {
    return new TransformConfig(spec, split);
  }
}
