package dev.beamline.validation;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * The composite transform on the DirectRunner, with a full split and an empty one. JUnit 4, for
 * {@link TestPipeline}'s rule and its abandoned-node enforcement; the DirectRunner's immutability and
 * encodability checks are on ({@link PipelineChecksTest}). A test whose graph fails to build uses a
 * plain pipeline, never run.
 */
public class ComputeStatisticsTest {
  private static final ExampleSchema SCHEMA = TestData.schema("x", FLOAT, "n", INT, "s", STRING, "b", BOOLEAN);

  @Rule public final transient TestPipeline p = TestPipeline.create();

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  private static PCollection<ExampleBatch> batches(Pipeline p, String name, List<GenericRecord> records, int size) {
    return p.apply(name, Create.of(TestData.batches(records, size)).withCoder(ExampleBatch.coder(SCHEMA.toAvro())));
  }

  /** 5,000 examples: floats with nulls and NaN, integers, 1,500 distinct strings, booleans. */
  private static List<GenericRecord> trainRecords() {
    Random random = new Random(9);
    List<GenericRecord> out = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      int kind = random.nextInt(50);
      Double x = kind == 0 ? null : kind == 1 ? Double.NaN : random.nextDouble() * 100;
      String s = random.nextInt(3) == 0 ? "common" : "s" + random.nextInt(1500);
      out.add(TestData.record(SCHEMA, x, (long) random.nextInt(7), s, random.nextInt(5) == 0 ? null : i % 3 == 0));
    }
    return out;
  }

  /** The statistics of a split without examples, written down by hand. */
  private static DatasetStatistics emptyStatistics(String split) {
    NumericStatistics noNumbers =
        new NumericStatistics(
            Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, List.of(), 0.0,
            Histogram.empty(), Histogram.empty());
    StringStatistics noStrings = new StringStatistics(0, true, List.of(), List.of(), Double.NaN, 0, 0);
    return new DatasetStatistics(
        split,
        0,
        List.of(
            new FeatureStatistics("x", "float", 0, 0, 0.0, noNumbers, null),
            new FeatureStatistics("n", "int", 0, 0, 0.0, noNumbers, null),
            new FeatureStatistics("s", "string", 0, 0, 0.0, null, noStrings),
            new FeatureStatistics("b", "boolean", 0, 0, 0.0, null, noStrings)));
  }

  @Test
  public void statisticsOfEachSplitIncludingAnEmptyOne() {
    List<GenericRecord> train = trainRecords();
    ReferenceStatistics reference = ReferenceStatistics.of(SCHEMA, train);
    PCollection<DatasetStatistics> trainStats =
        batches(p, "Train", train, 100).apply("TrainStatistics", ComputeStatistics.of(SCHEMA, "train"));
    PCollection<DatasetStatistics> evalStats =
        batches(p, "Eval", List.of(), 100).apply("EvalStatistics", ComputeStatistics.of(SCHEMA, "eval"));

    PAssert.thatSingleton(trainStats)
        .satisfies(
            stats -> {
              assertThat(stats.split()).isEqualTo("train");
              reference.check(stats);
              return null;
            });
    PAssert.that(evalStats).containsInAnyOrder(emptyStatistics("eval"));
    p.run().waitUntilFinish();
  }

  @Test
  public void smallSplitGivesExactlyTheInMemoryStatistics() {
    // Few enough values that every sketch is exact.
    List<GenericRecord> records = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      records.add(TestData.record(SCHEMA, i % 5 == 0 ? null : (double) (i % 8), (long) i, "v" + (i % 3), i % 2 == 0));
    }
    DatasetStatistics expected = FeatureStatisticsFn.computeInMemory(SCHEMA, "train", records);
    assertThat(expected.feature("x").orElseThrow().numeric().quantileRankError()).isZero();
    PCollection<DatasetStatistics> stats = batches(p, "Train", records, 3).apply(ComputeStatistics.of(SCHEMA, "train"));
    PAssert.thatSingleton(stats)
        .satisfies(
            actual -> {
              assertSameStatistics(actual, expected);
              return null;
            });
    p.run().waitUntilFinish();
  }

  /**
   * Checks that two computations of the same statistics agree: every field exactly, but the means and
   * standard deviations, whose last bits depend on the order in which the runner merged partial results.
   */
  private static void assertSameStatistics(DatasetStatistics actual, DatasetStatistics expected) {
    assertThat(withoutMoments(actual)).isEqualTo(withoutMoments(expected));
    for (FeatureStatistics e : expected.features()) {
      if (e.numeric() != null) {
        NumericStatistics a = actual.feature(e.name()).orElseThrow().numeric();
        assertThat(a.mean()).as(e.name() + ".mean").isCloseTo(e.numeric().mean(), within(1e-12));
        assertThat(a.stdDev()).as(e.name() + ".std_dev").isCloseTo(e.numeric().stdDev(), within(1e-12));
      }
    }
  }

  private static DatasetStatistics withoutMoments(DatasetStatistics stats) {
    List<FeatureStatistics> features = new ArrayList<>();
    for (FeatureStatistics f : stats.features()) {
      NumericStatistics n = f.numeric();
      if (n != null) {
        n =
            new NumericStatistics(
                0, 0, n.min(), n.max(), n.median(), n.zeros(), n.nan(), n.infinity(), n.quantiles(),
                n.quantileRankError(), n.equalWidth(), n.quantileHistogram());
      }
      features.add(new FeatureStatistics(f.name(), f.type(), f.count(), f.missing(), f.presence(), n, f.strings()));
    }
    return new DatasetStatistics(stats.split(), stats.numExamples(), features);
  }

  @Test
  public void windowedInputIsRefused() {
    // Building the graph fails, so there is nothing to run: a plain pipeline, not the rule's.
    Pipeline unrun = Pipeline.create();
    PCollection<ExampleBatch> windowed =
        batches(unrun, "Train", List.of(), 10).apply(Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    assertThatThrownBy(() -> windowed.apply(ComputeStatistics.of(SCHEMA, "train")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("global window");
  }

  @Test
  public void splitNameMustNotBeEmpty() {
    assertThatThrownBy(() -> ComputeStatistics.of(SCHEMA, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("split name must not be empty");
  }
}
