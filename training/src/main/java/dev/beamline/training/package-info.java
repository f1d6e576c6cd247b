/**
 * The training stage of the Beamline life cycle: trains a model on the transformed Parquet shards with
 * TensorFlow Java in graph mode and exports a SavedModel that takes raw features.
 *
 * <ul>
 *   <li>{@link dev.beamline.training.Train}: the stage as a Beam composite transform.
 *   <li>{@link dev.beamline.training.TrainStage}: the stage behind the runner's stage contract, made from
 *       the {@code train:} section of a pipeline file by {@link dev.beamline.training.TrainStageFactory}.
 *   <li>{@link dev.beamline.training.Trainer}: the training loop, testable without a pipeline; it returns
 *       a {@link dev.beamline.training.TrainedModel} with its {@link dev.beamline.training.TrainingHistory}.
 *   <li>{@link dev.beamline.training.ModelSpec}: a {@link dev.beamline.training.TrainConfig} resolved
 *       against the fitted features, or rejected with a message naming the key.
 *   <li>{@link dev.beamline.training.TransformOps}: the transform contract of {@code FeatureTransform} as
 *       graph ops, so that the exported model needs no preprocessing.
 *   <li>{@link dev.beamline.training.LabelUnits}: the inverse of a regression label's scale and log steps,
 *       so that predictions and the eval RMSE are in the label's own units.
 *   <li>{@link dev.beamline.training.SavedModelExport}: the SavedModel, its signatures and its extra files.
 * </ul>
 *
 * <pre>{@code
 * try (TrainedModel m = Trainer.of(TrainConfig.defaults("species")).train(transformedDir, fitted)) {
 *   m.export(Paths.get("models/penguins/1"), provenanceJson);
 * }
 * }</pre>
 */
package dev.beamline.training;
