package dev.beamline.transform;

import dev.beamline.core.ExampleBatch;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;

/** Transforms batches of raw examples with the fitted transform of the side input. */
final class ApplyFn extends DoFn<ExampleBatch, ExampleBatch> {
  private static final long serialVersionUID = 1L;

  private final PCollectionView<FittedTransform> fitted;

  ApplyFn(PCollectionView<FittedTransform> fitted) {
    this.fitted = fitted;
  }

  @ProcessElement
  public void process(ProcessContext c) {
    c.output(c.sideInput(fitted).apply(c.element()));
  }
}
