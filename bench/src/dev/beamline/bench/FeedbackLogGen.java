package dev.beamline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import dev.beamline.serving.log.LoggedRequest;
import dev.beamline.serving.log.ParquetRequestLog;
import dev.beamline.serving.log.RequestLogConfig;
import dev.beamline.serving.server.TensorData;
import dev.beamline.training.SavedModelExport;
import dev.beamline.training.ServingModel;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/**
 * The input of the feedback benchmark (bench/feedback.sh): a request log and a label file as a served
 * flights model and its labellers would leave them.
 *
 * <ul>
 *   <li>{@code serving/flights/1/}: bench/train.sh's exported model with what a current export adds
 *       beside it (the label's raw column and its fitted transform, delay &gt; 15 minutes), as
 *       bench/evaluate.sh prepares it; the live metrics read its classes and label mapping there.
 *   <li>{@code request-log/flights/1/requests-*.parquet}: one logged predict request per flight row of
 *       the ingestion (all of flights-3m, or the first {@code n}), written by the server's own writer
 *       ({@link ParquetRequestLog}) with the inputs the server's signature takes (distance, origin,
 *       destination, date) and the outputs the served model really returned: the rows are scored
 *       with the same SavedModel ({@link ServingModel#score}, batches of 1024) before they are logged.
 *       Request ids are seeded random UUIDs; request times are spread evenly over 7 days from
 *       2026-11-23T00:00Z, in the order of the rows; label {@code stable}.
 *   <li>{@code labels/labels.csv}: {@code request_id,delay,labelled_at} for a seeded 80% of the
 *       requests whose flight has a delay (the flight's real delay in minutes; the served version's
 *       label transform makes it the class), recorded 10 minutes to 3 days after the request, then
 *       1,000 orphan labels whose ids no request has.
 * </ul>
 *
 * <p>Arguments: the ingestion folder, the transform folder and the exported model of bench/train.sh,
 * the output folder, the number of requests (at most the rows there are).
 */
public final class FeedbackLogGen {
  static final Instant T0 = Instant.parse("2026-11-23T00:00:00Z");
  static final Duration SPAN = Duration.ofDays(7);
  static final int ORPHANS = 1000;
  private static final int BATCH = 1024;

  public static void main(String[] args) throws Exception {
    Path ingest = Paths.get(args[0]);
    Path transform = Paths.get(args[1]);
    Path trainedModel = Paths.get(args[2]);
    Path out = Paths.get(args[3]);
    long wanted = Long.parseLong(args[4]);

    Path model = out.resolve("serving/flights/1");
    copyTree(trainedModel, model);
    Path extra = model.resolve(SavedModelExport.EXTRA);
    ObjectMapper json = new ObjectMapper();
    ObjectNode description = (ObjectNode) json.readTree(extra.resolve("model.json").toFile());
    description.put("label_input", "delay");
    Files.writeString(extra.resolve("model.json"), description.toPrettyString());
    FittedFeature delayed = FittedTransform.read(transform).features().stream().filter(f -> f.name().equals("delayed")).findFirst().orElseThrow();
    FittedTransform.of(ExampleSchema.of(List.of(FeatureSpec.of("delay", delayed.inputType()))), List.of(delayed))
        .write(extra.resolve(SavedModelExport.LABEL_TRANSFORM));

    List<Path> shards = new ArrayList<>();
    for (String split : List.of("train", "eval")) {
      try (Stream<Path> s = Files.list(ingest.resolve("examples").resolve(split))) {
        s.filter(p -> p.toString().endsWith(".parquet")).sorted().forEach(shards::add);
      }
    }

    Path logDir = out.resolve("request-log");
    Path labelFile = out.resolve("labels/labels.csv");
    Files.createDirectories(labelFile.getParent());
    SplittableRandom ids = new SplittableRandom(20261123L);
    SplittableRandom labelling = new SplittableRandom(7L);
    long spanMicros = SPAN.toNanos() / 1000;
    long n = 0;
    long labels = 0;
    long delayed1 = 0;
    double scoreSeconds = 0;
    long t0 = System.nanoTime();
    RequestLogConfig config = RequestLogConfig.of(logDir).withQueueCapacity(100_000).withMaxSegmentAge(Duration.ofDays(1));
    try (ParquetRequestLog log = ParquetRequestLog.open(config);
        ServingModel m = ServingModel.load(model.toString());
        BufferedWriter w = Files.newBufferedWriter(labelFile)) {
      w.write("request_id,delay,labelled_at\n");
      List<GenericRecord> batch = new ArrayList<>(BATCH);
      outer:
      for (Path shard : shards) {
        try (ExampleRecordReader r = ExampleRecordReader.open(shard.toString())) {
          for (GenericRecord g = r.read(); ; g = r.read()) {
            if (g != null && n + batch.size() < wanted) {
              batch.add(g);
            }
            boolean last = g == null || n + batch.size() >= wanted;
            if (batch.size() == BATCH || (last && !batch.isEmpty())) {
              long s0 = System.nanoTime();
              ServingModel.Scores scores = m.score(batch);
              scoreSeconds += (System.nanoTime() - s0) / 1e9;
              for (int i = 0; i < batch.size(); i++, n++) {
                GenericRecord row = batch.get(i);
                if (!scores.scored(i)) {
                  throw new IllegalStateException("row " + n + " not scored: " + scores.error(i));
                }
                String id = new UUID(ids.nextLong(), ids.nextLong()).toString();
                Instant time = T0.plusNanos(n * spanMicros / wanted * 1000);
                float p1 = scores.probability(i, 1);
                float p0 = scores.probability(i, 0);
                int best = p1 > p0 ? 1 : 0;
                Map<String, TensorData> inputs = new LinkedHashMap<>();
                inputs.put("date", TensorData.longs(new long[] {ServingModel.timestamp(row.get("date"))}, 1));
                inputs.put("destination", TensorData.strings(new String[] {ServingModel.text(row.get("destination"))}, 1));
                inputs.put("distance", TensorData.doubles(new double[] {((Number) row.get("distance")).doubleValue()}, 1));
                inputs.put("origin", TensorData.strings(new String[] {ServingModel.text(row.get("origin"))}, 1));
                Map<String, TensorData> outputs = new LinkedHashMap<>();
                outputs.put("class_ids", TensorData.longs(new long[] {best}, 1));
                outputs.put("classes", TensorData.strings(new String[] {Integer.toString(best)}, 1));
                outputs.put("probabilities", TensorData.floats(new float[] {p0, p1}, 1, 2));
                while (log.pending() > 90_000) {
                  Thread.sleep(1);
                }
                log.offer(new LoggedRequest(id, time, "flights", 1, "stable", "predict", "serving_default", inputs, outputs));
                Object delay = row.get("delay");
                if (delay != null && labelling.nextDouble() < 0.8) {
                  long after = 600 + labelling.nextLong(3 * 86_400 - 600);
                  w.write(id + "," + delay + "," + time.plusSeconds(after) + "\n");
                  labels++;
                  delayed1 += ((Number) delay).longValue() > 15 ? 1 : 0;
                }
              }
              batch.clear();
            }
            if (last) {
              if (n >= wanted) {
                break outer;
              }
              break;
            }
          }
        }
      }
      for (int i = 0; i < ORPHANS; i++) {
        w.write("orphan-" + i + ",20," + T0.plusSeconds(3600L * i % (7 * 86_400)) + "\n");
      }
      if (log.dropped(ParquetRequestLog.QUEUE_FULL) + log.dropped(ParquetRequestLog.ERROR) > 0) {
        throw new IllegalStateException("the request log dropped requests");
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long files;
    try (Stream<Path> s = Files.list(logDir.resolve("flights/1"))) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
    System.out.printf(Locale.ROOT, "requests=%d%nlabels=%d%nlabels_delayed=%d%norphan_labels=%d%nsegments=%d%n", n, labels, delayed1, ORPHANS, files);
    System.out.printf(Locale.ROOT, "scoring_seconds=%.1f%ngeneration_seconds=%.1f%n", scoreSeconds, seconds);
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
