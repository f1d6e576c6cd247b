package dev.beamline.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides credentials wherever Beamline records or prints what it was given: the user-info of a URL
 * ({@code postgresql://user:secret@host} keeps the user), parameters and options named like a secret
 * ({@code password=}, {@code token=}, {@code --awsSecretKey=}, {@code api_key: ...} in a YAML file). What
 * is recorded in artifacts, provenance, models and logs passes through here, so that no secret leaves
 * the configuration it was written in.
 *
 * <pre>{@code
 * Secrets.redact("jdbc:postgresql://db/mlmd?user=b&password=s")  // ...?user=b&password=***
 * }</pre>
 */
public final class Secrets {
  /** What replaces a secret. */
  public static final String MASK = "***";

  /** A name that holds a secret: password, passwd, pwd, secret, token, credential(s), api/access/private key. */
  private static final String SECRET_NAME =
      "(?:[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|credentials?|api[_-]?key|access[_-]?key|private[_-]?key|sas)[A-Za-z0-9_.-]*)";

  /** {@code name=value} in a URL query, an option or free text; the value runs to '&', ';', a space or a quote. */
  private static final Pattern ASSIGNMENT =
      Pattern.compile("(?i)(\\b" + SECRET_NAME + "\\s*=\\s*)([^&;\\s\"',}\\]]+)");

  /** {@code name: value} in YAML or JSON ({@code "name": "value"}). */
  private static final Pattern YAML_VALUE =
      Pattern.compile(
          "(?im)^([ \\t]*-?[ \\t]*[\"']?" + SECRET_NAME + "[\"']?[ \\t]*:[ \\t]*)(?![ \\t]*(?:#.*)?$)([\"']?)([^\"'\\n#]*?)([\"']?)([ \\t]*(?:#.*)?)$");

  /** {@code "name": "value"} inside one line of JSON. */
  private static final Pattern JSON_VALUE = Pattern.compile("(?i)(\"" + SECRET_NAME + "\"\\s*:\\s*\")([^\"]*)(\")");

  /** The user-info of a URL: {@code scheme://user:password@}. */
  private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://[^/@:\\s]+:)([^/@\\s]+)(@)");

  private Secrets() {}

  /** {@code text} (a URL, an option, a YAML or JSON document, a log line) with every secret it holds masked. */
  public static String redact(String text) {
    if (text == null) {
      return null;
    }
    String t = USER_INFO.matcher(text).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "$3");
    t = JSON_VALUE.matcher(t).replaceAll("$1" + Matcher.quoteReplacement(MASK) + "$3");
    t = YAML_VALUE.matcher(t).replaceAll("$1$2" + Matcher.quoteReplacement(MASK) + "$4$5");
    return ASSIGNMENT.matcher(t).replaceAll("$1" + Matcher.quoteReplacement(MASK));
  }

  /**
   * A command-line option ({@code --name=value}) as it may be recorded: the whole value masked when the
   * name is a secret's, else the value with the secrets it holds masked.
   */
  public static String redactOption(String option) {
    Matcher m = Pattern.compile("(?i)^(--?" + SECRET_NAME + "=)(.*)$").matcher(option);
    return m.matches() ? m.group(1) + MASK : redact(option);
  }
}
