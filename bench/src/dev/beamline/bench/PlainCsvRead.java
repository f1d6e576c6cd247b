package dev.beamline.bench;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The baseline for CSV ingestion: one thread reads a CSV file (a header line, then unquoted
 * comma-separated fields) with a {@link BufferedReader}, splits each line on commas and parses every
 * field to its type ({@code Long}, {@code Double} or {@code String}; an empty field is missing), folding
 * the values' hash codes into a checksum so that the JIT cannot skip the work.
 *
 * <p>Prints one line: {@code rows=<n> seconds=<s> checksum=<hex>}; seconds cover opening the file to
 * closing it, not the JVM start.
 *
 * <pre>{@code
 * java -cp bench/work/classes:runner/target/lib/* dev.beamline.bench.PlainCsvRead flights-3m.csv int,int,int,string,string
 * }</pre>
 */
public final class PlainCsvRead {
  private PlainCsvRead() {}

  private enum Type {
    INT,
    FLOAT,
    STRING
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: PlainCsvRead <file.csv> <type>,<type>,...   (types: int, float, string)");
      System.exit(2);
    }
    Path file = Paths.get(args[0]);
    String[] names = args[1].split(",");
    Type[] types = new Type[names.length];
    for (int i = 0; i < names.length; i++) {
      types[i] = Type.valueOf(names[i].trim().toUpperCase(java.util.Locale.ROOT));
    }
    int n = types.length;
    long start = System.nanoTime();
    long rows = 0;
    long checksum = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null || header.split(",", -1).length != n) {
        throw new IllegalArgumentException(file + ": the header '" + header + "' does not have " + n + " columns");
      }
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          int to = i == n - 1 ? line.length() : line.indexOf(',', from);
          if (to < 0) {
            throw new IllegalArgumentException(file + " row " + (rows + 1) + ": fewer than " + n + " fields");
          }
          Object v = to == from ? null : parse(line.substring(from, to), types[i]);
          checksum = 31 * checksum + (v == null ? 0 : v.hashCode());
          from = to + 1;
        }
        rows++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("rows=%d seconds=%.3f checksum=%016x%n", rows, seconds, checksum);
  }

  private static Object parse(String text, Type type) {
    switch (type) {
      case INT:
        return Long.parseLong(text);
      case FLOAT:
        return Double.parseDouble(text);
      default:
        return text;
    }
  }
}
