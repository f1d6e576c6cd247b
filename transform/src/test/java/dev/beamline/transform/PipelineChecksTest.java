package dev.beamline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
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
 * What this module's pipeline tests rely on: {@link TestPipeline} as a JUnit 4 rule fails a test that
 * forgets to run its pipeline (abandoned-node enforcement), and they run on the DirectRunner with its
 * immutability and encodability checks on ({@link PipelineChecks#enable}), which work: a DoFn that mutates its input,
 * or an element its coder cannot encode, fails the run instead of passing unnoticed.
 */
public class PipelineChecksTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TestPipeline unchecked = TestPipeline.create();

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  @Test
  public void aTestThatForgetsToRunItsPipelineFails() {
    TestPipeline forgotten = TestPipeline.create();
    Statement test = new Statement() {
      @Override
      public void evaluate() {
        PAssert.that(forgotten.apply(Create.of(1))).containsInAnyOrder(2);
      }
    };
    assertThatThrownBy(() -> forgotten.apply(test, Description.createTestDescription(PipelineChecksTest.class, "forgotten")).evaluate())
        .isInstanceOf(TestPipeline.PipelineRunMissingException.class);
  }

  @Test
  public void aDoFnThatMutatesItsInputFailsTheRun() {
    p.apply(Create.of(List.of(List.of("a"))).withCoder(ListCoder.of(StringUtf8Coder.of())))
        .apply(ParDo.of(new Mutate()));
    assertThatThrownBy(() -> p.run().waitUntilFinish()).hasStackTraceContaining("IllegalMutationException");
  }

  @Test
  public void withoutTheChecksTheSameMutationGoesUnnoticed() {
    DirectOptions o = unchecked.getOptions().as(DirectOptions.class);
    o.setEnforceImmutability(false);
    o.setEnforceEncodability(false);
    unchecked.apply(Create.of(List.of(List.of("a"))).withCoder(ListCoder.of(StringUtf8Coder.of())))
        .apply(ParDo.of(new Mutate()));
    unchecked.run().waitUntilFinish();
  }

  @Test
  public void anElementItsCoderCannotEncodeFailsTheRun() {
    p.apply(Create.of("a"))
        .apply(ParDo.of(new Identity()))
        .setCoder(new Unencodable());
    assertThatThrownBy(() -> p.run().waitUntilFinish()).hasStackTraceContaining("cannot encode");
  }

  /** Appends to its input list: a mutation another step reading the element would see. */
  private static final class Mutate extends DoFn<List<String>, Integer> {
    @ProcessElement
    public void process(@Element List<String> in, OutputReceiver<Integer> out) {
      in.add("b");
      out.output(in.size());
    }
  }

  private static final class Identity extends DoFn<String, String> {
    @ProcessElement
    public void process(@Element String in, OutputReceiver<String> out) {
      out.output(in);
    }
  }

  /** A coder that fails to encode anything: only an encodability check calls it on this pipeline. */
  private static final class Unencodable extends CustomCoder<String> {
    @Override
    public void encode(String value, OutputStream out) throws CoderException {
      throw new CoderException("cannot encode '" + value + "'");
    }

    @Override
    public String decode(InputStream in) throws IOException {
      throw new CoderException("cannot decode");
    }
  }
}
