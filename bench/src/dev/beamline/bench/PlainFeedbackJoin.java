package dev.beamline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.ingest.parquet.ExampleRecordReader;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;

/**
 * The reference of the feedback benchmark (bench/feedback.sh): the join and the accuracy of the live
 * metrics as a plain single-threaded loop, no Beam. Reads every published segment of the request log
 * ({@code <log>/<model>/<version>/*.parquet}, with the same Parquet reader as Beamline) into a hash map
 * by request id (a replayed id keeps its earliest row), streams the label CSV ({@code
 * request_id,<label>,<time>}) through it with the join's rules (a label joins when it is at most
 * {@code max_delay} after its request; the latest label wins), maps each joined label to its class with
 * the served version's binarize threshold (read from its {@code assets.extra/label_transform}), takes
 * the logged {@code output_probabilities}' arg-max as the prediction, and tallies right answers per
 * (version, day). Prints the counts and the tallies in {@code key=value} lines for the script to
 * compare with Beamline's {@code feedback.json} and {@code live_metrics.json}.
 *
 * <p>Arguments: the request log folder, the model name, the label CSV, the served version's folder, the
 * maximum delay in seconds, the number of runs (the time printed is their median).
 */
public final class PlainFeedbackJoin {
  private static final long DAY_MICROS = 86_400_000_000L;

  /** A logged request: when (µs), which version, the predicted class. */
  private record Request(long time, long version, int predicted) {}

  public static void main(String[] args) throws Exception {
    Path log = Paths.get(args[0]);
    String model = args[1];
    Path labelFile = Paths.get(args[2]);
    Path served = Paths.get(args[3]);
    long maxDelayMicros = Long.parseLong(args[4]) * 1_000_000L;
    int runs = Integer.parseInt(args[5]);

    JsonNode transform = new ObjectMapper().readTree(served.resolve("assets.extra/label_transform/transform.json").toFile());
    double threshold = transform.path("features").path(0).path("spec").path("binarize").asDouble();

    List<Path> segments = new ArrayList<>();
    try (Stream<Path> s = Files.walk(log.resolve(model))) {
      s.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.getFileName().toString().startsWith(".")).sorted().forEach(segments::add);
    }

    List<Double> seconds = new ArrayList<>();
    String report = null;
    for (int run = 0; run < runs; run++) {
      long t0 = System.nanoTime();
      Map<String, Request> requests = new HashMap<>(1 << 22);
      long rows = 0;
      long duplicates = 0;
      for (Path f : segments) {
        try (ExampleRecordReader r = ExampleRecordReader.open(f.toString())) {
          for (GenericRecord g = r.read(); g != null; g = r.read()) {
            rows++;
            String id = g.get("request_id").toString();
            long time = (Long) g.get("time");
            Request q = new Request(time, (Long) g.get("version"), argMax(g.get("output_probabilities").toString()));
            Request before = requests.putIfAbsent(id, q);
            if (before != null) {
              duplicates++;
              if (time < before.time()) {
                requests.put(id, q);
              }
            }
          }
        }
      }
      // The winning label of each request: its time (µs) and class.
      Map<String, long[]> chosen = new HashMap<>(1 << 22);
      long labels = 0;
      long orphans = 0;
      long late = 0;
      long superseded = 0;
      try (BufferedReader in = Files.newBufferedReader(labelFile)) {
        in.readLine();
        for (String line; (line = in.readLine()) != null; ) {
          labels++;
          int a = line.indexOf(',');
          int b = line.indexOf(',', a + 1);
          String id = line.substring(0, a);
          Request q = requests.get(id);
          if (q == null) {
            orphans++;
            continue;
          }
          Instant at = Instant.parse(line.substring(b + 1));
          long time = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
          if (time - q.time() > maxDelayMicros) {
            late++;
            continue;
          }
          int label = Double.parseDouble(line.substring(a + 1, b)) > threshold ? 1 : 0;
          long[] best = chosen.get(id);
          if (best == null) {
            chosen.put(id, new long[] {time, label});
          } else {
            superseded++;
            if (time >= best[0]) {
              best[0] = time;
              best[1] = label;
            }
          }
        }
      }
      // (version, day) -> {scored, right}
      TreeMap<String, long[]> tally = new TreeMap<>();
      long right = 0;
      for (Map.Entry<String, long[]> e : chosen.entrySet()) {
        Request q = requests.get(e.getKey());
        String key = q.version() + "/" + Instant.ofEpochSecond(Math.floorDiv(q.time(), DAY_MICROS) * 86_400L);
        long[] t = tally.computeIfAbsent(key, k -> new long[2]);
        t[0]++;
        if (q.predicted() == e.getValue()[1]) {
          t[1]++;
          right++;
        }
      }
      seconds.add((System.nanoTime() - t0) / 1e9);
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "requests=%d%nduplicate_requests=%d%nlabels=%d%njoined=%d%norphan_labels=%d%nlate_labels=%d%nsuperseded_labels=%d%nright=%d%n",
          rows, duplicates, labels, chosen.size(), orphans, late, superseded, right));
      for (Map.Entry<String, long[]> e : tally.entrySet()) {
        out.append(String.format(Locale.ROOT, "window %s scored=%d right=%d accuracy=%.6f%n", e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[1] / (double) e.getValue()[0]));
      }
      report = out.toString();
      System.err.printf(Locale.ROOT, "plain run %d: %.2f s%n", run + 1, seconds.get(run));
    }
    System.out.print(report);
    List<Double> s = new ArrayList<>(seconds);
    s.sort(null);
    double median = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    System.out.printf(Locale.ROOT, "seconds=%.3f%nseconds_all=%s%n", median,
        String.join(" ", seconds.stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList()));
  }

  /** The index of the largest of a JSON array of numbers such as {@code [0.8,0.2]}; the first of equals. */
  static int argMax(String json) {
    int best = -1;
    double max = Double.NEGATIVE_INFINITY;
    int k = 0;
    int start = 1;
    for (int i = 1; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == ',' || c == ']') {
        double v = Double.parseDouble(json.substring(start, i));
        if (v > max) {
          max = v;
          best = k;
        }
        k++;
        start = i + 1;
      }
    }
    return best;
  }
}
