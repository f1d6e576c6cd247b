package dev.beamline.validation.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureType;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.FormatReader;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.RejectedRow;
import dev.beamline.validation.Bucket;
import dev.beamline.validation.DatasetStatistics;
import dev.beamline.validation.FeatureStatistics;
import dev.beamline.validation.NumericStatistics;
import dev.beamline.validation.StatisticsSet;
import dev.beamline.validation.StringStatistics;
import dev.beamline.validation.ValueCount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.datasketches.kll.KllSketch;

/**
 * Checks that the local and the Beam engine computed the same statistics of one file: every exact field
 * identical (counts, missing, presence, mean, standard deviation, min, max, zeros, NaN, infinities,
 * string lengths, and the whole string statistics while they are exact), and every sketch field of
 * both within its stated error of the truth, which is computed here from the file's records (read by
 * Beamline's record reader) with sorted arrays and hash maps. Public, in validation's test jar, for the
 * runner's tests of {@code beamline stats}.
 *
 * <pre>{@code
 * EngineComparison.of(file, InputFormat.CSV).check(localStatistics, beamStatistics, "data");
 * }</pre>
 */
public final class EngineComparison {
  private final ExampleSchema schema;
  private final long rows;
  private final Map<String, double[]> sortedFinite = new HashMap<>();
  private final Map<String, Map<String, Long>> valueCounts = new HashMap<>();

  private EngineComparison(ExampleSchema schema, List<GenericRecord> records) {
    this.schema = schema;
    this.rows = records.size();
    for (int i = 0; i < schema.size(); i++) {
      String name = schema.feature(i).name();
      boolean numeric = isNumeric(schema.feature(i).type());
      List<Double> finite = new ArrayList<>();
      Map<String, Long> counts = new HashMap<>();
      for (GenericRecord r : records) {
        Object v = r.get(i);
        if (v == null) {
          continue;
        }
        if (numeric) {
          double d = ((Number) v).doubleValue();
          if (Double.isFinite(d)) {
            finite.add(d);
          }
        } else {
          counts.merge(v.toString(), 1L, Long::sum);
        }
      }
      sortedFinite.put(name, finite.stream().mapToDouble(Double::doubleValue).sorted().toArray());
      valueCounts.put(name, counts);
    }
  }

  /** The truth about {@code file} (read record by record), of {@code format} with the given schema. */
  public static EngineComparison of(Path file, InputFormat format, ExampleSchema schema) throws IOException {
    List<GenericRecord> records = new ArrayList<>();
    FormatReader.of(format, CsvFormat.defaults()).read(file.toString(), schema, schema.toAvro(), new FormatReader.Sink() {
      @Override
      public void accept(GenericRecord example) {
        records.add(example);
      }

      @Override
      public void reject(RejectedRow row) {
        throw new AssertionError("rejected: " + row.describe());
      }
    });
    return new EngineComparison(schema, records);
  }

  /** The truth about {@code file}, with the schema that Beamline infers for it (as both engines do). */
  public static EngineComparison of(Path file, InputFormat format) throws IOException {
    ExampleSchema schema = format == InputFormat.PARQUET
        ? ParquetColumns.schemaOf(file)
        : FormatReader.of(format, CsvFormat.defaults())
            .inferSchema(List.of(new InputFiles.InputFile(file.toString(), Files.size(file))), 0);
    return of(file, format, schema);
  }

  private static boolean isNumeric(FeatureType t) {
    return t == FeatureType.INT || t == FeatureType.FLOAT || t == FeatureType.TIMESTAMP;
  }

  /** Checks one split of {@code local} against the same split of {@code beam}, and both against the truth. */
  public void check(StatisticsSet local, StatisticsSet beam, String split) {
    DatasetStatistics a = local.split(split).orElseThrow();
    DatasetStatistics b = beam.split(split).orElseThrow();
    assertThat(a.numExamples()).isEqualTo(rows).isEqualTo(b.numExamples());
    assertThat(a.featureNames()).isEqualTo(b.featureNames()).isEqualTo(schema.names());
    for (FeatureStatistics fa : a.features()) {
      FeatureStatistics fb = b.feature(fa.name()).orElseThrow();
      String n = fa.name();
      assertThat(fa.type()).as(n + ".type").isEqualTo(fb.type());
      assertThat(fa.count()).as(n + ".count").isEqualTo(fb.count());
      assertThat(fa.missing()).as(n + ".missing").isEqualTo(fb.missing());
      assertThat(fa.presence()).as(n + ".presence").isEqualTo(fb.presence());
      if (fa.numeric() != null) {
        checkNumeric(n, fa.numeric(), fb.numeric());
      } else {
        checkStrings(n, fa.count(), fa.strings(), fb.strings());
      }
    }
  }

  private void checkNumeric(String n, NumericStatistics a, NumericStatistics b) {
    // Exact fields: identical, NaN included (boxed, so that NaN equals NaN).
    assertThat(Double.valueOf(a.mean())).as(n + ".mean").isEqualTo(Double.valueOf(b.mean()));
    assertThat(Double.valueOf(a.stdDev())).as(n + ".std_dev").isEqualTo(Double.valueOf(b.stdDev()));
    assertThat(Double.valueOf(a.min())).as(n + ".min").isEqualTo(Double.valueOf(b.min()));
    assertThat(Double.valueOf(a.max())).as(n + ".max").isEqualTo(Double.valueOf(b.max()));
    assertThat(a.zeros()).as(n + ".zeros").isEqualTo(b.zeros());
    assertThat(a.nan()).as(n + ".nan").isEqualTo(b.nan());
    assertThat(a.infinity()).as(n + ".infinity").isEqualTo(b.infinity());
    assertThat(a.quantileRankError()).as(n + ".quantile_rank_error").isEqualTo(b.quantileRankError());
    double[] sorted = sortedFinite.get(n);
    if (sorted.length == 0) {
      assertThat(a.quantiles()).isEmpty();
      assertThat(b.quantiles()).isEmpty();
      return;
    }
    assertThat(a.min()).isEqualTo(sorted[0]);
    assertThat(a.max()).isEqualTo(sorted[sorted.length - 1]);
    for (NumericStatistics s : List.of(a, b)) {
      double eps = s.quantileRankError() + 1.0 / sorted.length;
      for (int i = 0; i < s.quantiles().size(); i++) {
        double q = s.quantiles().get(i);
        double target = NumericStatistics.DECILE_RANKS.get(i);
        assertThat(rankBelow(sorted, q)).as("%s decile %d", n, i).isLessThanOrEqualTo(target + eps);
        assertThat(rankAtOrBelow(sorted, q)).as("%s decile %d", n, i).isGreaterThanOrEqualTo(target - eps);
      }
      assertThat(s.median()).isEqualTo(s.quantiles().get(5));
      double pmfError = s.quantileRankError() == 0 ? 0 : KllSketch.getNormalizedRankError(200, true);
      List<Bucket> buckets = s.equalWidth().buckets();
      for (int i = 0; i < buckets.size(); i++) {
        Bucket k = buckets.get(i);
        boolean last = i == buckets.size() - 1;
        double truth = (last ? rankAtOrBelow(sorted, k.high()) : rankBelow(sorted, k.high())) * sorted.length - rankBelow(sorted, k.low()) * sorted.length;
        assertThat(k.count()).as("%s equal-width bucket %d", n, i).isCloseTo(truth, within(pmfError * sorted.length + 1e-6));
      }
      assertThat(s.equalWidth().totalCount()).isEqualTo(sorted.length);
      assertThat(s.quantileHistogram().totalCount()).isCloseTo(sorted.length, within(1e-6));
    }
    // The equal-width boundaries come from min and max alone: identical.
    List<Double> lowsA = a.equalWidth().buckets().stream().map(Bucket::low).toList();
    List<Double> lowsB = b.equalWidth().buckets().stream().map(Bucket::low).toList();
    assertThat(lowsA).as(n + ".equal_width lows").isEqualTo(lowsB);
  }

  private void checkStrings(String n, long count, StringStatistics a, StringStatistics b) {
    assertThat(Double.valueOf(a.avgLength())).as(n + ".avg_length").isEqualTo(Double.valueOf(b.avgLength()));
    assertThat(a.minLength()).as(n + ".min_length").isEqualTo(b.minLength());
    assertThat(a.maxLength()).as(n + ".max_length").isEqualTo(b.maxLength());
    assertThat(a.distinctExact()).as(n + ".distinct_exact").isEqualTo(b.distinctExact());
    Map<String, Long> truth = valueCounts.get(n);
    if (a.distinctExact()) {
      // Exact counts: the whole statistics identical, and right.
      assertThat(a).as(n + ".strings").isEqualTo(b);
      assertThat(a.distinct()).isEqualTo(truth.size());
      for (ValueCount v : a.categoryCounts()) {
        assertThat(v.count()).as(n + " count of " + v.value()).isEqualTo(truth.get(v.value()));
      }
      return;
    }
    double maxError = 3.5 / 4096 * count;
    for (StringStatistics s : List.of(a, b)) {
      // HLL: relative standard error 1.6% after merges; 5% is three of them.
      assertThat((double) s.distinct()).as(n + ".distinct").isCloseTo(truth.size(), within(0.05 * truth.size()));
      for (ValueCount v : s.topValues()) {
        long t = truth.getOrDefault(v.value(), 0L);
        assertThat(v.count()).as(n + " count of " + v.value()).isBetween(t, (long) Math.ceil(t + maxError));
      }
    }
  }

  private static double rankBelow(double[] sorted, double q) {
    int i = Arrays.binarySearch(sorted, q);
    if (i < 0) {
      return (double) (-i - 1) / sorted.length;
    }
    while (i > 0 && sorted[i - 1] == q) {
      i--;
    }
    return (double) i / sorted.length;
  }

  private static double rankAtOrBelow(double[] sorted, double q) {
    int i = Arrays.binarySearch(sorted, q);
    if (i < 0) {
      return (double) (-i - 1) / sorted.length;
    }
    while (i < sorted.length - 1 && sorted[i + 1] == q) {
      i++;
    }
    return (double) (i + 1) / sorted.length;
  }
}
