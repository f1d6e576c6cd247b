package dev.beamline.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.List;

/**
 * One way in which data differs from what is expected: a stable type code, a severity, the feature and
 * split concerned (null when the anomaly is about a whole split), a sentence for people, and a few
 * example values where they help.
 *
 * <pre>{@code
 * Anomaly a = Anomaly.of(Anomaly.Type.OUT_OF_DOMAIN, "species", "train",
 *     "2.9% of values (10 of 344) are outside the domain", List.of("Emperor"));
 * }</pre>
 */
public record Anomaly(
    @JsonProperty("type") Type type,
    @JsonProperty("severity") Severity severity,
    @JsonProperty("feature") String feature,
    @JsonProperty("split") String split,
    @JsonProperty("description") String description,
    @JsonProperty("examples") ImmutableList<String> examples)
    implements Serializable {

  /** How bad an anomaly is: an ERROR stops the pipeline before any later stage, a WARNING is reported. */
  public enum Severity {
    ERROR,
    WARNING
  }

  /**
   * The kinds of anomaly. The names are stable codes (they appear in files, reports and scripts); each
   * has a default severity.
   */
  public enum Type {
    /** A feature of the schema is absent from the data. */
    MISSING_FEATURE(Severity.ERROR),
    /** The data has a feature that the schema does not know. */
    UNEXPECTED_FEATURE(Severity.ERROR),
    /** A feature's type in the data differs from the schema's. */
    WRONG_TYPE(Severity.ERROR),
    /** A feature is present in fewer examples than the schema requires. */
    LOW_PRESENCE(Severity.ERROR),
    /** A string feature has values outside its domain. */
    OUT_OF_DOMAIN(Severity.ERROR),
    /** A numeric feature has values outside its range. */
    OUT_OF_RANGE(Severity.ERROR),
    /** A float feature has NaN values where the schema does not allow them. */
    NAN_NOT_ALLOWED(Severity.ERROR),
    /** A feature has more distinct values than the schema allows. */
    TOO_MANY_DISTINCT(Severity.ERROR),
    /** A feature has fewer distinct values than the schema requires. */
    TOO_FEW_DISTINCT(Severity.ERROR),
    /** A split holds no example. */
    EMPTY_SPLIT(Severity.ERROR),
    /** A feature's distribution moved from the previous span's beyond its drift threshold. */
    DRIFT(Severity.ERROR),
    /** A feature's distribution differs between two datasets (e.g. training and serving) beyond its skew threshold. */
    SKEW(Severity.ERROR);

    private final Severity defaultSeverity;

    Type(Severity defaultSeverity) {
      this.defaultSeverity = defaultSeverity;
    }

    public Severity defaultSeverity() {
      return defaultSeverity;
    }
  }

  /** An anomaly of {@code type} with its default severity. */
  public static Anomaly of(Type type, String feature, String split, String description, List<String> examples) {
    return new Anomaly(type, type.defaultSeverity(), feature, split, description, ImmutableList.copyOf(examples));
  }

  /** One line for people: {@code ERROR OUT_OF_DOMAIN species (train): 2.9% of values ...}. */
  public String describe() {
    return severity + " " + type + (feature == null ? "" : " " + feature) + (split == null ? "" : " (" + split + ")") + ": "
        + description + (examples.isEmpty() ? "" : "; e.g. " + String.join(", ", examples));
  }
}
