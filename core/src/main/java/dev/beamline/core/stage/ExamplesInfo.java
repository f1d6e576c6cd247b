package dev.beamline.core.stage;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleSchema;
import java.util.List;

/**
 * What an {@code EXAMPLES} artifact holds: the examples' schema and the names of its splits, in order.
 *
 * <pre>{@code
 * ExamplesInfo info = new ExamplesInfo(schema, List.of("train", "eval"));
 * }</pre>
 */
public record ExamplesInfo(ExampleSchema schema, List<String> splits) implements ArtifactInfo {
  public ExamplesInfo {
    checkNotNull(schema, "schema");
    checkArgument(splits != null && !splits.isEmpty(), "examples need at least one split, got %s", splits);
    splits = List.copyOf(splits);
  }
}
