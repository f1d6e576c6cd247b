package dev.beamline.runner.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.ConfigException;
import dev.beamline.core.Storage;
import dev.beamline.core.YamlFiles;
import dev.beamline.ingest.InputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The file patterns a watch looks at, read from a pipeline file: the file itself, {@code ingest.input} (every span and
 * version it matches, not only those a run reads), and with a {@code feedback:} section the request-log
 * segments ({@code <request_log>/<model>/<version>/*.parquet}) and {@code feedback.labels.input}.
 * Relative paths are relative to the pipeline file's folder, as in the pipeline itself.
 *
 * <pre>{@code
 * WatchedInputs inputs = WatchedInputs.of(Path.of("pipeline.yaml"));
 * InputState now = inputs.scan();
 * }</pre>
 */
public record WatchedInputs(List<Watched> patterns) {
  /** One pattern and the role of its files. */
  public record Watched(String role, String pattern) {}

  public WatchedInputs {
    patterns = List.copyOf(patterns);
  }

  /**
   * The patterns of the pipeline file {@code file}.
   *
   * @throws ConfigException when the file cannot be read or names no input a watch can look at
   */
  public static WatchedInputs of(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read pipeline file " + file + ": " + e.getMessage(), e);
    }
    JsonNode root = YamlFiles.read(text, file.toString(), JsonNode.class).value();
    Path base = file.toAbsolutePath().normalize().getParent();
    List<Watched> patterns = new ArrayList<>();
    // The pipeline file itself: a changed configuration is a reason to run (unchanged stages come from the cache).
    patterns.add(new Watched("pipeline", file.toAbsolutePath().normalize().toString()));
    String input = root.path("ingest").path("input").asText(null);
    if (input != null) {
      patterns.add(new Watched("input", path(base, input)));
    }
    JsonNode feedback = root.path("feedback");
    String requestLog = feedback.path("request_log").asText(null);
    if (requestLog != null) {
      patterns.add(new Watched("request_log", Storage.resolve(path(base, requestLog), "*/*/*.parquet")));
    }
    String labels = feedback.path("labels").path("input").asText(null);
    if (labels != null) {
      patterns.add(new Watched("labels", path(base, labels)));
    }
    if (patterns.size() == 1) {
      throw new ConfigException(
          file + ": a watch needs 'ingest.input' or a 'feedback:' section with 'request_log' and 'labels.input' to look at");
    }
    return new WatchedInputs(patterns);
  }

  private static String path(Path base, String p) {
    return p.contains("://") ? p : base.resolve(p).normalize().toString();
  }

  /** Every file the patterns match now (none is no error: the input may not have arrived yet). */
  public InputState scan() {
    List<InputState.File> files = new ArrayList<>();
    for (Watched w : patterns) {
      String glob = w.pattern().replace("{SPAN}", "*").replace("{VERSION}", "*");
      Pattern regex = w.pattern().contains("{SPAN}") ? InputFiles.toRegex(w.pattern()) : null;
      for (MatchResult.Metadata m : match(glob)) {
        String path = m.resourceId().toString();
        Long span = null;
        Long version = null;
        if (regex != null) {
          Matcher matcher = regex.matcher(path);
          if (!matcher.matches()) {
            continue; // not a number where the pattern has {SPAN}: ingestion ignores it too
          }
          span = Long.parseLong(matcher.group("span"));
          version = w.pattern().contains("{VERSION}") ? Long.parseLong(matcher.group("version")) : null;
        }
        files.add(new InputState.File(w.role(), path, m.sizeBytes(), m.lastModifiedMillis(), span, version));
      }
    }
    return new InputState(files);
  }

  private static List<MatchResult.Metadata> match(String glob) {
    try {
      MatchResult result = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        return List.of();
      }
      return result.metadata().stream().filter(m -> !m.resourceId().isDirectory()).toList();
    } catch (IOException e) {
      throw new ConfigException("cannot list files matching '" + glob + "': " + e.getMessage(), e);
    }
  }
}
