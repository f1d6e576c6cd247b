/**
 * The validation stage of the Beamline life cycle. Today: data statistics, TFDV-style, as mergeable Beam
 * {@code CombineFn}s on Apache DataSketches.
 *
 * <ul>
 *   <li>{@link dev.beamline.validation.ComputeStatistics}: the composite transform, one split's example
 *       batches to its {@link dev.beamline.validation.DatasetStatistics};
 *   <li>{@link dev.beamline.validation.FeatureStatisticsFn}: the algorithm, usable without a pipeline
 *       ({@code computeInMemory});
 *   <li>{@link dev.beamline.validation.StatisticsSet}: the statistics of all splits and their JSON form.
 * </ul>
 */
package dev.beamline.validation;
