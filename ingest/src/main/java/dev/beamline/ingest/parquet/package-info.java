/**
 * Reading and writing examples as Parquet, in one place for every stage: ingestion writes its splits
 * and reads Parquet input here, the transform stage reads the ingested examples and writes its
 * transformed ones, training reads the transformed columns and the local statistics engine the raw
 * ones.
 *
 * <ul>
 *   <li>{@link dev.beamline.ingest.parquet.BeamInputFile}: a Parquet input file on any file system
 *       Beam supports; {@link dev.beamline.ingest.parquet.ParquetFiles} opens files through it and
 *       reads their footers (schema, row count).
 *   <li>{@link dev.beamline.ingest.parquet.ExampleBatchParquetSink}: the writer, one Snappy-compressed
 *       row per example.
 *   <li>{@link dev.beamline.ingest.parquet.ExampleRecordReader}: the records, as generic Avro records.
 *   <li>{@link dev.beamline.ingest.parquet.ColumnarFile} and {@link
 *       dev.beamline.ingest.parquet.ColumnChunkDecoder}: chosen columns decoded in bulk into {@link
 *       dev.beamline.ingest.parquet.DecodedValues} (levels, then values or dictionary ids into a
 *       {@link dev.beamline.ingest.parquet.ColumnDictionary}), without records.
 * </ul>
 *
 * <pre>{@code
 * try (ColumnarFile file = ColumnarFile.open(shard)) {
 *   file.select(file.columnsOf("distance"));
 *   DecodedValues v = new DecodedValues();
 *   for (int g = 0; g < file.rowGroups(); g++) {
 *     ColumnChunkDecoder distance = file.readRowGroup(g)[0];
 *     while (distance.readRows(4096, v) > 0) {
 *       ...
 *     }
 *   }
 * }
 * }</pre>
 */
package dev.beamline.ingest.parquet;
