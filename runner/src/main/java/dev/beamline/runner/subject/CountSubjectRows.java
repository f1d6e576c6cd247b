package dev.beamline.runner.subject;

import static com.google.common.base.Preconditions.checkNotNull;

import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Counts, in each file to scan (keyed by its index), its rows and the data subject's rows ({@link
 * FileScan#count}), one file per worker at a time.
 *
 * <pre>{@code
 * PCollection<FileMatches> found = targets.apply(CountSubjectRows.of(SubjectKey.parse("penguin_id=7")));
 * }</pre>
 */
public final class CountSubjectRows extends PTransform<PCollection<KV<Integer, ScanTarget>>, PCollection<FileMatches>> {
  private static final long serialVersionUID = 1L;

  private final SubjectKey key;

  private CountSubjectRows(SubjectKey key) {
    this.key = key;
  }

  public static CountSubjectRows of(SubjectKey key) {
    return new CountSubjectRows(checkNotNull(key, "key"));
  }

  @Override
  public PCollection<FileMatches> expand(PCollection<KV<Integer, ScanTarget>> targets) {
    SubjectKey k = key;
    return targets
        .apply("SpreadFiles", Reshuffle.viaRandomKey())
        .apply("CountRows", ParDo.of(new DoFn<KV<Integer, ScanTarget>, FileMatches>() {
          @ProcessElement
          public void process(@Element KV<Integer, ScanTarget> t, OutputReceiver<FileMatches> out) {
            out.output(FileScan.count(t.getKey(), t.getValue(), k));
          }
        }))
        .setCoder(SerializableCoder.of(FileMatches.class));
  }
}
