/**
 * The evaluation stage of the Beamline life cycle. Today it holds the metrics the stage will compute per slice,
 * as mergeable {@code CombineFn}s testable without a pipeline: {@link dev.beamline.evaluation.ClassificationMetricsFn}
 * over {@link dev.beamline.evaluation.Prediction}s and {@link dev.beamline.evaluation.RegressionMetricsFn} over
 * {@link dev.beamline.evaluation.RegressionPrediction}s. The stage's composite transform arrives with issue 13.
 */
package dev.beamline.evaluation;
