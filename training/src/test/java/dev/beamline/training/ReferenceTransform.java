package dev.beamline.training;

import com.google.common.hash.Hashing;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FittedFeature;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plain-Java transcription of the contract in {@link FeatureTransform}, one raw value at a time,
 * written independently of {@link TransformOps}: the tests materialize "Parquet features" with it and
 * check that the graph ops agree.
 */
final class ReferenceTransform {
  private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+");

  private ReferenceTransform() {}

  static long fingerprint64Mod(String token, long buckets) {
    long h = Hashing.farmHashFingerprint64().hashString(token, StandardCharsets.UTF_8).asLong();
    return Long.remainderUnsigned(h, buckets);
  }

  /**
   * The transformed value of one raw value: Float (FLOAT), Long (ID), long[] (IDS) or float[]
   * (VECTOR). {@code raw} is a Double (NaN or null for missing), a Long (null missing) or a String
   * (null or "" missing).
   */
  static Object apply(FittedFeature f, Object raw) {
    switch (f.inputType()) {
      case INT:
      case FLOAT:
      case BOOLEAN:
        return numeric(f, raw == null ? Double.NaN : ((Number) raw).doubleValue());
      case TIMESTAMP:
        return timestamp(f, (Long) raw);
      case STRING:
        return string(f, (String) raw);
      default:
        throw new IllegalArgumentException(f.inputType().configName());
    }
  }

  private static Object numeric(FittedFeature f, double x) {
    FeatureTransform s = f.spec();
    if (Double.isNaN(x) && f.imputeNumber() != null) {
      x = f.imputeNumber();
    }
    if (s.clipMin() != null) {
      x = Math.max(x, s.clipMin());
    }
    if (s.clipMax() != null) {
      x = Math.min(x, s.clipMax());
    }
    if (s.logOffset() != null) {
      x = Math.log(x + s.logOffset());
    }
    if (s.bucketize() != null) {
      long id = 0;
      for (double b : f.boundaries()) {
        if (b <= x) {
          id++;
        }
      }
      return id(f, id);
    }
    if (s.binarize() != null) {
      return id(f, x > s.binarize() ? 1 : 0);
    }
    if (s.scale() == Scale.Z_SCORE) {
      x = f.std() == 0 ? x - f.mean() : (x - f.mean()) / f.std();
    } else if (s.scale() == Scale.MIN_MAX) {
      x = f.max().equals(f.min()) ? 0 : (x - f.min()) / (f.max() - f.min());
    }
    return (float) x;
  }

  private static Object timestamp(FittedFeature f, Long micros) {
    FeatureTransform s = f.spec();
    TimePart part = s.timePart();
    if (part == TimePart.YEAR) {
      double year = micros == null ? f.imputeNumber() : utc(micros).getYear();
      if (s.scale() == Scale.Z_SCORE) {
        year = f.std() == 0 ? year - f.mean() : (year - f.mean()) / f.std();
      } else if (s.scale() == Scale.MIN_MAX) {
        year = f.max().equals(f.min()) ? 0 : (year - f.min()) / (f.max() - f.min());
      }
      return (float) year;
    }
    if (s.effectiveEncoding() == Encoding.CYCLICAL) {
      if (micros == null) {
        return new float[] {0, 0};
      }
      double angle = 2 * Math.PI * part(part, micros) / period(part, micros);
      return new float[] {(float) Math.sin(angle), (float) Math.cos(angle)};
    }
    return id(f, micros == null ? f.imputeNumber().longValue() : part(part, micros));
  }

  /** The date and time in UTC, through {@link Instant} (not the epoch-day arithmetic of the transform). */
  private static ZonedDateTime utc(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).atZone(ZoneOffset.UTC);
  }

  /** The 0-based id of a time part. */
  private static long part(TimePart part, long micros) {
    ZonedDateTime t = utc(micros);
    switch (part) {
      case MINUTE:
        return t.getMinute();
      case HOUR_OF_DAY:
        return t.getHour();
      case DAY_OF_WEEK:
        return t.getDayOfWeek().getValue() - 1;
      case DAY_OF_MONTH:
        return t.getDayOfMonth() - 1;
      case DAY_OF_YEAR:
        return t.getDayOfYear() - 1;
      case WEEK_OF_YEAR:
        return t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR) - 1;
      case MONTH:
        return t.getMonthValue() - 1;
      default:
        throw new IllegalArgumentException(part.toString());
    }
  }

  /** The period of a cyclical time part: its length in ids, the month's, year's or ISO year's where it varies. */
  private static long period(TimePart part, long micros) {
    ZonedDateTime t = utc(micros);
    switch (part) {
      case MINUTE:
        return 60;
      case HOUR_OF_DAY:
        return 24;
      case DAY_OF_WEEK:
        return 7;
      case DAY_OF_MONTH:
        return t.toLocalDate().lengthOfMonth();
      case DAY_OF_YEAR:
        return t.toLocalDate().lengthOfYear();
      case WEEK_OF_YEAR:
        // December 28th is always in the ISO year's last week.
        return LocalDate.of(t.get(IsoFields.WEEK_BASED_YEAR), 12, 28).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR);
      case MONTH:
        return 12;
      default:
        throw new IllegalArgumentException(part.toString());
    }
  }

  private static Object id(FittedFeature f, long id) {
    if (f.spec().effectiveEncoding() == Encoding.ONE_HOT) {
      float[] v = new float[f.cardinality()];
      if (id >= 0) {
        v[(int) id] = 1;
      }
      return v;
    }
    return id;
  }

  private static Object string(FittedFeature f, String value) {
    FeatureTransform s = f.spec();
    if ((value == null || value.isEmpty()) && f.imputeString() != null) {
      value = f.imputeString();
    }
    if (value == null) {
      value = "";
    }
    if (s.lowercase()) {
      value = value.toLowerCase(Locale.ROOT);
    }
    List<String> tokens = new ArrayList<>();
    if (!s.multiValued()) {
      tokens.add(value);
    } else if (s.text() != null) {
      List<String> words = new ArrayList<>();
      Matcher m = TOKEN.matcher(value);
      while (m.find()) {
        words.add(m.group());
      }
      for (int n = s.text().ngramMin(); n <= s.text().ngramMax(); n++) {
        for (int i = 0; i + n <= words.size(); i++) {
          tokens.add(String.join(" ", words.subList(i, i + n)));
        }
      }
    } else {
      for (String t : value.split(Pattern.quote(s.separator()), -1)) {
        if (!t.isEmpty()) {
          tokens.add(t);
        }
      }
    }
    long[] ids = new long[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokenId(f, tokens.get(i), !s.multiValued());
    }
    switch (s.effectiveEncoding()) {
      case ID:
        return ids[0];
      case ONE_HOT:
        return id(f, ids[0]);
      case MULTI_HOT: {
        float[] v = new float[f.cardinality()];
        for (long id : ids) {
          if (id >= 0) {
            v[(int) id] = 1;
          }
        }
        return v;
      }
      case TFIDF: {
        long[] counts = new long[f.cardinality()];
        for (long id : ids) {
          if (id >= 0) {
            counts[(int) id]++;
          }
        }
        float[] v = new float[f.cardinality()];
        for (int id = 0; id < v.length; id++) {
          v[id] = counts[id] == 0 ? 0f : (float) ((double) counts[id] / tokens.size() * f.idf()[id]);
        }
        return v;
      }
      case IDS: {
        long[] v = new long[s.effectiveMaxTokens()];
        Arrays.fill(v, -1);
        int n = 0;
        for (long id : ids) {
          if (id >= 0 && n < v.length) {
            v[n++] = id;
          }
        }
        return v;
      }
      default:
        throw new AssertionError();
    }
  }

  private static long tokenId(FittedFeature f, String token, boolean single) {
    FeatureTransform s = f.spec();
    if (s.hashBuckets() != null) {
      return fingerprint64Mod(token, s.hashBuckets());
    }
    int index = single && token.isEmpty() ? -1 : f.vocabulary().indexOf(token);
    if (index >= 0) {
      return index;
    }
    int oov = s.vocabulary().oovBuckets();
    return oov == 0 ? -1 : f.vocabulary().size() + fingerprint64Mod(token, oov);
  }
}
