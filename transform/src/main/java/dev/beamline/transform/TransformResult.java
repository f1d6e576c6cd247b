package dev.beamline.transform;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.beamline.core.ExampleBatch;
import dev.beamline.validation.DatasetStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What {@link AnalyzeAndTransform} produces: the fitted transform (on the analyze split), the transformed batches and the
 * statistics of each split, and {@link #published()}, which holds the artifact folder once it is
 * published (wait on it before reading the files).
 *
 * <pre>{@code
 * TransformResult r = input.apply(AnalyzeAndTransform.of(rawSchema, spec).to(output));
 * PCollection<ExampleBatch> eval = r.batches("eval");
 * next.apply(Wait.on(r.published()));
 * }</pre>
 */
public final class TransformResult implements POutput {
  private final Pipeline pipeline;
  private final PCollection<FittedTransform> fitted;
  private final ImmutableMap<String, PCollection<ExampleBatch>> batches;
  private final ImmutableList<PCollection<DatasetStatistics>> statistics;
  private final PCollection<String> published;
  private final Schema outputSchema;
  private final String outputDir;

  TransformResult(
      Pipeline pipeline,
      PCollection<FittedTransform> fitted,
      Map<String, PCollection<ExampleBatch>> batches,
      List<PCollection<DatasetStatistics>> statistics,
      PCollection<String> published,
      Schema outputSchema,
      String outputDir) {
    this.pipeline = pipeline;
    this.fitted = fitted;
    this.batches = ImmutableMap.copyOf(batches);
    this.statistics = ImmutableList.copyOf(statistics);
    this.published = published;
    this.outputSchema = outputSchema;
    this.outputDir = outputDir;
  }

  /** One element: the transform fitted on the analyze split. */
  public PCollection<FittedTransform> fitted() {
    return fitted;
  }

  /** The transformed examples of split {@code name}, records of {@link #outputSchema()}. */
  public PCollection<ExampleBatch> batches(String name) {
    PCollection<ExampleBatch> b = batches.get(name);
    if (b == null) {
      throw new IllegalArgumentException("no split '" + name + "'; splits are " + batches.keySet());
    }
    return b;
  }

  /** The split names, in input order. */
  public List<String> splitNames() {
    return List.copyOf(batches.keySet());
  }

  /** One element: the statistics of the transformed split {@code name}. */
  public PCollection<DatasetStatistics> statistics(String name) {
    batches(name);
    return statistics.get(splitNames().indexOf(name));
  }

  /** One element, the published folder, emitted after every file is written and published. */
  public PCollection<String> published() {
    return published;
  }

  /** The Avro schema of transformed examples. */
  public Schema outputSchema() {
    return outputSchema;
  }

  /** Where the artifact is published; see {@link AnalyzeAndTransform} for its layout. */
  public String outputDir() {
    return outputDir;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    Map<TupleTag<?>, PValue> out = new LinkedHashMap<>();
    out.put(new TupleTag<FittedTransform>("fitted"), fitted);
    batches.forEach((name, pc) -> out.put(new TupleTag<ExampleBatch>("split:" + name), pc));
    List<String> names = splitNames();
    for (int i = 0; i < names.size(); i++) {
      out.put(new TupleTag<DatasetStatistics>("statistics:" + names.get(i)), statistics.get(i));
    }
    out.put(new TupleTag<String>("published"), published);
    return out;
  }

  @Override
  public void finishSpecifyingOutput(String transformName, PInput input, PTransform<?, ?> transform) {}
}
