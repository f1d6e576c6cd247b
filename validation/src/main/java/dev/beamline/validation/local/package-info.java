/**
 * The local statistics engine: the statistics of local data computed in this process by a pool of
 * threads, without a Beam pipeline, with the accumulators of {@link
 * dev.beamline.validation.FeatureStatisticsFn} driven directly. Parquet files are read column by
 * column into {@link dev.beamline.validation.ColumnBatch}es. The result equals the Beam engine's:
 * exact fields identical, sketch fields within their stated error.
 *
 * <pre>{@code
 * StatisticsSet stats = LocalStatistics.withThreads(0).compute("data/flights.parquet");
 * }</pre>
 */
package dev.beamline.validation.local;
