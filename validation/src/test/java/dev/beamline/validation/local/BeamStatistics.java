package dev.beamline.validation.local;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.PublishArtifact;
import dev.beamline.core.StageOutput;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.ReadExamples;
import dev.beamline.ingest.ReadPublishedExamples;
import dev.beamline.validation.ComputeStatistics;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.ComputeStatisticsSet;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.StatisticsStage;
import dev.beamline.validation.ValidationRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The Beam engine that the local engine is compared with: {@link ComputeStatistics} on the
 * DirectRunner, over a published ingestion output (every split) or files read by {@link ReadExamples}
 * (one split called {@code data}), as {@code beamline stats --engine beam} computes them.
 */
final class BeamStatistics {
  private BeamStatistics() {}

  /** The statistics of {@code data}, computed on the DirectRunner with two threads; {@code work} is a scratch folder. */
  static StatisticsSet compute(String data, Path work) {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setTargetParallelism(2);
    Pipeline p = Pipeline.create(options);
    PCollection<StatisticsSet> set = p.apply("Statistics", ComputeStatisticsSet.of(data));
    String out = work.resolve("out").toString();
    set.apply("Write", ParDo.of(new PublishArtifact<StatisticsSet>(
            new StageOutput(out, "test", null), s -> Map.of(ValidationRun.STATISTICS_FILE, s.toJson()))));
    p.run().waitUntilFinish();
    return ValidationRun.readStatistics(out);
  }
}
