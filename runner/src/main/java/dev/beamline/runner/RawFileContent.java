package dev.beamline.runner;

import dev.beamline.core.ArtifactManifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.stage.ExternalInput;
import dev.beamline.core.stage.Published;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.MetadataStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The content of the raw files a stage reads, for its cache key. A stage such as ingestion lists its
 * files cheaply in its plan, identified by path, size and modification time ({@code bytes} and {@code
 * modified_ms} in the input's properties), and hashes their bytes while it reads them; it states those
 * SHA-256s in its published facts under {@value #INPUT_FILES} ({@code [{"path", "sha256"}]}).
 *
 * <p>The runner keys the cache by content, not by path and time: each such file's fingerprint is its
 * SHA-256, found
 *
 * <ol>
 *   <li>by reading the file now, when the stage's files together are cheap to hash ({@link
 *       CacheCheck}, 64 MiB by default) or with {@code --verify-cache}: a touched but unchanged file
 *       still hits, a file edited in place keeping its size and time misses;
 *   <li>else, without reading it, as recorded for the file at the same path with the same size and
 *       modification time by a run that read it (the RAW_DATA artifact's {@code sha256});
 *   <li>else it is unknown: the file is new or has changed, the stage must read it anyway, and once it
 *       has, the runner records what it read ({@link #stated}) and rekeys the execution by that content.
 * </ol>
 *
 * <pre>{@code
 * RawFileContent.Keyed keyed = RawFileContent.resolve(store, plan.externalInputs(), CacheCheck.defaults());
 * String key = PipelineRun.cacheKey(name, code, parameters, inputs, keyed.inputs());
 * }</pre>
 */
final class RawFileContent {
  /** The key, in a stage's published facts, of the files it read and their SHA-256s. */
  static final String INPUT_FILES = Published.INPUT_FILES;
  /** The property of a RAW_DATA artifact holding its content's SHA-256. */
  static final String SHA256 = "sha256";

  private RawFileContent() {}

  /**
   * A stage's inputs from outside, each raw file fingerprinted by its content where known.
   *
   * @param unread the URIs of the raw files whose content is not known before the stage reads them
   */
  record Keyed(List<ExternalInput> inputs, Set<String> unread) {
    Keyed {
      inputs = List.copyOf(inputs);
      unread = Set.copyOf(unread);
    }

    /** The same inputs, each raw file fingerprinted by the content in {@code sha256ByUri} where it holds one. */
    Keyed withContent(Map<String, String> sha256ByUri) {
      List<ExternalInput> out = new ArrayList<>();
      for (ExternalInput in : inputs) {
        String sha256 = sha256ByUri.get(in.uri());
        out.add(identifiedByStat(in) && sha256 != null ? RawFileContent.withContent(in, sha256) : in);
      }
      Set<String> still = new LinkedHashSet<>(unread);
      still.removeAll(sha256ByUri.keySet());
      return new Keyed(out, still);
    }
  }

  /** A raw file listed by path, size and modification time, whose content the stage hashes as it reads it. */
  static boolean identifiedByStat(ExternalInput in) {
    return in.isListed();
  }

  /** Each raw file of {@code external} with its content fingerprint: hashed now, recorded, or unknown. */
  static Keyed resolve(MetadataStore store, List<ExternalInput> external, CacheCheck check) {
    long total = external.stream().filter(RawFileContent::identifiedByStat).mapToLong(in -> in.properties().get(ExternalInput.BYTES).asLong()).sum();
    boolean hashNow = check.hashes(total);
    List<ExternalInput> out = new ArrayList<>();
    Set<String> unread = new LinkedHashSet<>();
    for (ExternalInput in : external) {
      if (!identifiedByStat(in)) {
        out.add(in);
        continue;
      }
      String sha256 = hashNow ? dev.beamline.core.Storage.sha256(in.uri(), new long[1]) : recorded(store, in);
      if (sha256 == null) {
        unread.add(in.uri());
        out.add(in);
      } else {
        out.add(withContent(in, sha256));
      }
    }
    return new Keyed(out, unread);
  }

  /** The SHA-256 recorded for the file {@code in} as it is now (same size and modification time), or null. */
  private static String recorded(MetadataStore store, ExternalInput in) {
    long bytes = in.properties().get(ExternalInput.BYTES).asLong();
    long modified = in.properties().get(ExternalInput.MODIFIED_MS).asLong();
    for (Artifact a : store.artifactsByUri(in.uri())) {
      JsonNode p = a.properties();
      if (a.type().equals(ArtifactKind.RAW_DATA.name()) && a.state() == ArtifactState.LIVE && p.has(SHA256)
          && p.path(ExternalInput.BYTES).asLong(-1) == bytes && p.path(ExternalInput.MODIFIED_MS).asLong(-1) == modified) {
        return p.get(SHA256).asText();
      }
    }
    return null;
  }

  private static ExternalInput withContent(ExternalInput in, String sha256) {
    ObjectNode props = in.properties().deepCopy().put(SHA256, sha256);
    return new ExternalInput(in.role(), in.kind(), in.uri(), sha256, props, null);
  }

  /** The SHA-256 of each file the stage says it read ({@value #INPUT_FILES} in its main artifact's facts), by path. */
  static Map<String, String> stated(Published published, String mainRole) {
    Map<String, String> out = new HashMap<>();
    ObjectNode facts = published.properties().get(mainRole);
    if (facts == null || !facts.has(INPUT_FILES)) {
      return out;
    }
    for (JsonNode f : facts.get(INPUT_FILES)) {
      if (f.hasNonNull("path") && f.hasNonNull(SHA256)) {
        out.put(f.get("path").asText(), f.get(SHA256).asText());
      }
    }
    return out;
  }
}
