package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.validation.privacy.ComputeDpSums;
import dev.beamline.validation.privacy.DpQueryPlan;
import dev.beamline.validation.privacy.DpReport;
import dev.beamline.validation.privacy.DpStatistics;
import dev.beamline.validation.privacy.DpSums;
import dev.beamline.validation.privacy.ReleaseDpStatistics;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionView;

/**
 * The statistics of every split of a published ingestion output ({@link ComputeStatisticsSet}) and,
 * from the same read of the examples, their differentially private release ({@link DpQueryPlan}): the
 * exact aggregates by {@link ComputeDpSums}, the noise added once at the end by {@link ReleaseDpStatistics}.
 * The exact statistics are for the pipeline's own validation; only the release may be shared.
 *
 * <pre>{@code
 * PCollection<ComputeStatisticsWithDp.Result> r =
 *     examplesDir.apply(ComputeStatisticsWithDp.ofPublished(schema, plan, "penguins"));
 * }</pre>
 */
public final class ComputeStatisticsWithDp extends PTransform<PCollection<String>, PCollection<ComputeStatisticsWithDp.Result>> {
  private static final long serialVersionUID = 1L;

  /** The exact statistics and the private release, published together. */
  public record Result(StatisticsSet statistics, DpStatistics dp, String title) implements Serializable {
    /** The files of the statistics artifact: {@code statistics.json}, {@code dp_statistics.json} and {@code dp_report.html}. */
    public Map<String, String> files() {
      Map<String, String> f = new LinkedHashMap<>();
      f.put(ValidationRun.STATISTICS_FILE, statistics.toJson());
      f.put(DpStatistics.FILE, dp.toJson());
      f.put(DpReport.FILE, DpReport.render(title, dp));
      return f;
    }
  }

  private final ExampleSchema schema;
  private final DpQueryPlan plan;
  private final String title;

  private ComputeStatisticsWithDp(ExampleSchema schema, DpQueryPlan plan, String title) {
    this.schema = schema;
    this.plan = plan;
    this.title = title;
  }

  /** Both, for the published ingestion output whose folder arrives in the input collection; {@code title} names the release's page. */
  public static ComputeStatisticsWithDp ofPublished(ExampleSchema schema, DpQueryPlan plan, String title) {
    return new ComputeStatisticsWithDp(checkNotNull(schema, "schema"), checkNotNull(plan, "plan"), checkNotNull(title, "title"));
  }

  @Override
  public PCollection<Result> expand(PCollection<String> dirs) {
    Schema avro = schema.toAvro();
    List<PCollection<DatasetStatistics>> statistics = new ArrayList<>();
    List<PCollection<DpSums>> sums = new ArrayList<>();
    for (String s : plan.splits()) {
      PCollection<ExampleBatch> batches = dirs.apply("ReadExamples-" + s, ReadPublishedExamples.split(s, avro));
      statistics.add(batches.apply("Statistics-" + s, ComputeStatistics.of(schema, s)));
      sums.add(batches.apply("DpSums-" + s, ComputeDpSums.of(plan, s, avro)));
    }
    PCollectionView<DpStatistics> release = PCollectionList.of(sums)
        .apply("AllDpSums", Flatten.pCollections())
        .apply("ReleaseDpStatistics", ReleaseDpStatistics.of(plan))
        .apply("ReleaseView", View.asSingleton());
    return PCollectionList.of(statistics)
        .apply("AllSplits", Flatten.pCollections())
        .apply("Collect", Combine.globally(new StatisticsStage.CollectFn(plan.splits())))
        .setCoder(SerializableCoder.of(StatisticsSet.class))
        .apply("Join", ParDo.of(new JoinFn(release, title)).withSideInputs(release))
        .setCoder(SerializableCoder.of(Result.class));
  }

  /** The statistics (one element) with the release beside them. */
  private static final class JoinFn extends DoFn<StatisticsSet, Result> {
    private static final long serialVersionUID = 1L;
    private final PCollectionView<DpStatistics> release;
    private final String title;

    JoinFn(PCollectionView<DpStatistics> release, String title) {
      this.release = release;
      this.title = title;
    }

    @ProcessElement
    public void process(@Element StatisticsSet statistics, ProcessContext c) {
      c.output(new Result(statistics, c.sideInput(release), title));
    }
  }
}
