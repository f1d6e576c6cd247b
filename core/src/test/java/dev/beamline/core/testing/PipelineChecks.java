package dev.beamline.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.testing.TestPipeline;

/**
 * The checks every module's pipeline tests run with: the DirectRunner's immutability and encodability
 * checks, on {@link TestPipeline}s used as JUnit 4 rules (abandoned-node enforcement). Transform's
 * PipelineChecksTest proves that they catch a forgotten run(), a mutated input and an element its coder
 * cannot encode.
 */
public final class PipelineChecks {
  private PipelineChecks() {}

  /** Turns on (and checks) the DirectRunner's checks for {@code pipeline}; call it before building. */
  public static void enable(TestPipeline pipeline) {
    DirectOptions o = pipeline.getOptions().as(DirectOptions.class);
    assertThat(o.getRunner()).isEqualTo(DirectRunner.class);
    o.setEnforceImmutability(true);
    o.setEnforceEncodability(true);
  }
}
