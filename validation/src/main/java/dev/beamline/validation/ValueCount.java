package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * A value of a string or boolean feature and how many examples hold it.
 *
 * <pre>{@code
 * ValueCount top = stats.feature("species").orElseThrow().strings().topValues().get(0);
 * }</pre>
 */
public record ValueCount(@JsonProperty("value") String value, @JsonProperty("count") long count)
    implements Serializable {
  public ValueCount {
    checkNotNull(value, "value");
  }

  public static ValueCount of(String value, long count) {
    return new ValueCount(value, count);
  }
}
