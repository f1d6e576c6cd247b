package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
  private static final CsvFormat CSV = CsvFormat.defaults();

  /** A record as plain values, since {@link CsvReader.Record} holds an array. */
  private record Row(long line, List<String> fields, List<Boolean> quoted, String error) {
    static Row of(long line, String... fields) {
      List<Boolean> quoted = new ArrayList<>();
      for (int i = 0; i < fields.length; i++) {
        quoted.add(false);
      }
      return new Row(line, List.of(fields), quoted, null);
    }

    Row quoted(Boolean... flags) {
      return new Row(line, fields, List.of(flags), error);
    }

    Row error(String message) {
      return new Row(line, fields, quoted, message);
    }
  }

  private static List<Row> parse(Reader in, CsvFormat format) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (CsvReader csv = new CsvReader(in, format)) {
      for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) {
        List<Boolean> quoted = new ArrayList<>();
        for (boolean q : r.quoted()) {
          quoted.add(q);
        }
        assertThat(quoted).hasSize(r.size());
        rows.add(new Row(r.line(), r.fields(), quoted, r.error()));
      }
      assertThat(csv.next()).isNull();
    }
    return rows;
  }

  private static List<Row> parse(String text, CsvFormat format) throws IOException {
    List<Row> whole = parse(new StringReader(text), format);
    // Read one character at a time, every look-ahead crosses the end of the buffer.
    assertThat(parse(new OneCharReader(text), format)).isEqualTo(whole);
    return whole;
  }

  private static List<Row> parse(String text) throws IOException {
    return parse(text, CSV);
  }

  /** A reader that hands out at most one character per call. */
  private static final class OneCharReader extends Reader {
    private final String text;
    private int pos;

    OneCharReader(String text) {
      this.text = text;
    }

    @Override
    public int read(char[] cbuf, int off, int len) {
      if (pos == text.length()) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      cbuf[off] = text.charAt(pos++);
      return 1;
    }

    @Override
    public void close() {}
  }

  @Test
  void readsPlainRecordsWithTheirLines() throws IOException {
    assertThat(parse("species,mass\nAdelie,3750\nGentoo,5000\n"))
        .containsExactly(Row.of(1, "species", "mass"), Row.of(2, "Adelie", "3750"), Row.of(3, "Gentoo", "5000"));
  }

  @Test
  void readsTheLastRecordWithoutALineBreak() throws IOException {
    assertThat(parse("a,b\n1,2")).containsExactly(Row.of(1, "a", "b"), Row.of(2, "1", "2"));
  }

  @Test
  void emptyInputHasNoRecord() throws IOException {
    assertThat(parse("")).isEmpty();
    assertThat(parse("\n\r\n\r")).isEmpty();
  }

  @Test
  void keepsEmptyFieldsIncludingATrailingOne() throws IOException {
    assertThat(parse("a,,c,\n,\n"))
        .containsExactly(Row.of(1, "a", "", "c", ""), Row.of(2, "", ""));
  }

  @Test
  void quotedFieldsHoldDelimitersLineBreaksAndDoubledQuotes() throws IOException {
    String text =
        "id,text\n"
            + "1,\"hello, world\"\n"
            + "2,\"line one\nline two\"\n"
            + "3,\"she said \"\"hi\"\"\"\n"
            + "4,after\n";

    assertThat(parse(text))
        .containsExactly(
            Row.of(1, "id", "text"),
            Row.of(2, "1", "hello, world").quoted(false, true),
            Row.of(3, "2", "line one\nline two").quoted(false, true),
            Row.of(5, "3", "she said \"hi\"").quoted(false, true),
            Row.of(6, "4", "after"));
  }

  @Test
  void countsLinesAfterAFieldSpanningSeveralLines() throws IOException {
    String text = "a,b\n\"x\n\ny\nz\",1\n\nnext,2\n\"\n\",3\nlast,4";

    assertThat(parse(text))
        .containsExactly(
            Row.of(1, "a", "b"),
            Row.of(2, "x\n\ny\nz", "1").quoted(true, false),
            Row.of(7, "next", "2"),
            Row.of(8, "\n", "3").quoted(true, false),
            Row.of(10, "last", "4"));
  }

  @Test
  void quotedFieldsMayBeEmptyOrOnlyAQuote() throws IOException {
    assertThat(parse("\"\",\"\"\"\",\"a\"\"\",\"\"\"\"\"\"\n"))
        .containsExactly(Row.of(1, "", "\"", "a\"", "\"\"").quoted(true, true, true, true));
  }

  @Test
  void flagsQuotedFieldsOnly() throws IOException {
    assertThat(parse("\"\",,\"x\",y,\"NA\",NA\n"))
        .containsExactly(Row.of(1, "", "", "x", "y", "NA", "NA").quoted(true, false, true, false, true, false));
  }

  @Test
  void handlesCrLfAndBareCrLineBreaks() throws IOException {
    assertThat(parse("a,b\r\n1,2\r\n\r\n3,4\r\n"))
        .containsExactly(Row.of(1, "a", "b"), Row.of(2, "1", "2"), Row.of(4, "3", "4"));
    assertThat(parse("a\rb\r\rc")).containsExactly(Row.of(1, "a"), Row.of(2, "b"), Row.of(4, "c"));
  }

  @Test
  void keepsCrLfInsideQuotesAndCountsItAsOneLine() throws IOException {
    assertThat(parse("x\r\n\"p\r\nq\",z\r\nlast\r\n"))
        .containsExactly(
            Row.of(1, "x"), Row.of(2, "p\r\nq", "z").quoted(true, false), Row.of(4, "last"));
    assertThat(parse("\"p\rq\",z\rlast"))
        .containsExactly(Row.of(1, "p\rq", "z").quoted(true, false), Row.of(3, "last"));
  }

  @Test
  void skipsBlankLinesAnywhere() throws IOException {
    assertThat(parse("\n\na,b\n\n\n1,2\n\n"))
        .containsExactly(Row.of(3, "a", "b"), Row.of(6, "1", "2"));
  }

  @Test
  void keepsALineOfSpacesAsARecord() throws IOException {
    assertThat(parse("a\n  \nb\n")).containsExactly(Row.of(1, "a"), Row.of(2, "  "), Row.of(3, "b"));
  }

  @Test
  void unterminatedQuoteTakesTheRestOfTheInputAsAnError() throws IOException {
    assertThat(parse("a,b\n1,\"open\n2,3\n"))
        .containsExactly(
            Row.of(1, "a", "b"),
            Row.of(2, "1", "open\n2,3\n")
                .quoted(false, true)
                .error("quoted field starting on line 2 is never closed"));
  }

  @Test
  void textAfterAClosingQuoteIsAnErrorButTheLineEndsTheRecord() throws IOException {
    assertThat(parse("\"ab\"c,d\nnext,1\n"))
        .containsExactly(
            Row.of(1, "abc", "d").quoted(true, false).error("unexpected character 'c' after a closing quote"),
            Row.of(2, "next", "1"));
  }

  @Test
  void aQuoteInsideAnUnquotedFieldIsLiteral() throws IOException {
    assertThat(parse("5'11\",ab\"c\n")).containsExactly(Row.of(1, "5'11\"", "ab\"c"));
  }

  @Test
  void readsTabSeparatedValues() throws IOException {
    CsvFormat tsv = CsvFormat.defaults().withDelimiter('\t');

    assertThat(parse("a\tb\n1,5\t\"x\ty\"\n", tsv))
        .containsExactly(Row.of(1, "a", "b"), Row.of(2, "1,5", "x\ty").quoted(false, true));
  }

  @Test
  void readsSemicolonSeparatedValues() throws IOException {
    CsvFormat ssv = CsvFormat.defaults().withDelimiter(';');

    assertThat(parse("name;mass\n\"Smith; J.\";3,75\n", ssv))
        .containsExactly(Row.of(1, "name", "mass"), Row.of(2, "Smith; J.", "3,75").quoted(true, false));
  }

  @Test
  void readsACustomQuoteCharacter() throws IOException {
    CsvFormat single = CsvFormat.defaults().withQuote('\'');

    assertThat(parse("'a,b','it''s',\"c\"\n", single))
        .containsExactly(Row.of(1, "a,b", "it's", "\"c\"").quoted(true, true, false));
  }

  @Test
  void readsFieldsLongerThanTheBuffer() throws IOException {
    String big = "x".repeat(70_000);
    String text = "\"" + big + "\"\"\n\",1\n" + big + ",2\n";

    assertThat(parse(new StringReader(text), CSV))
        .containsExactly(Row.of(1, big + "\"\n", "1").quoted(true, false), Row.of(3, big, "2"));
  }

  @Test
  void writesRecordsBackAsCsv() throws IOException {
    List<CsvReader.Record> records = new ArrayList<>();
    String text = "1,\"hello, world\",\"she said \"\"hi\"\"\",\"\",,\"multi\nline\",plain\n";
    try (CsvReader csv = new CsvReader(new StringReader(text), CSV)) {
      records.add(csv.next());
    }
    CsvReader.Record r = records.get(0);

    assertThat(r.toCsv(',', '"'))
        .isEqualTo("1,\"hello, world\",\"she said \"\"hi\"\"\",\"\",,\"multi\nline\",plain");
    // Written with another delimiter, fields holding it get quoted.
    assertThat(new CsvReader.Record(List.of("a;b", "c,d"), new boolean[] {false, false}, 1, null).toCsv(';', '"'))
        .isEqualTo("\"a;b\";c,d");
    assertThat(new CsvReader.Record(List.of("a\rb", "it's"), new boolean[] {false, false}, 1, null).toCsv(',', '\''))
        .isEqualTo("'a\rb','it''s'");
    // Parsing what was written gives the same record back.
    assertThat(parse(r.toCsv(',', '"'))).containsExactly(
        new Row(1, r.fields(), List.of(false, true, true, true, false, true, false), null));
  }
}
