package dev.beamline.transform;

import dev.beamline.core.Storage;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A vocabulary as a text file: one line per token in id order, {@code token<TAB>count}. A backslash,
 * tab, line feed or carriage return in a token is written {@code \\}, {@code \t}, {@code \n} or {@code
 * \r}, so any token survives and every line is one token.
 *
 * <pre>{@code
 * VocabularyFile.write(Storage.resolve(dir, "vocabularies/island.tsv"), List.of("biscoe", "dream"), new long[] {3, 2});
 * VocabularyFile.Content v = VocabularyFile.read(Storage.resolve(dir, "vocabularies/island.tsv"));
 * }</pre>
 */
final class VocabularyFile {
  /** The tokens in id order and their training counts. */
  record Content(List<String> tokens, long[] counts) {}

  private VocabularyFile() {}

  /** Writes the file {@code file} (a path or URI, through {@link Storage}). */
  static void write(String file, List<String> tokens, long[] counts) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < tokens.size(); i++) {
      escape(tokens.get(i), s);
      s.append('\t').append(counts[i]).append('\n');
    }
    Storage.writeString(file, s.toString());
  }

  static void write(java.nio.file.Path file, List<String> tokens, long[] counts) {
    write(file.toString(), tokens, counts);
  }

  static Content read(java.nio.file.Path file) {
    return read(file.toString());
  }

  /** Reads the file {@code file} (a path or URI, through {@link Storage}). */
  static Content read(String file) {
    String text;
    try {
      text = Storage.readString(file);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException("cannot read vocabulary " + file + ": " + e.getCause().getMessage(), e.getCause());
    }
    List<String> tokens = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    int line = 0;
    for (int start = 0; start < text.length(); ) {
      line++;
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      String row = text.substring(start, end);
      int tab = row.lastIndexOf('\t');
      if (tab < 0) {
        throw new IllegalArgumentException(file + ":" + line + ": expected token<TAB>count, got '" + row + "'");
      }
      try {
        tokens.add(unescape(row.substring(0, tab)));
        counts.add(Long.parseLong(row.substring(tab + 1)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ":" + line + ": " + e.getMessage(), e);
      }
      start = end + 1;
    }
    return new Content(tokens, counts.stream().mapToLong(Long::longValue).toArray());
  }

  static void escape(String token, StringBuilder out) {
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
  }

  static String unescape(String escaped) {
    StringBuilder out = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char next = i + 1 < escaped.length() ? escaped.charAt(++i) : ' ';
      switch (next) {
        case '\\' -> out.append('\\');
        case 't' -> out.append('\t');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        default -> throw new IllegalArgumentException("bad escape in token '" + escaped + "' (use \\\\, \\t, \\n or \\r)");
      }
    }
    return out.toString();
  }
}
