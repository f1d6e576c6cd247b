package dev.beamline.ingest;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The input files of one ingestion, resolved from a file pattern with optional {@code {SPAN}} and
 * {@code {VERSION}} placeholders, as in TFX's ExampleGen.
 *
 * <p>A pattern such as {@code data/span-{SPAN}/v{VERSION}/*.csv} matches every span and version; by
 * default the newest span is taken, and within every taken span its newest version. {@link
 * SpanSelection#range(long, long)} takes a range of spans instead. Globs follow Beam's file systems:
 * {@code *} within one folder, {@code **} across folders.
 *
 * <pre>{@code
 * InputFiles in = InputFiles.resolve("data/span-{SPAN}/*.csv", SpanSelection.latest());
 * in.files();   // the files of the newest span
 * in.spans();   // e.g. {3=null}: span 3, no version
 * }</pre>
 */
public final class InputFiles implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Which spans to read: the newest (default), an inclusive range, or every span from one on ({@code to} null). */
  public record SpanSelection(Long from, Long to) implements Serializable {
    public static SpanSelection latest() {
      return new SpanSelection(null, null);
    }

    public static SpanSelection range(long from, long to) {
      checkArgument(from <= to, "span range [%s, %s] is empty: from must not exceed to", from, to);
      return new SpanSelection(from, to);
    }

    /** Every span from {@code from} through the newest, which grows as spans are added. */
    public static SpanSelection from(long from) {
      return new SpanSelection(from, null);
    }

    public boolean isLatest() {
      return from == null;
    }
  }

  /** One matched file with its size. */
  public record InputFile(String path, long bytes) implements Serializable {}

  private final String pattern;
  private final ImmutableList<InputFile> files;
  // Not an ImmutableSortedMap: a span read from a pattern without {VERSION} has a null version.
  private final SortedMap<Long, Long> spans;

  private InputFiles(String pattern, List<InputFile> files, Map<Long, Long> spans) {
    this.pattern = pattern;
    this.files = ImmutableList.copyOf(files);
    this.spans = Collections.unmodifiableSortedMap(new TreeMap<>(spans));
  }

  /** The pattern as given. */
  public String pattern() {
    return pattern;
  }

  /** The files to read, sorted by path. */
  public ImmutableList<InputFile> files() {
    return files;
  }

  /**
   * The spans read, each with the version read (null when the pattern has no {@code {VERSION}}). Empty
   * when the pattern has no {@code {SPAN}}.
   */
  public SortedMap<Long, Long> spans() {
    return spans;
  }

  /**
   * No file yet for {@code pattern}: for a reader that waits for files to arrive (labels, a request log)
   * rather than failing.
   */
  public static InputFiles none(String pattern) {
    return new InputFiles(absolute(pattern), List.of(), Map.of());
  }

  /**
   * Resolves {@code pattern} (a path or glob, possibly with {@code {SPAN}} and {@code {VERSION}}).
   *
   * @throws ConfigException when nothing matches, naming the pattern (and the spans found when a range
   *     selects none)
   */
  public static InputFiles resolve(String pattern, SpanSelection selection) {
    pattern = absolute(pattern);
    boolean hasSpan = pattern.contains("{SPAN}");
    boolean hasVersion = pattern.contains("{VERSION}");
    if (hasVersion && !hasSpan) {
      throw new ConfigException("input pattern '" + pattern + "' has {VERSION} but no {SPAN}");
    }
    if (!hasSpan && !selection.isLatest()) {
      throw new ConfigException("a span range is given but input pattern '" + pattern + "' has no {SPAN}");
    }
    String glob = pattern.replace("{SPAN}", "*").replace("{VERSION}", "*");
    List<MatchResult.Metadata> matched = match(glob);
    if (matched.isEmpty()) {
      throw new ConfigException(
          "input file not found: nothing matches '" + pattern + "'" + (pattern.equals(glob) ? "" : " (as '" + glob + "')"));
    }
    if (!hasSpan) {
      List<InputFile> files = new ArrayList<>();
      for (MatchResult.Metadata m : matched) {
        files.add(new InputFile(m.resourceId().toString(), m.sizeBytes()));
      }
      files.sort(Comparator.comparing(InputFile::path));
      return new InputFiles(pattern, files, Map.of());
    }

    Pattern regex = toRegex(pattern);
    // span -> version -> files
    TreeMap<Long, TreeMap<Long, List<InputFile>>> bySpan = new TreeMap<>();
    for (MatchResult.Metadata m : matched) {
      String path = m.resourceId().toString();
      Matcher matcher = regex.matcher(path);
      if (!matcher.matches()) {
        continue;
      }
      long span = Long.parseLong(matcher.group("span"));
      long version = hasVersion ? Long.parseLong(matcher.group("version")) : -1;
      bySpan
          .computeIfAbsent(span, s -> new TreeMap<>())
          .computeIfAbsent(version, v -> new ArrayList<>())
          .add(new InputFile(path, m.sizeBytes()));
    }
    if (bySpan.isEmpty()) {
      throw new ConfigException(
          "input file not found: files match '" + glob + "' but none has a number where '" + pattern + "' has {SPAN}");
    }
    Map<Long, TreeMap<Long, List<InputFile>>> selected =
        selection.isLatest()
            ? Map.of(bySpan.lastKey(), bySpan.lastEntry().getValue())
            : selection.to() == null ? bySpan.tailMap(selection.from(), true) : bySpan.subMap(selection.from(), true, selection.to(), true);
    if (selected.isEmpty()) {
      throw new ConfigException(
          "no span in [" + selection.from() + ", " + (selection.to() == null ? "latest" : selection.to()) + "] matches '" + pattern + "'; spans found: " + bySpan.keySet());
    }
    List<InputFile> files = new ArrayList<>();
    Map<Long, Long> spans = new TreeMap<>();
    for (Map.Entry<Long, TreeMap<Long, List<InputFile>>> e : selected.entrySet()) {
      Map.Entry<Long, List<InputFile>> newest = e.getValue().lastEntry();
      files.addAll(newest.getValue());
      spans.put(e.getKey(), hasVersion ? newest.getKey() : null);
    }
    files.sort(Comparator.comparing(InputFile::path));
    return new InputFiles(pattern, files, spans);
  }

  /** Local paths made absolute, so that they compare with the paths that matching returns. */
  private static String absolute(String pattern) {
    if (pattern.contains("://")) {
      return pattern;
    }
    return Paths.get(pattern).toAbsolutePath().normalize().toString();
  }

  private static List<MatchResult.Metadata> match(String glob) {
    try {
      MatchResult result = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        return List.of();
      }
      List<MatchResult.Metadata> out = new ArrayList<>();
      for (MatchResult.Metadata m : result.metadata()) {
        if (!m.resourceId().isDirectory()) {
          out.add(m);
        }
      }
      return out;
    } catch (IOException e) {
      throw new ConfigException("cannot list input files matching '" + glob + "': " + e.getMessage(), e);
    }
  }

  /** A regular expression matching whole paths against {@code pattern}, capturing span and version. */
  public static Pattern toRegex(String pattern) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      if (pattern.startsWith("{SPAN}", i)) {
        re.append("(?<span>\\d+)");
        i += 6;
      } else if (pattern.startsWith("{VERSION}", i)) {
        re.append("(?<version>\\d+)");
        i += 9;
      } else if (pattern.startsWith("**", i)) {
        re.append(".*");
        i += 2;
      } else {
        char c = pattern.charAt(i++);
        if (c == '*') {
          re.append("[^/]*");
        } else if (c == '?') {
          re.append("[^/]");
        } else {
          re.append(Pattern.quote(String.valueOf(c)));
        }
      }
    }
    return Pattern.compile("^" + re + "$");
  }
}
