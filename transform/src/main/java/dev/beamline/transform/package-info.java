/**
 * The transform stage of the Beamline life cycle: {@link dev.beamline.transform.AnalyzeAndTransform}
 * fits full-pass analyzers ({@link dev.beamline.transform.AnalyzeFn}) on the training split, applies the
 * {@link dev.beamline.transform.FittedTransform} to every split and publishes the transform artifact,
 * the transformed Parquet splits and their statistics. The semantics of every step are those of
 * {@link dev.beamline.transform.FeatureTransform}, shared with the TensorFlow graph. {@link
 * dev.beamline.transform.TransformStage} is the stage behind the runner's stage contract, made from
 * the {@code transform:} section of a pipeline file by {@link dev.beamline.transform.TransformStageFactory}.
 *
 * <pre>{@code
 * TransformResult r = AnalyzeAndTransform.splits(Map.of("train", train, "eval", eval))
 *     .apply(AnalyzeAndTransform.of(rawSchema, spec).to(layout.output("transform")));
 * }</pre>
 */
package dev.beamline.transform;
