package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.stage.ArtifactInfo;
import java.util.List;

/**
 * What a {@code JOINED_TRAFFIC} artifact holds: the model whose requests it joined, the model versions
 * they went to, and its columns. Stated by the join stage once it has read the segments' footers, read
 * back from {@value JoinedTraffic#SUMMARY_FILE} and {@value JoinedTraffic#SCHEMA_FILE} when the join
 * comes from the cache.
 *
 * <pre>{@code
 * TrafficInfo t = inputs.get("traffic").info(TrafficInfo.class);
 * }</pre>
 */
public record TrafficInfo(String model, List<Long> versions, ExampleSchema schema) implements ArtifactInfo {
  public TrafficInfo {
    checkNotNull(model, "model");
    versions = List.copyOf(versions);
    checkNotNull(schema, "schema");
  }
}
