package dev.beamline.ingest;

import com.google.common.collect.ImmutableMap;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What {@link IngestExamples} produces: the examples of each split, the rejected rows, the input files'
 * fingerprints, and {@link #published()}, which holds the output folder once it is published (wait on
 * it before reading the files).
 */
public final class IngestResult implements POutput {
  private final Pipeline pipeline;
  private final ImmutableMap<String, PCollection<ExampleBatch>> batches;
  private final Schema avroSchema;
  private final Map<String, PCollection<GenericRecord>> flattened = new LinkedHashMap<>();
  private final PCollection<RejectedRow> rejected;
  private final PCollection<FileFingerprint> fingerprints;
  private final PCollection<String> published;
  private final ExampleSchema schema;
  private final InputFiles inputs;
  private final String outputDir;

  IngestResult(
      Pipeline pipeline,
      Map<String, PCollection<ExampleBatch>> batches,
      Schema avroSchema,
      PCollection<RejectedRow> rejected,
      PCollection<FileFingerprint> fingerprints,
      PCollection<String> published,
      ExampleSchema schema,
      InputFiles inputs,
      String outputDir) {
    this.pipeline = pipeline;
    this.batches = ImmutableMap.copyOf(batches);
    this.avroSchema = avroSchema;
    this.rejected = rejected;
    this.fingerprints = fingerprints;
    this.published = published;
    this.schema = schema;
    this.inputs = inputs;
    this.outputDir = outputDir;
  }

  /** The examples of split {@code name}, in batches: what fast downstream stages consume. */
  public PCollection<ExampleBatch> batches(String name) {
    PCollection<ExampleBatch> s = batches.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no split '" + name + "'; splits are " + batches.keySet());
    }
    return s;
  }

  /**
   * The examples of split {@code name}, one element each. Flattening costs a step per example, so it is
   * added to the graph only when asked for.
   */
  public PCollection<GenericRecord> split(String name) {
    PCollection<ExampleBatch> b = batches(name);
    return flattened.computeIfAbsent(
        name,
        n ->
            b.apply("Flatten-" + n, FlatMapElements.into(new TypeDescriptor<GenericRecord>() {}).via(ExampleBatch::examples))
                .setCoder(AvroCoder.of(avroSchema)));
  }

  /** The split names, in configuration order. */
  public List<String> splitNames() {
    return List.copyOf(batches.keySet());
  }

  public PCollection<RejectedRow> rejected() {
    return rejected;
  }

  public PCollection<FileFingerprint> fingerprints() {
    return fingerprints;
  }

  /** One element, the published output folder, emitted after every file is written and published. */
  public PCollection<String> published() {
    return published;
  }

  /** The Avro schema the examples are written with. */
  public Schema avroSchema() {
    return avroSchema;
  }

  /** The schema of the examples, declared or inferred. */
  public ExampleSchema schema() {
    return schema;
  }

  /** The input files read, with their spans. */
  public InputFiles inputs() {
    return inputs;
  }

  /**
   * Where the output is published: {@code examples/<split>/part-*.parquet}, {@code schema.avsc},
   * {@code fingerprint.json} and {@code dead_letter/rejected-*.jsonl}.
   */
  public String outputUri() {
    return outputDir;
  }

  /** {@link #outputUri()} as a local path. */
  public Path outputDir() {
    return Paths.get(outputDir);
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    Map<TupleTag<?>, PValue> out = new LinkedHashMap<>();
    batches.forEach((name, pc) -> out.put(new TupleTag<ExampleBatch>("split:" + name), pc));
    out.put(new TupleTag<RejectedRow>("rejected"), rejected);
    out.put(new TupleTag<FileFingerprint>("fingerprints"), fingerprints);
    out.put(new TupleTag<String>("published"), published);
    return out;
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, org.apache.beam.sdk.values.PInput input, PTransform<?, ?> transform) {}
}
