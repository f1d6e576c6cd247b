package dev.beamline.runner.subject;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ConfigException;
import dev.beamline.ingest.InputFiles;
import java.util.regex.Matcher;

/**
 * Where an input file of an ingestion pattern with {@code {SPAN}} and {@code {VERSION}} lies, and where
 * the same file lies in another version of its span: the version's digits replaced, as wide as before
 * ({@code v09} becomes {@code v10}, {@code v007} becomes {@code v008}).
 *
 * <pre>{@code
 * DatasetVersion v = DatasetVersion.of("/data/{SPAN}/v{VERSION}/*.csv", "/data/3/v1/a.csv");
 * v.span();           // 3
 * v.pathIn(2);        // /data/3/v2/a.csv
 * v.folderIn(2);      // /data/3/v2  (null when {VERSION} is in the file's name)
 * }</pre>
 */
public record DatasetVersion(String pattern, String path, long span, long version, int start, int end) {
  /**
   * The span and version of {@code path}, a file that {@code pattern} matches.
   *
   * @throws ConfigException when the pattern has no {@code {VERSION}} or does not match the path
   */
  public static DatasetVersion of(String pattern, String path) {
    if (!pattern.contains("{VERSION}") || !pattern.contains("{SPAN}")) {
      throw new ConfigException("the input pattern '" + pattern + "' has no {VERSION} (and {SPAN}): a new version of "
          + path + " without the subject's rows has nowhere to go; give the pattern {SPAN} and {VERSION}, or use --in-place");
    }
    Matcher m = InputFiles.toRegex(pattern).matcher(path);
    if (!m.matches()) {
      throw new ConfigException(path + " does not match its ingestion's input pattern '" + pattern + "'");
    }
    return new DatasetVersion(pattern, path, Long.parseLong(m.group("span")), Long.parseLong(m.group("version")),
        m.start("version"), m.end("version"));
  }

  /** The path of this file in version {@code v} of its span. */
  public String pathIn(long v) {
    checkArgument(v >= 0, "version must be >= 0, got %s", v);
    String digits = Long.toString(v);
    int width = end - start;
    if (digits.length() < width) {
      digits = "0".repeat(width - digits.length()) + digits;
    }
    return path.substring(0, start) + digits + path.substring(end);
  }

  /**
   * The folder that holds version {@code v} of the span: the path up to the end of the path component
   * with the version's digits; null when that component is the file's own name.
   */
  public String folderIn(long v) {
    int slash = path.indexOf('/', end);
    if (slash < 0) {
      return null;
    }
    String moved = pathIn(v);
    return moved.substring(0, slash + moved.length() - path.length());
  }
}
