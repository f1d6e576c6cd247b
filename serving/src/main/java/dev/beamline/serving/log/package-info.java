/**
 * The request log of the feedback loop: a sample of the requests the model server answered, with
 * their inputs and outputs, written as Parquet that Beamline's ingestion reads back as a dataset.
 * {@link dev.beamline.serving.log.RequestLog} is what the server hands requests to ({@code offer} never
 * blocks); {@link dev.beamline.serving.log.ParquetRequestLog} writes them on a background thread in
 * rolling segments, {@code <directory>/<model>/<version>/requests-*.parquet}, each published with one
 * atomic rename, so that a reader never sees half a segment; {@link
 * dev.beamline.serving.log.RequestLogConfig} says where, how much and how often.
 *
 * <pre>{@code
 * ingest:
 *   input: /var/log/beamline/requests/penguins/{SPAN}/*.parquet   # {SPAN}: the newest model version
 * }</pre>
 */
package dev.beamline.serving.log;
