package dev.beamline.serving.log;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A server that logs requests until it is killed: the child JVM of {@link RequestLogKillTest}. Logs
 * penguins requests {@code r00000}, {@code r00001}, ... of 3 instances each into {@code args[0]}, in
 * small segments, never faster than the writer (so that nothing is dropped), and never closes its log.
 */
public final class RequestLogChild {
  private RequestLogChild() {}

  public static void main(String[] args) throws InterruptedException {
    RequestLogConfig config = RequestLogConfig.of(Path.of(args[0])).withMaxSegmentBytes(8 << 10).withMaxSegmentAge(Duration.ofDays(1));
    ParquetRequestLog log = ParquetRequestLog.open(config);
    for (int i = 0; ; i++) {
      while (log.pending() > 100) {
        Thread.sleep(1);
      }
      log.offer(LogFixtures.penguins(String.format("r%05d", i), 3, i));
      if (log.dropped(ParquetRequestLog.QUEUE_FULL) > 0) {
        System.err.println("dropped a request");
        System.exit(3);
      }
    }
  }
}
