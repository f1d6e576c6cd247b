package dev.beamline.validation.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.testing.PipelineChecks;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link ComputeDpSums} on the DirectRunner: a user with 5 rows is bounded to 2, chosen by content
 * hash, before the rows are summed; without a user column every row counts. JUnit 4, for {@link
 * TestPipeline}'s rule and its abandoned-node enforcement.
 */
public class ComputeDpSumsTest {
  @Rule public final transient TestPipeline pipeline = TestPipeline.create();

  @Before
  public void setUp() {
    PipelineChecks.enable(pipeline);
  }

  private static List<GenericRecord> rows() {
    List<GenericRecord> rows = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      rows.add(DpSumsTest.row((double) i, "a", "heavy"));
    }
    rows.add(DpSumsTest.row(9.0, "b", "p"));
    rows.add(DpSumsTest.row(0.0, "c", null));
    return rows;
  }

  private PCollection<ExampleBatch> batches(String name) {
    List<GenericRecord> rows = rows();
    return pipeline.apply(name, Create.of(ExampleBatch.of(new ArrayList<>(rows.subList(0, 3))), ExampleBatch.of(new ArrayList<>(rows.subList(3, 7))))
        .withCoder(ExampleBatch.coder(DpSumsTest.AVRO)));
  }

  @Test
  public void aUserWithFiveRowsCountsTwiceAndEveryRowCountsWithoutAUserColumn() {
    DpQueryPlan byUser = DpSumsTest.plan(DpSumsTest.config().withUserColumn("u", 2));
    DpQueryPlan byRow = DpSumsTest.plan(DpSumsTest.config());
    // The heavy user's two rows of smallest content hash; x = 1..5 are in buckets 0, 1, 1, 2, 2.
    List<GenericRecord> kept = UserBounding.keep(rows().subList(0, 5), 2);
    double keptCentred = 0;
    for (GenericRecord r : kept) {
      keptCentred += (Double) r.get(0) - 5;
    }
    double expectedCentred = keptCentred + (9 - 5) + (0 - 5);

    PCollection<DpSums> users = batches("ByUser").apply("SumsByUser", ComputeDpSums.of(byUser, "train", DpSumsTest.AVRO));
    PCollection<DpSums> all = batches("ByRow").apply("SumsByRow", ComputeDpSums.of(byRow, "train", DpSumsTest.AVRO));
    PAssert.thatSingleton(users).satisfies(s -> {
      assertThat(s.rows()).isEqualTo(4);   // 2 of heavy, p, and the rows without a user id as one user
      assertThat(s.count("x")).isEqualTo(4);
      assertThat(s.centredSum("x")).isEqualTo(expectedCentred);
      assertThat(s.categories("s")).containsExactly(2, 1, 1);
      return null;
    });
    PAssert.thatSingleton(all).satisfies(s -> {
      assertThat(s.rows()).isEqualTo(7);
      assertThat(s.centredSum("x")).isEqualTo((1 + 2 + 3 + 4 + 5 + 9 + 0) - 7 * 5.0);
      assertThat(s.histogram("x")).containsExactly(2, 2, 2, 0, 1);   // 0 1 | 2 3 | 4 5 | - | 9
      assertThat(s.categories("s")).containsExactly(5, 1, 1);
      return null;
    });
    pipeline.run().waitUntilFinish();
  }
}
