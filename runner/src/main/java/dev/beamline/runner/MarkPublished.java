package dev.beamline.runner;

import dev.beamline.core.Storage;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * The runner's step after each stage's publish step: once the stage's collection says its output is
 * published, writes the time (milliseconds since the epoch) into a hidden file in the output folder,
 * {@code .published}, and passes the folder on to the stages that consume it.
 *
 * <p>The file is the runner's evidence, readable after the run whether the run succeeded or failed,
 * that this stage's publish step finished: a folder can exist without it (a validation that published
 * its report and then failed, ingestion that published only its dead letters). Its time is the stage's
 * end time in the metadata store. Being hidden, it is no part of the artifact: listings, fingerprints
 * and manifests leave it out.
 *
 * <pre>{@code
 * PCollection<String> ready = done.apply("MarkPublished-ingest", ParDo.of(new MarkPublished(output.dir())));
 * Long publishedAt = MarkPublished.time(output.dir());   // null when the step never finished
 * }</pre>
 */
final class MarkPublished extends DoFn<String, String> {
  private static final long serialVersionUID = 1L;

  /** The name of the file, inside the published folder. */
  static final String FILE = ".published";

  private final String dir;

  MarkPublished(String dir) {
    this.dir = dir;
  }

  @ProcessElement
  public void process(@Element String published, OutputReceiver<String> out) {
    Storage.writeString(Storage.resolve(dir, FILE), Long.toString(System.currentTimeMillis()));
    out.output(published);
  }

  /** When the stage publishing {@code dir} finished its publish step, or null when it did not. */
  static Long time(String dir) {
    String file = Storage.resolve(dir, FILE);
    if (!Storage.exists(file)) {
      return null;
    }
    try {
      return Long.parseLong(Storage.readString(file).strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
