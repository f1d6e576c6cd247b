/**
 * The validation stage of the Beamline life cycle. Today: data statistics, TFDV-style, as mergeable Beam
 * {@code CombineFn}s on Apache DataSketches.
 *
 * <ul>
 *   <li>{@link dev.beamline.validation.ComputeStatistics}: the composite transform, one split's example
 *       batches to its {@link dev.beamline.validation.DatasetStatistics};
 *   <li>{@link dev.beamline.validation.FeatureStatisticsFn}: the algorithm, usable without a pipeline
 *       ({@code computeInMemory});
 *   <li>{@link dev.beamline.validation.StatisticsSet}: the statistics of all splits and their JSON form;
 *   <li>{@link dev.beamline.validation.StatisticsStage}, {@link dev.beamline.validation.SchemaStage} and
 *       {@link dev.beamline.validation.ValidateStage}: the stages of a pipeline file's {@code validation:}
 *       section, made by {@link dev.beamline.validation.ValidationStageFactory};
 *   <li>{@link dev.beamline.validation.local}: the same statistics computed in this process, without a pipeline.
 * </ul>
 */
package dev.beamline.validation;
