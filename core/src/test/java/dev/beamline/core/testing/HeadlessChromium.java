package dev.beamline.core.testing;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Headless Chromium in a child process, for tests of pages a person reads (HTML reports): a screenshot
 * to look at, and scripts run in the rendered page to measure its real layout (text boxes that overlap,
 * text wider than its chart). The browser is {@code -Dbeamline.chromium} when set, else {@code
 * /usr/bin/chromium}, else {@code chromium} or {@code chromium-browser} on the {@code PATH} (CI's
 * {@code .ci/run} installs Debian's {@code chromium}); tests skip without one:
 *
 * <pre>{@code
 * assumeTrue(HeadlessChromium.available(), "chromium is not installed");
 * HeadlessChromium.screenshot(report, Path.of("target/report.png"), 1280, 2000);
 * JsonNode widths = HeadlessChromium.evaluateJson(report,
 *     "return [...document.querySelectorAll('svg text')].map(t => t.getBoundingClientRect().width);");
 * }</pre>
 *
 * <p>Each call starts its own browser with its own temporary profile, so tests may run in parallel.
 */
public final class HeadlessChromium {
  private static final long TIMEOUT_SECONDS = 90;
  /** How long (in virtual time, which Chromium runs fast when idle) the page may take to settle. */
  private static final int VIRTUAL_TIME_BUDGET_MS = 5000;
  private static final String RESULT_ID = "__result";
  private static final Pattern RESULT = Pattern.compile("<pre id=\"" + RESULT_ID + "\">([^<]*)</pre>");
  private static final String ERROR_PREFIX = "__error:";

  private HeadlessChromium() {}

  /** Whether a Chromium to run is installed here. */
  public static boolean available() {
    return executable() != null;
  }

  /**
   * Renders {@code html} in a {@code width} × {@code height} window and writes what it shows to {@code png}
   * (the top of the page; make the window as tall as the part to see).
   *
   * @return {@code png}
   */
  public static Path screenshot(Path html, Path png, int width, int height) {
    Path target = png.toAbsolutePath();
    try {
      Files.createDirectories(target.getParent());
      Files.deleteIfExists(target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    run(List.of("--window-size=" + width + "," + height, "--screenshot=" + target, html.toAbsolutePath().toUri().toString()));
    if (!Files.isRegularFile(target)) {
      fail("chromium wrote no screenshot of %s to %s", html, target);
    }
    return png;
  }

  /**
   * Renders {@code html} (in a 1280 × 1024 window), runs {@code functionBody} as the body of an async
   * function once the page has loaded, and returns what it returns: a string as it is, anything else as
   * its JSON ({@code JSON.stringify}). An exception in the script fails the test with its stack.
   */
  public static String evaluate(Path html, String functionBody) {
    String page;
    try {
      page = Files.readString(html, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // The result goes into the page itself, where --dump-dom can read it back: percent-encoded, so that
    // no character of it is escaped or mistaken for markup on the way.
    String script = "\n<script>\nwindow.addEventListener('load', async () => {\n"
        + "  let out;\n"
        + "  try {\n"
        + "    const r = await (async () => {\n" + functionBody + "\n})();\n"
        + "    out = typeof r === 'string' ? r : JSON.stringify(r);\n"
        + "  } catch (e) {\n"
        + "    out = '" + ERROR_PREFIX + "' + (e && e.stack ? e.stack : String(e));\n"
        + "  }\n"
        + "  const pre = document.createElement('pre');\n"
        + "  pre.id = '" + RESULT_ID + "';\n"
        + "  pre.textContent = encodeURIComponent(out === undefined ? 'undefined' : out);\n"
        + "  document.body.appendChild(pre);\n"
        + "});\n</script>\n";
    // The copy sits beside the page, so that links relative to it still resolve.
    Path dir = html.toAbsolutePath().getParent();
    Path copy = null;
    try {
      copy = Files.createTempFile(dir, html.getFileName() + ".evaluate-", ".html");
      Files.writeString(copy, page + script, StandardCharsets.UTF_8);
      String dom = run(List.of("--window-size=1280,1024", "--dump-dom", copy.toUri().toString()));
      Matcher m = RESULT.matcher(dom);
      if (!m.find()) {
        return fail("the script left no result in %s (did the page load?); its DOM ends with:%n%s", html, tail(dom, 2000));
      }
      String result = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      if (result.startsWith(ERROR_PREFIX)) {
        return fail("the script threw in %s: %s", html, result.substring(ERROR_PREFIX.length()));
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deleteQuietly(copy);
    }
  }

  /** {@link #evaluate}, its result read as JSON. */
  public static JsonNode evaluateJson(Path html, String functionBody) {
    String json = evaluate(html, functionBody);
    try {
      return new ObjectMapper().readTree(json);
    } catch (IOException e) {
      return fail("the script's result is not JSON: %s", tail(json, 2000));
    }
  }

  /** Runs Chromium with {@code arguments}; returns what it printed on stdout, fails on an error or a timeout. */
  private static String run(List<String> arguments) {
    String chromium = executable();
    if (chromium == null) {
      return fail("this test renders a page in headless Chromium, which is not installed here (apt-get install chromium, as"
          + " .ci/run does, or set -Dbeamline.chromium)");
    }
    Path work = null;
    try {
      work = Files.createTempDirectory("beamline-chromium");
      Path out = work.resolve("stdout");
      Path err = work.resolve("stderr");
      List<String> command = new ArrayList<>(List.of(
          chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--disable-extensions", "--user-data-dir=" + work.resolve("profile"), "--virtual-time-budget=" + VIRTUAL_TIME_BUDGET_MS));
      command.addAll(arguments);
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          destroyTree(p);
          fail("chromium did not finish in %s s (%s); its stderr:%n%s", TIMEOUT_SECONDS, arguments, stderr(err));
        }
      } finally {
        destroyTree(p);
      }
      if (p.exitValue() != 0) {
        fail("chromium exited with %s (%s); its stderr:%n%s", p.exitValue(), arguments, stderr(err));
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while chromium ran", e);
    } finally {
      deleteQuietly(work);
    }
  }

  private static String executable() {
    String configured = System.getProperty("beamline.chromium");
    if (configured != null) {
      return new File(configured).canExecute() ? configured : null;
    }
    if (new File("/usr/bin/chromium").canExecute()) {
      return "/usr/bin/chromium";
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  /** Chromium's stderr without the D-Bus complaints it prints in every container, which only hide the cause. */
  private static String stderr(Path err) throws IOException {
    String text = new String(Files.readAllBytes(err), StandardCharsets.UTF_8).lines()
        .filter(l -> !l.contains(":ERROR:dbus/"))
        .collect(Collectors.joining(System.lineSeparator()));
    return tail(text, 4000);
  }

  private static String tail(String s, int max) {
    return s.length() <= max ? s : "…" + s.substring(s.length() - max);
  }

  /** Chromium starts helper processes (renderer, GPU); a timeout must not leave them behind. */
  private static void destroyTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static void deleteQuietly(Path path) {
    if (path == null || !Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary file does not change any test's result.
    }
  }
}
