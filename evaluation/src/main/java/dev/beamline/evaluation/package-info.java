/**
 * The evaluation stage of the Beamline life cycle, and batch inference. {@link dev.beamline.evaluation.Evaluate}
 * scores raw rows with an exported SavedModel and tallies every slice's metrics, as mergeable {@code CombineFn}s
 * testable without a pipeline ({@link dev.beamline.evaluation.ClassificationMetricsFn} over
 * {@link dev.beamline.evaluation.Prediction}s, {@link dev.beamline.evaluation.RegressionMetricsFn} over
 * {@link dev.beamline.evaluation.RegressionPrediction}s); {@link dev.beamline.evaluation.WriteEvaluation} writes and
 * publishes them. {@link dev.beamline.evaluation.Predict} scores rows without a label and
 * {@link dev.beamline.evaluation.WritePredictions} publishes its answers; both write a predictions record through
 * {@link dev.beamline.evaluation.PredictionRows} and a row without a prediction through
 * {@link dev.beamline.evaluation.UnscoredRows}.
 */
package dev.beamline.evaluation;
