package dev.beamline.serving.log;

import static dev.beamline.serving.log.LogFixtures.await;
import static dev.beamline.serving.log.LogFixtures.files;
import static dev.beamline.serving.log.LogFixtures.glob;
import static dev.beamline.serving.log.LogFixtures.ingest;
import static dev.beamline.serving.log.LogFixtures.instances;
import static dev.beamline.serving.log.LogFixtures.penguins;
import static dev.beamline.serving.log.LogFixtures.published;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.ResolvedInput;
import dev.beamline.ingest.parquet.ColumnarFile;
import dev.beamline.ingest.parquet.ParquetFiles;
import dev.beamline.serving.server.TensorData;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The request log's segments, read back with Beamline's ingestion. */
class ParquetRequestLogTest {
  @TempDir Path tmp;

  private RequestLogConfig config() {
    return RequestLogConfig.of(tmp.resolve("log"));
  }

  private Path dir() {
    return tmp.resolve("log");
  }

  @Test
  void writesOneRowPerInstanceThatIngestionReadsWithExactValues() throws IOException {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      log.offer(penguins("req-1", 2, 9));
      LoggedRequest labelled = penguins("req-2", 1, 16);
      log.offer(new LoggedRequest(labelled.requestId(), labelled.time().plusSeconds(1), labelled.model(), 3, "stable",
          labelled.method(), labelled.signature(), labelled.inputs(), labelled.outputs()));
    }

    List<String> segments = published(dir());
    assertThat(segments).hasSize(1);
    assertThat(segments.get(0)).matches("penguins/3/requests-\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-f]{6}-000001-predict-serving_default\\.parquet");
    assertThat(files(dir())).isEqualTo(segments);

    ResolvedInput in = ResolvedInput.of(IngestExamples.Config.of(glob(dir())));
    assertThat(in.schema())
        .isEqualTo(ExampleSchema.of(List.of(
            FeatureSpec.of("request_id", FeatureType.STRING),
            FeatureSpec.of("time", FeatureType.TIMESTAMP),
            FeatureSpec.of("model", FeatureType.STRING),
            FeatureSpec.of("version", FeatureType.INT),
            FeatureSpec.of("label", FeatureType.STRING),
            FeatureSpec.of("method", FeatureType.STRING),
            FeatureSpec.of("signature", FeatureType.STRING),
            FeatureSpec.of("instance", FeatureType.INT),
            FeatureSpec.of("bill_length_mm", FeatureType.FLOAT),
            FeatureSpec.of("island", FeatureType.STRING),
            FeatureSpec.of("output_class_ids", FeatureType.INT),
            FeatureSpec.of("output_classes", FeatureType.STRING),
            FeatureSpec.of("output_probabilities", FeatureType.STRING))));

    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, LogFixtures.TIME);
    assertThat(micros).isEqualTo(1_796_033_702_123_456L);
    List<GenericRecord> rows = ingest(glob(dir()));
    assertThat(rows).extracting(Object::toString).containsExactly(
        "{\"request_id\": \"req-1\", \"time\": 1796033702123456, \"model\": \"penguins\", \"version\": 3, \"label\": null,"
            + " \"method\": \"predict\", \"signature\": \"serving_default\", \"instance\": 0, \"bill_length_mm\": 39.0,"
            + " \"island\": \"Biscoe\", \"output_class_ids\": 0, \"output_classes\": \"[\\\"Adelie\\\",\\\"Chinstrap\\\",\\\"Gentoo\\\"]\","
            + " \"output_probabilities\": \"[0.5,0.25,0.25]\"}",
        "{\"request_id\": \"req-1\", \"time\": 1796033702123456, \"model\": \"penguins\", \"version\": 3, \"label\": null,"
            + " \"method\": \"predict\", \"signature\": \"serving_default\", \"instance\": 1, \"bill_length_mm\": 39.1,"
            + " \"island\": \"Dream\", \"output_class_ids\": 1, \"output_classes\": \"[\\\"Adelie\\\",\\\"Chinstrap\\\",\\\"Gentoo\\\"]\","
            + " \"output_probabilities\": \"[0.5,0.25,0.25]\"}",
        "{\"request_id\": \"req-2\", \"time\": 1796033703123456, \"model\": \"penguins\", \"version\": 3, \"label\": \"stable\","
            + " \"method\": \"predict\", \"signature\": \"serving_default\", \"instance\": 0, \"bill_length_mm\": 46.0,"
            + " \"island\": \"Biscoe\", \"output_class_ids\": 1, \"output_classes\": \"[\\\"Adelie\\\",\\\"Chinstrap\\\",\\\"Gentoo\\\"]\","
            + " \"output_probabilities\": \"[0.5,0.25,0.25]\"}");
  }

  @Test
  void anEncryptedLogHoldsNoPlaintextAndIngestionReadsItBackWithTheKeyset() throws IOException {
    java.util.Map<String, String> env = java.util.Map.of("LOG_TEST_KEY", dev.beamline.core.crypto.MasterKey.generate());
    dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(env::get);
    try {
      Path keyset = tmp.resolve("keyset.json");
      java.nio.file.Files.writeString(keyset, dev.beamline.core.crypto.Keysets.create(dev.beamline.core.crypto.MasterKey.fromEnvironment("LOG_TEST_KEY")));
      dev.beamline.core.crypto.Encryption.register(dir().toString(), dev.beamline.core.crypto.Encryption.REQUEST_LOGS,
          new dev.beamline.core.crypto.EncryptionConfig(keyset.toString(), "LOG_TEST_KEY").open());
      try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
        log.offer(penguins("req-1", 2, 9));
      }
      List<String> segments = published(dir());
      assertThat(segments).hasSize(1);
      byte[] raw = java.nio.file.Files.readAllBytes(dir().resolve(segments.get(0)));
      assertThat(dev.beamline.core.crypto.ArtifactCipher.artifactIdOf(raw)).hasValue("logs:" + segments.get(0));
      assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("Biscoe").doesNotContain("req-1");
      assertThat(ingest(glob(dir()))).extracting(r -> r.get("island").toString()).containsExactly("Biscoe", "Dream");
    } finally {
      dev.beamline.core.crypto.Encryption.clear();
      dev.beamline.core.crypto.MasterKey.useEnvironmentForTests(null);
    }
  }

  @Test
  void segmentHasTheDocumentedParquetTypes() throws IOException {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      log.offer(penguins("req-1", 2, 0));
    }
    String file = dir().resolve(published(dir()).get(0)).toString();
    MessageType schema;
    try (ColumnarFile f = ColumnarFile.open(file)) {
      schema = f.schema();
    }
    assertThat(schema.getType("time").asPrimitiveType().getLogicalTypeAnnotation())
        .isEqualTo(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS));
    assertThat(schema.getType("label").isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL)).isTrue();
    assertThat(schema.getType("request_id").isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED)).isTrue();
    assertThat(schema.getType("instance").asPrimitiveType().getPrimitiveTypeName().name()).isEqualTo("INT32");
    assertThat(schema.getType("version").asPrimitiveType().getPrimitiveTypeName().name()).isEqualTo("INT64");
    assertThat(schema.getType("bill_length_mm").asPrimitiveType().getPrimitiveTypeName().name()).isEqualTo("DOUBLE");
    assertThat(schema.getType("output_probabilities").asPrimitiveType().getLogicalTypeAnnotation())
        .isEqualTo(LogicalTypeAnnotation.stringType());
    assertThat(ParquetFiles.rowCount(file)).isEqualTo(2);
  }

  @Test
  void inputsNamedLikeAFixedColumnArePrefixedAndOtherNamesSanitized() {
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    inputs.put("time", TensorData.doubles(new double[] {1.5}, 1));
    inputs.put("version", TensorData.longs(new long[] {7}, 1));
    inputs.put("Bill Length (mm)", TensorData.doubles(new double[] {39.1}, 1));
    inputs.put("Island", TensorData.strings(new String[] {"Dream"}, 1));
    Map<String, TensorData> outputs = Map.of("dense/Softmax:0", TensorData.floats(new float[] {0.25f, 0.75f}, 1, 2));
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      log.offer(new LoggedRequest("r", LogFixtures.TIME, "m", 1, null, "predict", "serving_default", inputs, outputs));
    }
    List<GenericRecord> rows = ingest(dir().resolve("m/1/*.parquet").toString());
    assertThat(rows).hasSize(1);
    GenericRecord r = rows.get(0);
    assertThat(r.getSchema().getFields()).extracting(f -> f.name()).containsExactly(
        "request_id", "time", "model", "version", "label", "method", "signature", "instance",
        "bill_length_mm", "Island", "input_time", "input_version", "output_dense_softmax_0");
    assertThat(r.get("time")).isEqualTo(1_796_033_702_123_456L);
    assertThat(r.get("input_time")).isEqualTo(1.5);
    assertThat(r.get("version")).isEqualTo(1L);
    assertThat(r.get("input_version")).isEqualTo(7L);
    assertThat(r.get("Island").toString()).isEqualTo("Dream");
    assertThat(r.get("bill_length_mm")).isEqualTo(39.1);
    assertThat(r.get("output_dense_softmax_0").toString()).isEqualTo("[0.25,0.75]");
  }

  @Test
  void rollsBySizeWithEveryRowInExactlyOneSegment() {
    int requests = 300;
    try (ParquetRequestLog log = ParquetRequestLog.open(config().withMaxSegmentBytes(8 << 10))) {
      for (int i = 0; i < requests; i++) {
        log.offer(penguins(String.format("r%03d", i), 4, i));
      }
    }
    List<String> segments = published(dir());
    assertThat(segments).hasSizeGreaterThan(2);
    assertThat(files(dir())).isEqualTo(segments);
    List<GenericRecord> rows = ingest(glob(dir()));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      for (int k = 0; k < 4; k++) {
        expected.add(String.format("r%03d#%d", i, k));
      }
    }
    // Segments sort by start time and number, so file order is request order.
    assertThat(instances(rows)).containsExactlyElementsOf(expected);
    assertThat(rows.get(4 * 123 + 2).get("bill_length_mm")).isEqualTo(30 + 123 + 0.2);
  }

  @Test
  void publishesASegmentOnceItIsOldEvenWhenNoRequestComes() {
    try (ParquetRequestLog log = ParquetRequestLog.open(config().withMaxSegmentAge(Duration.ofMillis(300)))) {
      log.offer(penguins("a", 1, 0));
      log.offer(penguins("b", 2, 1));
      // One segment, or two when the writer took longer than the age between the two requests (a loaded
      // machine): either way every segment is published by age alone, with no request after them.
      await(() -> log.recordsWritten() == 3 && log.segmentsPublished() >= 1 && files(dir()).equals(published(dir())),
          Duration.ofSeconds(20), "the segments published by age");
      assertThat(published(dir())).hasSizeBetween(1, 2);
      assertThat(files(dir())).isEqualTo(published(dir()));
      assertThat(instances(ingest(glob(dir())))).containsExactly("a#0", "b#0", "b#1");
      assertThat(log.recordsWritten()).isEqualTo(3);
    }
  }

  @Test
  void samplesNoneAllOrTheSameHalfByRequestId() {
    List<String> ids = IntStream.range(0, 400).mapToObj(i -> "id-" + i).toList();
    try (ParquetRequestLog log = ParquetRequestLog.open(config().withSampleRate(0))) {
      ids.forEach(id -> log.offer(penguins(id, 1, 0)));
    }
    assertThat(files(dir())).isEmpty();

    RequestLogConfig half = config().withSampleRate(0.5).withDirectory(tmp.resolve("half"));
    for (int run = 0; run < 2; run++) {
      try (ParquetRequestLog log = ParquetRequestLog.open(half)) {
        ids.forEach(id -> log.offer(penguins(id, 1, 0)));
      }
    }
    Set<String> expected = new TreeSet<>(ids.stream().filter(half::samples).toList());
    assertThat(expected.size()).isBetween(150, 250);
    List<GenericRecord> rows = ingest(tmp.resolve("half/penguins/3/*.parquet").toString());
    List<String> logged = rows.stream().map(r -> r.get("request_id").toString()).toList();
    // Two runs over the same ids: each sampled id twice, every other never.
    assertThat(logged).hasSize(2 * expected.size());
    assertThat(new TreeSet<>(logged)).isEqualTo(expected);

    try (ParquetRequestLog log = ParquetRequestLog.open(config().withSampleRate(1).withDirectory(tmp.resolve("all")))) {
      ids.forEach(id -> log.offer(penguins(id, 1, 0)));
    }
    assertThat(ingest(tmp.resolve("all/penguins/3/*.parquet").toString())).hasSize(ids.size());
  }

  /** Segment files whose creation waits for {@link #release}. */
  private static final class BlockingFiles implements SegmentFiles {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public OutputFile create(Path temp) throws IOException {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      return LOCAL.create(temp);
    }

    @Override
    public void publish(Path temp, Path target) throws IOException {
      LOCAL.publish(temp, target);
    }
  }

  @Test
  void dropsAndCountsWhenTheQueueIsFullWithoutWaitingForTheWriter() throws Exception {
    BlockingFiles files = new BlockingFiles();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ParquetRequestLog log = ParquetRequestLog.open(config().withQueueCapacity(5), registry, files);
    try {
      log.offer(penguins("r000", 1, 0));
      assertThat(files.entered.await(20, TimeUnit.SECONDS)).isTrue();
      // The writer holds r000 and is stuck: 5 more fit in the queue, 95 are dropped at once.
      long start = System.nanoTime();
      for (int i = 1; i <= 100; i++) {
        log.offer(penguins(String.format("r%03d", i), 1, i));
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(elapsedMs).isLessThan(1000);
      assertThat(log.pending()).isEqualTo(5);
      assertThat(log.dropped(ParquetRequestLog.QUEUE_FULL)).isEqualTo(95);
      assertThat(registry.scrape()).contains("beamline_request_log_dropped_total{reason=\"queue_full\"} 95.0")
          .contains("beamline_request_log_queue_depth 5.0");
    } finally {
      files.release.countDown();
      log.close();
    }
    assertThat(instances(ingest(glob(dir())))).containsExactly("r000#0", "r001#0", "r002#0", "r003#0", "r004#0", "r005#0");
    assertThat(log.dropped(ParquetRequestLog.ERROR)).isZero();
  }

  /** Segment files of which the first ones cannot be written past their first bytes (a full disk). */
  private static final class FullDiskFiles implements SegmentFiles {
    private final int failing;
    private final AtomicInteger created = new AtomicInteger();

    FullDiskFiles(int failing) {
      this.failing = failing;
    }

    @Override
    public OutputFile create(Path temp) throws IOException {
      OutputFile file = LOCAL.create(temp);
      if (created.incrementAndGet() > failing) {
        return file;
      }
      return new OutputFile() {
        @Override
        public PositionOutputStream create(long hint) throws IOException {
          PositionOutputStream out = file.create(hint);
          return new PositionOutputStream() {
            @Override
            public long getPos() throws IOException {
              return out.getPos();
            }

            @Override
            public void write(int b) throws IOException {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
              if (out.getPos() + len > 4) {
                throw new IOException("No space left on device");
              }
              out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
              out.close();
            }
          };
        }

        @Override
        public PositionOutputStream createOrOverwrite(long hint) throws IOException {
          return create(hint);
        }

        @Override
        public boolean supportsBlockSize() {
          return false;
        }

        @Override
        public long defaultBlockSize() {
          return 0;
        }
      };
    }

    @Override
    public void publish(Path temp, Path target) throws IOException {
      LOCAL.publish(temp, target);
    }
  }

  @Test
  void aWriteErrorDropsItsSegmentAndTheWriterGoesOnWithANewOne() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // Every request fills a segment (1 byte), so each is published on its own; the first cannot be.
    ParquetRequestLog log = ParquetRequestLog.open(config().withMaxSegmentBytes(1), registry, new FullDiskFiles(1));
    String metrics;
    try (log) {
      log.offer(penguins("lost", 2, 0));
      log.offer(penguins("kept-1", 2, 1));
      log.offer(penguins("kept-2", 1, 2));
      await(() -> log.segmentsPublished() == 2, Duration.ofSeconds(20), "two segments published after the failed one");
      metrics = registry.scrape();
    }
    assertThat(log.dropped(ParquetRequestLog.ERROR)).isEqualTo(1);
    assertThat(log.recordsWritten()).isEqualTo(3);
    assertThat(metrics)
        .contains("beamline_request_log_dropped_total{reason=\"error\"} 1.0")
        .contains("beamline_request_log_records_total 3.0")
        .contains("beamline_request_log_segments_total 2.0");
    // The failed segment's file is gone: only the two published remain.
    assertThat(files(dir())).hasSize(2).isEqualTo(published(dir()));
    assertThat(instances(ingest(glob(dir())))).containsExactly("kept-1#0", "kept-1#1", "kept-2#0");
  }

  @Test
  void aRequestWhoseTensorsDisagreeIsDroppedAndCounted() {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      LoggedRequest ok = penguins("ok", 2, 0);
      Map<String, TensorData> inputs = new LinkedHashMap<>(ok.inputs());
      inputs.put("island", TensorData.strings(new String[] {"Dream", "Dream", "Dream"}, 3));
      log.offer(new LoggedRequest("bad", ok.time(), "penguins", 3, null, "predict", "serving_default", inputs, ok.outputs()));
      log.offer(ok);
      log.close();
      assertThat(log.dropped(ParquetRequestLog.ERROR)).isEqualTo(1);
      assertThat(log.recordsWritten()).isEqualTo(2);
    }
    assertThat(instances(ingest(glob(dir())))).containsExactly("ok#0", "ok#1");
  }

  @Test
  void aKilledWriterLeavesOnlyCompleteSegmentsVisibleToIngestion() throws IOException {
    ParquetRequestLog log = ParquetRequestLog.open(config().withMaxSegmentBytes(8 << 10));
    try {
      int[] offered = {0};
      // Until some segments are published and one is open: as a killed server leaves its folder.
      while (log.segmentsPublished() < 3) {
        log.offer(penguins(String.format("r%05d", offered[0]), 3, offered[0]));
        offered[0]++;
        await(() -> log.handled() == offered[0], Duration.ofSeconds(20), "the request written");
        assertThat(offered[0]).isLessThan(100_000);
      }
      if (!hasInProgress()) {
        // The last request filled its segment: one more starts the open one.
        log.offer(penguins(String.format("r%05d", offered[0]), 3, offered[0]));
        offered[0]++;
        await(() -> log.handled() == offered[0], Duration.ofSeconds(20), "the request written");
      }
      assertThat(log.dropped(ParquetRequestLog.QUEUE_FULL)).isZero();

      // The files ingestion lists are the published segments: the open one is not among them.
      List<String> listed = ResolvedInput.of(IngestExamples.Config.of(glob(dir()))).files().files().stream()
          .map(InputFiles.InputFile::path).map(p -> dir().relativize(Path.of(p)).toString()).toList();
      assertThat(listed).isEqualTo(published(dir())).hasSizeGreaterThanOrEqualTo(3);
      assertThat(files(dir())).anyMatch(f -> Path.of(f).getFileName().toString().startsWith(".requests-")
          && f.endsWith(".parquet.inprogress"));
      // Each is complete: its footer's rows all read, whole requests only.
      long footerRows = 0;
      for (String f : listed) {
        footerRows += ParquetFiles.rowCount(dir().resolve(f).toString());
      }
      List<GenericRecord> rows = ingest(glob(dir()));
      assertThat(rows).hasSize((int) footerRows);
      LogFixtures.assertWholeRequests(rows, 3);
    } finally {
      log.close();
    }
  }

  private boolean hasInProgress() {
    return files(dir()).stream().anyMatch(f -> f.endsWith(".inprogress"));
  }

  @Test
  void requestsOfAnotherSignatureOrTypeGoToTheirOwnSegments() {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      LoggedRequest p = penguins("p", 1, 0);
      log.offer(p);
      log.offer(new LoggedRequest("c", p.time(), "penguins", 3, null, "classify", "classification",
          p.inputs(), Map.of("scores", TensorData.floats(new float[] {0.5f, 0.25f, 0.25f}, 1, 3))));
      Map<String, TensorData> inputs = new LinkedHashMap<>(p.inputs());
      inputs.put("island", TensorData.longs(new long[] {2}, 1));
      log.offer(new LoggedRequest("t", p.time(), "penguins", 3, null, "predict", "serving_default", inputs, p.outputs()));
    }
    List<String> segments = published(dir());
    assertThat(segments).hasSize(3);
    assertThat(ingest(dir().resolve("penguins/3/*-classify-classification.parquet").toString()))
        .extracting(r -> r.get("request_id") + " " + r.get("output_scores")).containsExactly("c [0.5,0.25,0.25]");
    // The same signature with another input type: a segment of its own, readable on its own.
    assertThat(ingest(dir().resolve(segments.stream().filter(s -> s.contains("-000003-")).findFirst().orElseThrow()).toString()))
        .extracting(r -> r.get("request_id") + " " + r.get("island")).containsExactly("t 2");
  }

  @Test
  void escapesModelAndSignatureNamesInPaths() {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      LoggedRequest p = penguins("p", 1, 0);
      log.offer(new LoggedRequest("p", p.time(), "../évil", 1, null, "predict", "a/b", p.inputs(), p.outputs()));
    }
    assertThat(published(dir())).singleElement().asString()
        .startsWith("%2E.%2F%C3%A9vil/1/requests-").endsWith("-predict-a%2Fb.parquet");
  }

  @Test
  void deletesOnlyTheStaleLeftoversOfAKilledServer() throws IOException {
    Path folder = dir().resolve("penguins/3");
    Files.createDirectories(folder);
    Path stale = folder.resolve(".requests-20260101T000000.000Z-abcdef-000001-predict-serving_default.parquet.inprogress");
    Path fresh = folder.resolve(".requests-20260101T000000.000Z-abcdef-000002-predict-serving_default.parquet.inprogress");
    Path other = folder.resolve("notes.txt");
    for (Path p : List.of(stale, fresh, other)) {
      Files.writeString(p, "PAR1");
      Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofMinutes(12))));
    }
    Files.setLastModifiedTime(fresh, FileTime.from(Instant.now().minus(Duration.ofMinutes(10))));
    // Stale: older than 2 x 5 min + 1 min.
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      log.offer(penguins("p", 1, 0));
    }
    assertThat(Files.exists(stale)).isFalse();
    assertThat(Files.exists(fresh)).isTrue();
    assertThat(Files.exists(other)).isTrue();
  }

  @Test
  void countsRequestsOfferedAfterCloseAndRemovesItsMeters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ParquetRequestLog log = ParquetRequestLog.open(config(), registry);
    log.offer(penguins("a", 2, 0));
    log.close();
    log.offer(penguins("b", 1, 0));
    log.close();
    assertThat(log.dropped(ParquetRequestLog.CLOSED)).isEqualTo(1);
    assertThat(log.recordsWritten()).isEqualTo(2);
    assertThat(log.segmentsPublished()).isEqualTo(1);
    assertThat(registry.getMeters()).isEmpty();
  }

  @Test
  void offerNeverThrows() {
    try (ParquetRequestLog log = ParquetRequestLog.open(config())) {
      log.offer(null);
      log.offer(new LoggedRequest(null, null, null, 0, null, null, null, null, null));
      log.close();
      assertThat(log.dropped(ParquetRequestLog.ERROR)).isEqualTo(1);
    }
    assertThat(files(dir())).isEmpty();
  }
}
