package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * The statistics of one split of a dataset: how many examples it has and the statistics of each feature,
 * in schema order. Computed by {@link ComputeStatistics} (or {@link FeatureStatisticsFn#computeInMemory});
 * the JSON form is described in {@link StatisticsSet}.
 *
 * <pre>{@code
 * DatasetStatistics train = FeatureStatisticsFn.computeInMemory(schema, "train", records);
 * double meanMass = train.feature("body_mass_g").orElseThrow().numeric().mean();
 * }</pre>
 */
public record DatasetStatistics(
    @JsonProperty("split") String split,
    @JsonProperty("num_examples") long numExamples,
    @JsonProperty("features") List<FeatureStatistics> features) implements Serializable {

  public DatasetStatistics {
    checkNotNull(split, "split");
    checkArgument(numExamples >= 0, "num_examples must be 0 or more, got %s", numExamples);
    features = List.copyOf(features);
  }

  /** The statistics of the feature called {@code name}, if the split has it. */
  public Optional<FeatureStatistics> feature(String name) {
    return features.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /** The names of the features, in order. */
  public List<String> featureNames() {
    return features.stream().map(FeatureStatistics::name).toList();
  }

  /** These statistics as pretty-printed JSON. */
  public String toJson() {
    return StatisticsJson.write(this, true);
  }

  /**
   * Reads statistics written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException when {@code json} is not such statistics
   */
  public static DatasetStatistics fromJson(String json) {
    return StatisticsJson.read(json, DatasetStatistics.class);
  }

  /** A coder of statistics: their compact JSON form in UTF-8. */
  public static Coder coder() {
    return Coder.INSTANCE;
  }

  /** Encodes statistics as their compact JSON, which is deterministic: fields in a fixed order. */
  public static final class Coder extends CustomCoder<DatasetStatistics> {
    private static final long serialVersionUID = 1L;
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder TEXT = StringUtf8Coder.of();

    private Coder() {}

    @Override
    public void encode(DatasetStatistics value, OutputStream out) throws IOException {
      TEXT.encode(StatisticsJson.write(value, false), out);
    }

    @Override
    public DatasetStatistics decode(InputStream in) throws IOException {
      return StatisticsJson.read(TEXT.decode(in), DatasetStatistics.class);
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof Coder;
    }

    @Override
    public int hashCode() {
      return Coder.class.hashCode();
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }
}
