package dev.beamline.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.beamline.core.FeatureType.FLOAT;

import dev.beamline.core.testing.PipelineChecks;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * The checks every stage test of this module runs with ({@link PipelineChecks#enable}); transform's
 * PipelineChecksTest proves that they catch a forgotten run(), a mutated input and an element its coder
 * cannot encode. Here, what is particular to this module's elements, if anything.
 */
public class PipelineChecksTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TestPipeline unchecked = TestPipeline.create();

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  /** The statistics read batches of examples: changing an example inside a batch is caught too. */
  @Test
  public void aDoFnThatChangesAnExampleInABatchFailsTheRun() {
    ExampleSchema schema = TestData.schema("x", FLOAT);
    p.apply(Create.of(TestData.batches(List.of(TestData.record(schema, 1.0)), 1)).withCoder(ExampleBatch.coder(schema.toAvro())))
        .apply(ParDo.of(new ChangeExample()));
    assertThatThrownBy(() -> p.run().waitUntilFinish()).hasStackTraceContaining("IllegalMutationException");
  }

  /** Sets a field of the first example in its input batch. */
  private static final class ChangeExample extends DoFn<ExampleBatch, Integer> {
    @ProcessElement
    public void process(@Element ExampleBatch in, OutputReceiver<Integer> out) {
      in.examples().get(0).put("x", 2.0);
      out.output(in.size());
    }
  }

}
