package dev.beamline.runner.subject;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;

/**
 * The scan of a data-subject request as one Beam job: every file counted by {@link CountSubjectRows},
 * each file's counts written to {@code <index>.json} in a temporary folder (a hidden file renamed onto
 * it, so a retried bundle rewrites it whole) and read back in the targets' order.
 *
 * <pre>{@code
 * List<FileMatches> found = SubjectScan.run(targets, key, PipelineOptionsFactory.create());
 * }</pre>
 */
public final class SubjectScan {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SubjectScan() {}

  /** Scans {@code targets} for {@code key}'s rows with a pipeline of {@code options}; one result per target, in order. */
  public static List<FileMatches> run(List<ScanTarget> targets, SubjectKey key, PipelineOptions options) {
    if (targets.isEmpty()) {
      return List.of();
    }
    Path tmp;
    try {
      tmp = Files.createTempDirectory("beamline-subject-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      List<KV<Integer, ScanTarget>> keyed = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        keyed.add(KV.of(i, targets.get(i)));
      }
      Pipeline p = Pipeline.create(options);
      p.apply("ListFiles", Create.of(keyed).withCoder(KvCoder.of(VarIntCoder.of(), SerializableCoder.of(ScanTarget.class))))
          .apply("CountSubjectRows", CountSubjectRows.of(key))
          .apply("WriteCounts", ParDo.of(new WriteCountFn(tmp.toString())));
      dev.beamline.core.crypto.Encryption.into(p.getOptions());
      PipelineResult.State state = p.run().waitUntilFinish();
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("the scan job ended " + state);
      }
      FileMatches[] out = new FileMatches[targets.size()];
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
          FileMatches m = fromJson(Files.readString(f));
          out[m.target()] = m;
        }
      }
      List<FileMatches> result = new ArrayList<>();
      for (int i = 0; i < out.length; i++) {
        if (out[i] == null) {
          throw new IllegalStateException("the scan job reported nothing for " + targets.get(i).file());
        }
        result.add(out[i]);
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteTree(tmp);
    }
  }

  /** Writes each file's counts to {@code <dir>/<index>.json}. */
  private static final class WriteCountFn extends DoFn<FileMatches, Void> {
    private static final long serialVersionUID = 1L;
    private final String dir;

    WriteCountFn(String dir) {
      this.dir = dir;
    }

    @ProcessElement
    public void process(@Element FileMatches m) {
      Storage.writeString(Storage.resolve(dir, m.target() + ".json"), toJson(m));
    }
  }

  static String toJson(FileMatches m) {
    var o = JSON.createObjectNode().put("target", m.target()).put("column_present", m.columnPresent())
        .put("rows", m.rows()).put("matched", m.matched()).put("error", m.error());
    m.columns().forEach(o.putArray("columns")::add);
    return o.toString();
  }

  static FileMatches fromJson(String line) throws IOException {
    var o = JSON.readTree(line);
    List<String> columns = new ArrayList<>();
    o.get("columns").forEach(c -> columns.add(c.asText()));
    return new FileMatches(o.get("target").asInt(), o.get("column_present").asBoolean(), o.get("rows").asLong(),
        o.get("matched").asLong(), columns, o.get("error").isNull() ? null : o.get("error").asText());
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // A temporary folder of counts, no data: left for the system to clear.
    }
  }
}
