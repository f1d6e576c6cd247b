package dev.beamline.core;

import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * Publishes a small artifact made of files computed from one element: writes each file into the
 * output's staging folder with the provenance, renames the folder onto the output, and emits the
 * output folder as the signal that later steps wait on.
 *
 * <pre>{@code
 * stats.apply(ParDo.of(new PublishArtifact<>(output, s -> Map.of("statistics.json", s.toJson()))));
 * }</pre>
 */
public final class PublishArtifact<T> extends DoFn<T, String> {
  private static final long serialVersionUID = 1L;

  private final StageOutput output;
  private final SerializableFunction<T, Map<String, String>> files;

  public PublishArtifact(StageOutput output, SerializableFunction<T, Map<String, String>> files) {
    this.output = output;
    this.files = files;
  }

  @ProcessElement
  public void process(@Element T element, OutputReceiver<String> out) {
    output.publish(files.apply(element));
    out.output(output.dir());
  }
}
