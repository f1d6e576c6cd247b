package dev.beamline.core.stage;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ArtifactKind;
import com.google.common.base.Suppliers;
import java.util.function.Supplier;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;

/**
 * An artifact a stage consumes, the same whether its producer runs in this graph or was taken from
 * the cache: where it is published, what it holds ({@link #info}), and {@link #ready()}, a collection
 * that holds its folder once it is published. A stage reads the artifact only after {@code ready()}
 * says so, and never asks where it came from.
 *
 * <pre>{@code
 * StageInput examples = inputs.get("examples");
 * ExamplesInfo info = examples.info(ExamplesInfo.class);
 * PCollection<String> dir = examples.ready();  // one element: the published folder
 * }</pre>
 */
public final class StageInput {
  private final Port port;
  private final long artifactId;
  private final String uri;
  private final ArtifactInfo info;
  private final Supplier<PCollection<String>> ready;

  /**
   * @param artifactId its id in the metadata store (-1 without a store)
   * @param info what it holds, or null for a kind that states nothing
   * @param ready the collection of its published folder (made once; the runner shares it between consumers)
   */
  public StageInput(Port port, long artifactId, String uri, ArtifactInfo info, Supplier<PCollection<String>> ready) {
    this.port = checkNotNull(port, "port");
    this.artifactId = artifactId;
    this.uri = checkNotNull(uri, "uri");
    this.info = info;
    this.ready = checkNotNull(ready, "ready");
  }

  /**
   * An artifact published already at {@code uri} (by an earlier run, or by hand), read into {@code
   * pipeline} as {@code port}: its {@link #ready()} holds {@code uri} from the start.
   */
  public static StageInput published(Pipeline pipeline, Port port, long artifactId, String uri, ArtifactInfo info) {
    return new StageInput(
        port, artifactId, uri, info,
        Suppliers.memoize(() -> pipeline.apply("Published-" + port.role(), Create.of(uri).withCoder(StringUtf8Coder.of())))::get);
  }

  public String role() {
    return port.role();
  }

  public ArtifactKind kind() {
    return port.kind();
  }

  /** The artifact's id in the metadata store, -1 when nothing is recorded. */
  public long artifactId() {
    return artifactId;
  }

  /** Where the artifact is (or will be) published: a folder, or a path inside its producer's folder. */
  public String uri() {
    return uri;
  }

  /**
   * What the artifact holds, as its producer states it.
   *
   * @throws IllegalStateException when the producer states nothing of that type
   */
  public <T extends ArtifactInfo> T info(Class<T> type) {
    if (!type.isInstance(info)) {
      throw new IllegalStateException(
          "input '" + role() + "' (" + kind() + ") states " + (info == null ? "nothing" : info.getClass().getSimpleName())
              + ", not " + type.getSimpleName());
    }
    return type.cast(info);
  }

  /** One element, {@link #uri()}, present once the artifact is published. */
  public PCollection<String> ready() {
    return ready.get();
  }
}
