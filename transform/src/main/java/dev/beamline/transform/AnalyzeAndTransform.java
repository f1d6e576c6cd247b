package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.beamline.core.crypto.EncryptingSink;
import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.RunLayout;
import dev.beamline.core.StageOutput;
import dev.beamline.core.Storage;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.ingest.parquet.ExampleBatchParquetSink;
import dev.beamline.validation.ComputeStatistics;
import dev.beamline.validation.DatasetStatistics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * The transform stage: fits the full-pass analyzers of a {@link TransformSpec} on the analyze split
 * ({@code analyze_split}, default {@code train}) only, applies the fitted transform to every split,
 * writes each transformed split as Parquet shards, computes their statistics, and publishes it all as
 * one artifact folder with one atomic rename. Building the graph touches no file: the output is
 * checked and its staging folder prepared when the pipeline runs.
 *
 * <pre>{@code
 * TransformResult r =
 *     AnalyzeAndTransform.splits(Map.of("train", trainBatches, "eval", evalBatches))
 *         .apply("Transform", AnalyzeAndTransform.of(rawSchema, spec).to(layout.output("transform")));
 * PCollection<ExampleBatch> train = r.batches("train");
 * PCollection<String> done = r.published();   // Wait.on(done) before reading the folder
 * }</pre>
 *
 * <h2>Published folder</h2>
 *
 * <pre>
 * transform.json                     the fitted transform (see {@link FittedTransform})
 * vocabularies/&lt;output&gt;.tsv          one per output with a vocabulary
 * vectors/&lt;output&gt;.txt               the pretrained vectors of its vocabulary, per output that has them
 * schema.avsc                        the Avro schema of transformed examples
 * examples/&lt;split&gt;/part-*.parquet    transformed examples, as the ingest output's layout
 * statistics.json                    statistics of each transformed split ({@code StatisticsSet})
 * provenance.json                    when the output has provenance
 * </pre>
 *
 * <p>The statistics cover the scalar outputs: FLOAT outputs as {@code float} features, ID outputs as
 * {@code int} features. List outputs (IDS and VECTOR) have no statistics; with no scalar output, each
 * split's statistics hold its number of examples only.
 */
public final class AnalyzeAndTransform extends PTransform<PCollectionTuple, TransformResult> {
  private static final long serialVersionUID = 1L;
  /** The stage name in the run layout. */
  public static final String STAGE = "transform";
  /** The split the analyzers see ({@code analyze_split}) unless told otherwise. */
  public static final String DEFAULT_ANALYZE_SPLIT = "train";
  /** The folder of the transformed splits, one sub-folder per split. */
  public static final String EXAMPLES_DIR = "examples";
  /** The file with the Avro schema of transformed examples. */
  public static final String SCHEMA_FILE = "schema.avsc";
  /** The file with the statistics of the transformed splits. */
  public static final String STATISTICS_FILE = "statistics.json";

  private final ExampleSchema rawSchema;
  private final TransformSpec spec;
  private final String analyzeSplit;
  private final StageOutput output;
  private final int shards;

  private AnalyzeAndTransform(ExampleSchema rawSchema, TransformSpec spec, String analyzeSplit, StageOutput output, int shards) {
    this.rawSchema = rawSchema;
    this.spec = spec;
    this.analyzeSplit = analyzeSplit;
    this.output = output;
    this.shards = shards;
  }

  /** Transforms examples of {@code rawSchema} as {@code spec} declares; say where with {@link #to(StageOutput)}. */
  public static AnalyzeAndTransform of(ExampleSchema rawSchema, TransformSpec spec) {
    return new AnalyzeAndTransform(
        checkNotNull(rawSchema, "rawSchema"), checkNotNull(spec, "spec"), DEFAULT_ANALYZE_SPLIT, null, 0);
  }

  /** The input of the stage: the raw batches of each split, in order. */
  public static PCollectionTuple splits(Map<String, PCollection<ExampleBatch>> splits) {
    checkArgument(!splits.isEmpty(), "splits must not be empty");
    PCollectionTuple tuple = null;
    for (Map.Entry<String, PCollection<ExampleBatch>> e : splits.entrySet()) {
      tuple = tuple == null ? PCollectionTuple.of(e.getKey(), e.getValue()) : tuple.and(e.getKey(), e.getValue());
    }
    return tuple;
  }

  /** Transforms examples of {@code rawSchema} as {@code config} says (its spec and its analyze split). */
  public static AnalyzeAndTransform of(ExampleSchema rawSchema, TransformConfig config) {
    return of(rawSchema, checkNotNull(config, "config").spec()).withAnalyzeSplit(config.analyzeSplit());
  }

  /** Fits the analyzers on split {@code split} ({@code analyze_split}, default {@value #DEFAULT_ANALYZE_SPLIT}). */
  public AnalyzeAndTransform withAnalyzeSplit(String split) {
    checkArgument(split != null && !split.isBlank(), "analyze_split must name a split, got '%s'", split);
    return new AnalyzeAndTransform(rawSchema, spec, split, output, shards);
  }

  /** Writes into the {@value #STAGE} stage of {@code layout}. */
  public AnalyzeAndTransform to(RunLayout layout) {
    return to(checkNotNull(layout, "layout").output(STAGE));
  }

  /** Publishes into {@code output}. */
  public AnalyzeAndTransform to(StageOutput output) {
    return new AnalyzeAndTransform(rawSchema, spec, analyzeSplit, checkNotNull(output, "output"), shards);
  }

  /** Parquet files per split; 0 (default) lets the runner choose. */
  public AnalyzeAndTransform withShards(int shards) {
    checkArgument(shards >= 0, "shards must be 0 (runner decides) or more, got %s", shards);
    return new AnalyzeAndTransform(rawSchema, spec, analyzeSplit, output, shards);
  }

  public ExampleSchema rawSchema() {
    return rawSchema;
  }

  public TransformSpec spec() {
    return spec;
  }

  public String analyzeSplit() {
    return analyzeSplit;
  }

  @Override
  public TransformResult expand(PCollectionTuple input) {
    Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
    for (Map.Entry<TupleTag<?>, PCollection<?>> e : input.getAll().entrySet()) {
      @SuppressWarnings("unchecked")
      PCollection<ExampleBatch> batches = (PCollection<ExampleBatch>) e.getValue();
      splits.put(e.getKey().getId(), batches);
    }
    checkAnalyzeSplit(splits.keySet());
    return build(input.getPipeline(), List.copyOf(splits.keySet()), splits.get(analyzeSplit), fitted -> splits);
  }

  /**
   * The same stage on published ingestion output instead of batches: its input holds the folder (one
   * element, e.g. {@code IngestResult.published()}), which is read twice. The analyzers read the
   * analyze split; each split is read again for the apply step once the transform is fitted. With
   * batches as input, a runner must keep every batch that arrives before the fitted transform (the
   * DirectRunner keeps them in memory, copied); reading again keeps memory flat and costs a second
   * read of the analyze split.
   *
   * <pre>{@code
   * TransformResult r = ingest.published()
   *     .apply("Transform", AnalyzeAndTransform.of(rawSchema, spec).to(output).readingPublished(avroSchema, List.of("train", "eval")));
   * }</pre>
   *
   * @param avroSchema the Avro schema of the published examples
   * @param splitNames the splits to transform, the analyze split among them
   */
  public PTransform<PCollection<String>, TransformResult> readingPublished(Schema avroSchema, List<String> splitNames) {
    checkNotNull(avroSchema, "avroSchema");
    List<String> names = List.copyOf(splitNames);
    checkAnalyzeSplit(names);
    return new ReadingPublished(this, avroSchema.toString(), names);
  }

  /** {@link #readingPublished}: reads the folders of its input, then runs the stage. */
  private static final class ReadingPublished extends PTransform<PCollection<String>, TransformResult> {
    private static final long serialVersionUID = 1L;
    private final AnalyzeAndTransform stage;
    private final String avroSchemaJson;
    private final List<String> splitNames;

    ReadingPublished(AnalyzeAndTransform stage, String avroSchemaJson, List<String> splitNames) {
      this.stage = stage;
      this.avroSchemaJson = avroSchemaJson;
      this.splitNames = splitNames;
    }

    @Override
    public TransformResult expand(PCollection<String> dirs) {
      Schema avro = new Schema.Parser().parse(avroSchemaJson);
      PCollection<ExampleBatch> analysis = dirs.apply("ReadForAnalysis", ReadPublishedExamples.split(stage.analyzeSplit, avro));
      return stage.build(dirs.getPipeline(), splitNames, analysis, fitted -> {
        // Released only once the side input is ready: the reads below start after the analyzers finished.
        PCollection<String> fittedDirs =
            dirs.apply("OnceFitted", ParDo.of(new OnceReady<String>(fitted)).withSideInputs(fitted)).setCoder(StringUtf8Coder.of());
        Map<String, PCollection<ExampleBatch>> splits = new LinkedHashMap<>();
        for (String split : splitNames) {
          splits.put(split, fittedDirs.apply("Read-" + split, ReadPublishedExamples.split(split, avro)));
        }
        return splits;
      });
    }
  }

  /** Passes its input on once {@code view} is ready (a runner holds elements back until then). */
  private static final class OnceReady<T> extends DoFn<T, T> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<?> view;

    OnceReady(PCollectionView<?> view) {
      this.view = view;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      c.sideInput(view);
      c.output(c.element());
    }
  }

  private void checkAnalyzeSplit(Collection<String> splits) {
    checkAnalyzeSplit(analyzeSplit, splits);
  }

  /**
   * Checks that {@code analyzeSplit} is one of {@code splits}.
   *
   * @throws ConfigException naming the split and the splits there are
   */
  static void checkAnalyzeSplit(String analyzeSplit, Collection<String> splits) {
    if (!splits.contains(analyzeSplit)) {
      throw new ConfigException(
          "transform: analyze_split '" + analyzeSplit + "' is not a split of the data (splits: " + String.join(", ", splits) + ")");
    }
  }

  /**
   * The stage: fits the analyzers on {@code analysisInput}, then applies the fitted transform to the
   * batches that {@code applyInputs} gives for its view, one collection per split.
   */
  private TransformResult build(Pipeline p, List<String> splitNames, PCollection<ExampleBatch> analysisInput,
      Function<PCollectionView<FittedTransform>, Map<String, PCollection<ExampleBatch>>> applyInputs) {
    checkState(output != null, "AnalyzeAndTransform needs an output: call to(RunLayout) or to(StageOutput)");
    spec.check(rawSchema);
    String outputDir = output.dir();
    String staging = Storage.stagingOf(outputDir);

    // Building the graph touches no file: the staging folder is made ready when the pipeline runs,
    // while the analyzers run, and nothing is written into it before (every write needs the fitted view).
    PCollection<String> prepared =
        p.apply("OutputDir", Create.of(outputDir).withCoder(StringUtf8Coder.of()))
            .apply("PrepareStaging", ParDo.of(new PrepareStagingFn(splitNames)))
            .setCoder(StringUtf8Coder.of());
    PCollectionView<String> preparedView = prepared.apply("PreparedView", View.asSingleton());

    Schema outputSchema = OutputSchema.avro(spec, rawSchema);
    ExampleSchema scalars = OutputSchema.scalars(spec, rawSchema);
    PCollection<FittedTransform> fitted =
        analysisInput
            .apply("Analyze", Combine.globally(AnalyzeFn.of(rawSchema, spec)))
            .setCoder(SerializableCoder.of(FittedTransform.class))
            .apply("OnceStaged", ParDo.of(new OnceReady<FittedTransform>(preparedView)).withSideInputs(preparedView))
            .setCoder(SerializableCoder.of(FittedTransform.class));
    PCollectionView<FittedTransform> fittedView = fitted.apply("FittedView", View.asSingleton());
    Map<String, PCollection<ExampleBatch>> splits = applyInputs.apply(fittedView);

    Map<String, PCollection<ExampleBatch>> transformed = new LinkedHashMap<>();
    List<PCollection<?>> written = new ArrayList<>();
    List<PCollection<DatasetStatistics>> statistics = new ArrayList<>();
    for (Map.Entry<String, PCollection<ExampleBatch>> e : splits.entrySet()) {
      String name = e.getKey();
      PCollection<ExampleBatch> out =
          e.getValue()
              .apply("Apply-" + name, ParDo.of(new ApplyFn(fittedView)).withSideInputs(fittedView))
              .setCoder(ExampleBatch.coder(outputSchema));
      transformed.put(name, out);
      FileIO.Write<Void, ExampleBatch> write =
          FileIO.<ExampleBatch>write()
              .via(EncryptingSink.of(new ExampleBatchParquetSink(outputSchema), Storage.resolve(staging, EXAMPLES_DIR + "/" + name)))
              .to(Storage.resolve(staging, EXAMPLES_DIR + "/" + name))
              .withPrefix("part")
              .withSuffix(".parquet");
      if (shards > 0) {
        write = write.withNumShards(shards);
      }
      written.add(out.apply("Write-" + name, write).getPerDestinationOutputFilenames());
      statistics.add(statisticsOf(out, scalars, name));
    }
    PCollectionView<List<DatasetStatistics>> statisticsView =
        PCollectionList.of(statistics)
            .apply("AllStatistics", Flatten.pCollections())
            .setCoder(DatasetStatistics.coder())
            .apply("StatisticsView", View.asList());

    PCollection<String> published =
        prepared
            .apply("AwaitWrites", Wait.on(written))
            .apply(
                "Publish",
                ParDo.of(new PublishTransformFn(fittedView, statisticsView, splitNames, outputSchema.toString(true), output))
                    .withSideInputs(fittedView, statisticsView))
            .setCoder(StringUtf8Coder.of());
    return new TransformResult(p, fitted, transformed, statistics, published, outputSchema, outputDir);
  }

  /**
   * Makes the staging folder ready when the pipeline runs, before anything is written into it: refuses
   * an output that exists already, removes what an earlier failed attempt left in the staging folder,
   * and creates each split's folder, so that an empty split still has its (empty) folder. Emits the
   * output folder.
   */
  private static final class PrepareStagingFn extends DoFn<String, String> {
    private static final long serialVersionUID = 1L;
    private final List<String> splits;

    PrepareStagingFn(List<String> splits) {
      this.splits = List.copyOf(splits);
    }

    @ProcessElement
    public void process(@Element String outputDir, OutputReceiver<String> out) {
      if (Storage.exists(outputDir)) {
        throw new ConfigException("output " + outputDir + " exists already: run ids must not be reused");
      }
      String staging = Storage.stagingOf(outputDir);
      Storage.deleteRecursively(staging);
      if (Storage.isLocal(staging)) {
        // Object stores have no folders; on a local disk a split with no example still gets its folder.
        try {
          for (String split : splits) {
            Files.createDirectories(localPath(staging).resolve(EXAMPLES_DIR).resolve(split));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create " + staging, e);
        }
      }
      out.output(outputDir);
    }
  }

  /** The local path of {@code uri}, a plain path or a {@code file:} URI. */
  static Path localPath(String uri) {
    return uri.startsWith("file:") ? Paths.get(URI.create(uri)) : Paths.get(uri);
  }

  private static PCollection<DatasetStatistics> statisticsOf(PCollection<ExampleBatch> batches, ExampleSchema scalars, String split) {
    if (scalars != null) {
      return batches.apply("Statistics-" + split, ComputeStatistics.of(scalars, split));
    }
    return batches
        .apply("CountBatches-" + split, MapElements.into(TypeDescriptor.of(Long.class)).via(b -> (long) b.size()))
        .apply("Count-" + split, Sum.longsGlobally())
        .apply("Statistics-" + split, MapElements.into(TypeDescriptor.of(DatasetStatistics.class))
            .via(n -> new DatasetStatistics(split, n, List.of())))
        .setCoder(DatasetStatistics.coder());
  }
}
