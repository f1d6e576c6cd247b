package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import dev.beamline.core.stage.ArtifactInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@code TRANSFORM_GRAPH} artifact holds for the stages that consume it: the transformed
 * features, in output order. Read from a published folder they are the fitted ones ({@link
 * FittedTransform#read}); stated before the run they are provisional: every name, input, input type
 * and output kind right, but no constant computed and vocabulary sizes unknown (taken as 2 plus the
 * OOV buckets), enough to check a training configuration before anything runs.
 *
 * <pre>{@code
 * TransformGraphInfo info = inputs.get("transform_graph").info(TransformGraphInfo.class);
 * if (info.known()) {
 *   ModelSpec.resolve(config, info.features());
 * }
 * }</pre>
 *
 * @param features the transformed features; empty when not known before the run (see {@link #unknown()})
 * @param provisional whether they are stand-ins stated before the analyzers ran
 */
public record TransformGraphInfo(List<FittedFeature> features, boolean provisional) implements ArtifactInfo {
  private static final long serialVersionUID = 1L;

  public TransformGraphInfo {
    features = List.copyOf(features);
    checkArgument(provisional || !features.isEmpty(), "a fitted transform graph has at least one feature");
  }

  /** The features fitted by the analyzers, as published. */
  public static TransformGraphInfo fitted(List<FittedFeature> features) {
    return new TransformGraphInfo(features, false);
  }

  /**
   * Stand-ins for the features that {@code spec} will fit on examples of {@code raw}, with every kind
   * and name right but no constant; {@code spec} must have passed {@link TransformSpec#check}.
   */
  public static TransformGraphInfo provisional(ExampleSchema raw, TransformSpec spec) {
    java.util.Map<String, FittedFeature> byName = new java.util.HashMap<>();
    for (FeatureTransform f : spec.features()) {
      if (f.isCross()) {
        continue;
      }
      FeatureType type = raw.feature(f.input()).orElseThrow(
          () -> new IllegalArgumentException("input '" + f.input() + "' of '" + f.output() + "' is not in " + raw)).type();
      byName.put(f.output(), new FittedFeature(
          f, type, OutputKind.of(f, type), provisionalCardinality(f), null, null, null, null, null, null, null, null, null, null, 0));
    }
    List<FittedFeature> out = new ArrayList<>();
    for (FeatureTransform f : spec.features()) {
      out.add(f.isCross() ? FittedFeature.cross(f, f.cross().stream().map(byName::get).toList(), 0) : byName.get(f.output()));
    }
    return new TransformGraphInfo(out, true);
  }

  /**
   * Nothing known before the run: the declared transforms do not fit the data's schema, and the run
   * fails once data validation has had its say.
   */
  public static TransformGraphInfo unknown() {
    return new TransformGraphInfo(List.of(), true);
  }

  /** Whether the features are known (fitted or provisional). */
  public boolean known() {
    return !features.isEmpty();
  }

  /** The number of ids of a categorical output, exact except for a vocabulary (2 plus the OOV buckets). */
  private static int provisionalCardinality(FeatureTransform f) {
    if (f.bucketize() != null) {
      return f.bucketize();
    }
    if (f.binarize() != null) {
      return 2;
    }
    if (f.timePart() != null) {
      return TimeParts.cardinality(f.timePart());
    }
    if (f.hashBuckets() != null) {
      return f.hashBuckets();
    }
    if (f.vocabulary() != null) {
      return 2 + f.vocabulary().oovBuckets();
    }
    return 0;
  }
}
