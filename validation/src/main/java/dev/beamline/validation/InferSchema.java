package dev.beamline.validation;

import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.List;

/**
 * Infers a {@link DataSchema} from statistics, as TFDV's {@code infer_schema}: each feature's type;
 * required when it was always present; a domain for
 * string features with at most {@value #DEFAULT_MAX_DOMAIN} distinct values; for a feature not always
 * present, a minimum presence {@value #PRESENCE_MARGIN} below the one seen; NaN allowed for float
 * features only when the data had some. Numeric ranges are not inferred (a range fitted to one span
 * would flag every new extreme); set them by hand where they matter.
 *
 * <pre>{@code
 * DataSchema schema = InferSchema.from(statistics.split("train").orElseThrow());
 * Files.writeString(path, schema.toYaml());
 * }</pre>
 */
public final class InferSchema {
  /** String features with at most this many distinct values get a domain, as in TFDV. */
  public static final int DEFAULT_MAX_DOMAIN = 100;
  /** How far below the presence seen the inferred minimum presence lies. */
  public static final double PRESENCE_MARGIN = 0.05;

  private InferSchema() {}

  public static DataSchema from(DatasetStatistics stats) {
    return from(stats, DEFAULT_MAX_DOMAIN);
  }

  public static DataSchema from(DatasetStatistics stats, int maxDomainSize) {
    List<SchemaFeature> features = new ArrayList<>();
    for (FeatureStatistics f : stats.features()) {
      FeatureType type = f.featureType();
      SchemaFeature s = SchemaFeature.of(f.name(), type);
      if (f.presence() < 1.0) {
        // The presence seen less a margin of PRESENCE_MARGIN, rounded down to two decimals: other splits
        // and spans of the same data pass, a clear drop does not.
        s = s.withMinPresence(Math.max(0, Math.floor((f.presence() - PRESENCE_MARGIN) * 100) / 100));
      }
      StringStatistics strings = f.strings();
      if (type == FeatureType.STRING && strings != null && strings.distinctExact() && strings.distinct() > 0
          && strings.distinct() <= maxDomainSize) {
        List<String> domain = new ArrayList<>();
        strings.categoryCounts().forEach(v -> domain.add(v.value()));
        domain.sort(null);
        s = s.withDomain(domain);
      }
      if (type == FeatureType.FLOAT) {
        s = s.withNanAllowed(f.numeric() != null && f.numeric().nan() > 0);
      }
      features.add(s);
    }
    return DataSchema.of(features);
  }
}
