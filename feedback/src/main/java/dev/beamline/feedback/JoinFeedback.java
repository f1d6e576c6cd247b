package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.beamline.core.crypto.EncryptingSink;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.ingest.parquet.ExampleBatchParquetSink;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.join.RawUnionValue;
import org.apache.beam.sdk.transforms.join.UnionCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Joins the requests the model server logged with the labels that arrived later, by request id or a
 * declared key, within a declared delay ({@link FeedbackJoin} states the rules), and publishes the joined
 * traffic atomically ({@link JoinedTraffic} describes the folder): every logged row kept, with its label
 * or without one, as Parquet; bad label rows as dead letters with their file, line and field; the labels
 * that joined nothing with their file, line and key; and the counts. Segments and label files are read
 * by ingestion's readers, one file per element; rows and labels meet in one {@code GroupByKey} per bucket of keys.
 *
 * <pre>{@code
 * FeedbackInputs in = FeedbackInputs.list(config, "penguins").resolve();
 * PCollection<String> published = pipeline.apply(JoinFeedback.of(in).to(output));
 * }</pre>
 *
 * <p>{@code expand()} only builds the graph: files are read, written and published when the pipeline runs.
 */
public final class JoinFeedback extends PTransform<PBegin, PCollection<String>> {
  private static final long serialVersionUID = 1L;

  private final FeedbackInputs inputs;
  private final StageOutput output;

  private JoinFeedback(FeedbackInputs inputs, StageOutput output) {
    this.inputs = inputs;
    this.output = output;
  }

  /** The join of {@code inputs}, which must be {@linkplain FeedbackInputs#resolve resolved}; say where it writes with {@link #to}. */
  public static JoinFeedback of(FeedbackInputs inputs) {
    checkNotNull(inputs, "inputs");
    checkArgument(inputs.resolved(), "the feedback inputs are listed, not resolved: call resolve() before building the join");
    return new JoinFeedback(inputs, null);
  }

  /** Writes into {@code output}. */
  public JoinFeedback to(StageOutput output) {
    return new JoinFeedback(inputs, checkNotNull(output, "output"));
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    checkState(output != null, "JoinFeedback needs an output: call to(StageOutput)");
    Pipeline p = begin.getPipeline();
    String staging = output.stagingDir();
    String sinkTemp = Storage.resolve(staging, JoinedTraffic.SINK_TEMP_DIR);
    LabelSource source = inputs.config().labels();

    PCollectionTuple logged = p
        .apply("ListSegments", Create.of(paths(inputs.segments())).withCoder(StringUtf8Coder.of()))
        .apply("SpreadSegments", Reshuffle.viaRandomKey())
        .apply("ReadRequestLog", ParDo.of(new ReadRequestLogFn(inputs.segmentColumns(), inputs.requests(), source.key()))
            .withOutputTags(ReadRequestLogFn.ROWS, TupleTagList.of(ReadRequestLogFn.REJECTED).and(ReadRequestLogFn.FILES)));
    PCollection<KV<String, GenericRecord>> rows =
        logged.get(ReadRequestLogFn.ROWS).setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(inputs.requests().toAvro())));

    PCollectionTuple labelled = p
        .apply("ListLabelFiles", Create.of(paths(inputs.labelFiles())).withCoder(StringUtf8Coder.of()))
        .apply("SpreadLabelFiles", Reshuffle.viaRandomKey())
        .apply("ReadLabels", ParDo.of(new ReadLabelsFn(inputs.labels().reader(), inputs.labels().schema(), source, inputs.labelFileTimes()))
            .withOutputTags(ReadLabelsFn.LABELS, TupleTagList.of(ReadLabelsFn.REJECTED).and(ReadLabelsFn.FILES)));
    PCollection<KV<String, FeedbackJoin.Label>> labels =
        labelled.get(ReadLabelsFn.LABELS).setCoder(KvCoder.of(StringUtf8Coder.of(), SerializableCoder.of(FeedbackJoin.Label.class)));

    // Grouped by bucket of keys, not by key (see JoinFn), requests and labels in one group read once: a
    // runner may hand over a large group as an iterable that cannot be read twice.
    int buckets = trafficShards(inputs);
    Coder<KV<String, GenericRecord>> rowCoder = rows.getCoder();
    Coder<KV<String, FeedbackJoin.Label>> labelCoder = labels.getCoder();
    KvCoder<Integer, RawUnionValue> bucketCoder = KvCoder.of(VarIntCoder.of(), UnionCoder.of(List.of(rowCoder, labelCoder)));
    PCollection<KV<Integer, RawUnionValue>> rowBuckets = rows
        .apply("RequestBuckets", MapElements.into(new TypeDescriptor<KV<Integer, RawUnionValue>>() {})
            .via((KV<String, GenericRecord> kv) -> KV.of(JoinFn.bucket(kv.getKey(), buckets), new RawUnionValue(JoinFn.REQUEST, kv))))
        .setCoder(bucketCoder);
    PCollection<KV<Integer, RawUnionValue>> labelBuckets = labels
        .apply("LabelBuckets", MapElements.into(new TypeDescriptor<KV<Integer, RawUnionValue>>() {})
            .via((KV<String, FeedbackJoin.Label> kv) -> KV.of(JoinFn.bucket(kv.getKey(), buckets), new RawUnionValue(JoinFn.LABEL, kv))))
        .setCoder(bucketCoder);
    PCollectionTuple joined = PCollectionList.of(rowBuckets).and(labelBuckets)
        .apply("RequestsAndLabels", Flatten.pCollections())
        .setCoder(bucketCoder)
        .apply("GroupByBucket", GroupByKey.create())
        .apply("Join", ParDo.of(new JoinFn(inputs.config().maxDelay(), inputs.requests(), inputs.traffic()))
            .withOutputTags(JoinFn.TRAFFIC, TupleTagList.of(JoinFn.UNJOINED).and(JoinFn.COUNTS)));
    PCollection<ExampleBatch> traffic = joined.get(JoinFn.TRAFFIC).setCoder(ExampleBatch.coder(inputs.traffic().toAvro()));
    PCollection<String> unjoined = joined.get(JoinFn.UNJOINED).setCoder(StringUtf8Coder.of());
    PCollection<JoinCounts> counts = joined.get(JoinFn.COUNTS).setCoder(SerializableCoder.of(JoinCounts.class));

    PCollection<RejectedRow> rejected = PCollectionList
        .of(logged.get(ReadRequestLogFn.REJECTED).setCoder(SerializableCoder.of(RejectedRow.class)))
        .and(labelled.get(ReadLabelsFn.REJECTED).setCoder(SerializableCoder.of(RejectedRow.class)))
        .apply("AllRejected", Flatten.pCollections());
    PCollection<FileRead> files = PCollectionList
        .of(logged.get(ReadRequestLogFn.FILES).setCoder(SerializableCoder.of(FileRead.class)))
        .and(labelled.get(ReadLabelsFn.FILES).setCoder(SerializableCoder.of(FileRead.class)))
        .apply("AllFiles", Flatten.pCollections());

    PCollection<KV<Void, String>> trafficFiles = traffic.apply("WriteTraffic", FileIO.<ExampleBatch>write()
            .via(EncryptingSink.of(new ExampleBatchParquetSink(inputs.traffic().toAvro()),
                Storage.resolve(staging, JoinedTraffic.EXAMPLES_DIR + "/" + JoinedTraffic.SPLIT)))
            .to(Storage.resolve(staging, JoinedTraffic.EXAMPLES_DIR + "/" + JoinedTraffic.SPLIT))
            .withTempDirectory(Storage.resolve(sinkTemp, JoinedTraffic.SPLIT))
            .withPrefix("part")
            .withSuffix(".parquet"))
        .getPerDestinationOutputFilenames();
    PCollection<KV<Void, String>> deadLetterFiles = rejected
        .apply("RejectedAsJson", MapElements.into(TypeDescriptors.strings()).via(RejectedRow::toJson))
        .apply("WriteDeadLetter", lines(staging, sinkTemp, JoinedTraffic.DEAD_LETTER_DIR, "rejected"))
        .getPerDestinationOutputFilenames();
    PCollection<KV<Void, String>> unjoinedFiles = unjoined
        .apply("WriteUnjoined", lines(staging, sinkTemp, JoinedTraffic.UNJOINED_DIR, "labels"))
        .getPerDestinationOutputFilenames();

    // Side inputs are complete before the publishing step starts: it runs once every file is written.
    PCollectionView<List<String>> written = PCollectionList.of(trafficFiles).and(deadLetterFiles).and(unjoinedFiles)
        .apply("WrittenFiles", Flatten.pCollections())
        .apply("WrittenNames", Values.create())
        .apply("WrittenView", View.asList());
    PCollectionView<JoinCounts> countsView = counts.apply("SumCounts", Combine.globally(new JoinCounts.SumFn()).asSingletonView());
    PCollectionView<List<FileRead>> filesView = files.apply("FilesView", View.asList());
    return p.apply("OutputDir", Create.of(output.dir()).withCoder(StringUtf8Coder.of()))
        .apply("Publish", ParDo.of(new PublishJoinFn(inputs, output, countsView, filesView, written)).withSideInputs(countsView, filesView, written))
        .setCoder(StringUtf8Coder.of());
  }

  /** One JSON-lines file of {@code prefix}-*.jsonl in {@code staging/folder}. */
  private static FileIO.Write<Void, String> lines(String staging, String sinkTemp, String folder, String prefix) {
    return FileIO.<String>write()
        .via(EncryptingSink.of(TextIO.sink(), Storage.resolve(staging, folder)))
        .to(Storage.resolve(staging, folder))
        .withTempDirectory(Storage.resolve(sinkTemp, folder))
        .withPrefix(prefix)
        .withSuffix(".jsonl")
        .withNumShards(1);
  }

  /** Bytes of request log per bucket of keys (held in memory by the join; one file of joined traffic each). */
  static final long BYTES_PER_SHARD = 16L << 20;
  /** The most buckets. */
  static final int MAX_SHARDS = 256;

  /** One bucket per {@link #BYTES_PER_SHARD} of logged segments, at least one, at most {@link #MAX_SHARDS}. */
  static int trafficShards(FeedbackInputs inputs) {
    long bytes = inputs.segments().files().stream().mapToLong(InputFiles.InputFile::bytes).sum();
    return (int) Math.max(1, Math.min(MAX_SHARDS, (bytes + BYTES_PER_SHARD - 1) / BYTES_PER_SHARD));
  }

  private static List<String> paths(InputFiles files) {
    return files.files().stream().map(InputFiles.InputFile::path).toList();
  }
}
