package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CsvReaderTest {
  private static final CsvFormat CSV = CsvFormat.defaults();

  /** A record as plain values, since {@link CsvReader.Record} holds arrays; its bytes in hex. */
  private record Row(
      long line, List<String> fields, List<Boolean> quoted, String error, long rows, int invalidField, String bytes,
      boolean truncated) {
    static Row of(long line, String... fields) {
      List<Boolean> quoted = new ArrayList<>();
      for (int i = 0; i < fields.length; i++) {
        quoted.add(false);
      }
      return new Row(line, List.of(fields), quoted, null, 1, -1, null, false);
    }

    Row quoted(Boolean... flags) {
      return new Row(line, fields, List.of(flags), error, rows, invalidField, bytes, truncated);
    }

    Row error(String message) {
      return new Row(line, fields, quoted, message, rows, invalidField, bytes, truncated);
    }

    Row rows(long n) {
      return new Row(line, fields, quoted, error, n, invalidField, bytes, truncated);
    }

    Row invalid(int field, String hex) {
      return new Row(line, fields, quoted, error, rows, field, hex, truncated);
    }

    Row cut() {
      return new Row(line, fields, quoted, error, rows, invalidField, bytes, true);
    }
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? null : com.google.common.io.BaseEncoding.base16().lowerCase().encode(bytes);
  }

  private static List<Row> parse(InputStream in, CsvFormat format) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (CsvReader csv = new CsvReader(in, format)) {
      for (CsvReader.Record r = csv.next(); r != null; r = csv.next()) {
        List<Boolean> quoted = new ArrayList<>();
        for (boolean q : r.quoted()) {
          quoted.add(q);
        }
        assertThat(quoted).hasSize(r.size());
        rows.add(
            new Row(r.line(), r.fields(), quoted, r.error(), r.rows(), r.invalidField(), hex(r.bytes()), r.truncated()));
      }
      assertThat(csv.next()).isNull();
    }
    return rows;
  }

  private static List<Row> parse(String text, CsvFormat format) throws IOException {
    return parse(text.getBytes(StandardCharsets.UTF_8), format);
  }

  private static List<Row> parse(byte[] bytes, CsvFormat format) throws IOException {
    List<Row> whole = parse(new ByteArrayInputStream(bytes), format);
    // Read one byte at a time, every look-ahead crosses the end of the buffer.
    assertThat(parse(new OneByteInputStream(bytes), format)).isEqualTo(whole);
    return whole;
  }

  private static List<Row> parse(String text) throws IOException {
    return parse(text, CSV);
  }

  /** A stream that hands out at most one byte per call. */
  private static final class OneByteInputStream extends InputStream {
    private final byte[] bytes;
    private int pos;

    OneByteInputStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return pos == bytes.length ? -1 : bytes[pos++] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos == bytes.length) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      b[off] = bytes[pos++];
      return 1;
    }
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
  void unterminatedQuoteTakesTheRestOfTheInputAsAnErrorCountingItsLines() throws IOException {
    assertThat(parse("a,b\n1,\"open\n2,3\n"))
        .containsExactly(
            Row.of(1, "a", "b"),
            Row.of(2, "1", "open\n2,3\n")
                .quoted(false, true)
                .error("quoted field starting on line 2 is never closed: the record takes the rest of the input,"
                    + " 2 lines (counted as 2 rejected rows)")
                .rows(2));
    // Without a final line break, and with blank lines in it: every physical line counts.
    assertThat(parse("a\n\"x\n\n\r\ny"))
        .containsExactly(
            Row.of(1, "a"),
            Row.of(2, "x\n\n\r\ny")
                .quoted(true)
                .error("quoted field starting on line 2 is never closed: the record takes the rest of the input,"
                    + " 4 lines (counted as 4 rejected rows)")
                .rows(4));
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

    assertThat(parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), CSV))
        .containsExactly(Row.of(1, big + "\"\n", "1").quoted(true, false), Row.of(3, big, "2"));
  }

  @Test
  void writesRecordsBackAsCsv() throws IOException {
    List<CsvReader.Record> records = new ArrayList<>();
    String text = "1,\"hello, world\",\"she said \"\"hi\"\"\",\"\",,\"multi\nline\",plain\n";
    try (CsvReader csv = new CsvReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), CSV)) {
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
        new Row(1, r.fields(), List.of(false, true, true, true, false, true, false), null, 1, -1, null, false));
  }

  private static CsvFormat limit(int bytes) {
    return CSV.withMaxRecordBytes(bytes);
  }

  @Test
  void aRecordLongerThanTheLimitIsCutAndReadingResumesOnTheNextLine() throws IOException {
    assertThat(parse("a,b\n1,xxxxxxxxxxxxxxxxxxxxxxxxx\n2,ok\n", limit(16)))
        .containsExactly(
            Row.of(1, "a", "b"),
            Row.of(2, "1,xxxxxxxxxxxxxx")
                .error("record starting on line 2 is longer than ingest.csv.max_record_bytes (16 bytes):"
                    + " skipped to the end of line 2, 1 line lost (counted as 1 rejected row);"
                    + " content holds its first 16 bytes")
                .cut(),
            Row.of(3, "2", "ok"));
    // A record of exactly the limit is whole.
    assertThat(parse("1,xxxxxxxxxxxxxx\n", limit(16))).containsExactly(Row.of(1, "1", "xxxxxxxxxxxxxx"));
  }

  @Test
  void aQuoteNotClosedWithinTheLimitLosesTheLinesUpToTheNextLineBreak() throws IOException {
    String text = "a,b\n1,\"open\nline3\nline4 is long\n\nline6\n2,ok\n";

    assertThat(parse(text, limit(16)))
        .containsExactly(
            Row.of(1, "a", "b"),
            Row.of(2, "1,\"open\nline3\nli")
                .error("quoted field starting on line 2 is not closed within ingest.csv.max_record_bytes (16 bytes):"
                    + " skipped to the end of line 4, 3 lines lost (counted as 3 rejected rows);"
                    + " content holds its first 16 bytes")
                .rows(3)
                .cut(),
            Row.of(6, "line6"),
            Row.of(7, "2", "ok"));
    // The same with \r and \r\n line breaks.
    assertThat(parse(text.replace("\n", "\r"), limit(16)))
        .extracting(Row::line, Row::rows)
        .containsExactly(tuple(1L, 1L), tuple(2L, 3L), tuple(6L, 1L), tuple(7L, 1L));
    assertThat(parse(text.replace("\n", "\r\n"), limit(16)))
        .extracting(Row::line, Row::rows)
        .containsExactly(tuple(1L, 1L), tuple(2L, 3L), tuple(6L, 1L), tuple(7L, 1L));
  }

  @Test
  void aLineBreakJustPastTheLimitEndsTheSkippedRecord() throws IOException {
    // Eight bytes fit; the ninth, inside quotes, is the line break where reading resumes.
    assertThat(parse("\"abcdefg\nnext\n", limit(8)))
        .containsExactly(
            Row.of(1, "\"abcdefg")
                .error("quoted field starting on line 1 is not closed within ingest.csv.max_record_bytes (8 bytes):"
                    + " skipped to the end of line 1, 1 line lost (counted as 1 rejected row);"
                    + " content holds its first 8 bytes")
                .cut(),
            Row.of(2, "next"));
    assertThat(parse("\"abcdefg\r\nnext", limit(8))).extracting(Row::line).containsExactly(1L, 2L);
  }

  @Test
  void aRecordCutAtTheEndOfTheInputCountsItsLastLine() throws IOException {
    assertThat(parse("ok\n\"abc\ndefghijkl", limit(8)))
        .containsExactly(
            Row.of(1, "ok"),
            Row.of(2, "\"abc\ndef")
                .error("quoted field starting on line 2 is not closed within ingest.csv.max_record_bytes (8 bytes):"
                    + " skipped to the end of line 3, 2 lines lost (counted as 2 rejected rows);"
                    + " content holds its first 8 bytes")
                .rows(2)
                .cut());
  }

  @Test
  void theLimitCountsBytesAndThePreviewEndsOnACharacter() throws IOException {
    // Five bytes fit: "é" twice (two bytes each) and the first byte of the third.
    assertThat(parse("\u00e9\u00e9\u00e9\nok", limit(5)))
        .containsExactly(
            Row.of(1, "\u00e9\u00e9")
                .error("record starting on line 1 is longer than ingest.csv.max_record_bytes (5 bytes):"
                    + " skipped to the end of line 1, 1 line lost (counted as 1 rejected row);"
                    + " content holds its first 4 bytes")
                .cut(),
            Row.of(2, "ok"));
  }

  @Test
  void thePreviewOfALongRecordIsItsFirstKibibyte() throws IOException {
    String big = "y".repeat(3000);
    List<Row> rows = parse("h\n" + big + "\nlast\n", limit(2048));

    assertThat(rows).hasSize(3);
    assertThat(rows.get(1).fields()).containsExactly(big.substring(0, CsvReader.PREVIEW_BYTES));
    assertThat(rows.get(1).error()).endsWith("content holds its first 1024 bytes");
    assertThat(rows.get(2)).isEqualTo(Row.of(3, "last"));
  }

  @Test
  void keepsTheBytesOfARecordThatIsNotValidUtf8AndNamesItsField() throws IOException {
    byte[] bytes = {'a', ',', 'b', '\n', 'x', ',', 'y', (byte) 0xC3, '(', '\r', '\n', 'o', 'k', ',', '1'};

    assertThat(parse(bytes, CSV))
        .containsExactly(
            Row.of(1, "a", "b"), Row.of(2, "x", "y\uFFFD(").invalid(1, "782c79c328"), Row.of(3, "ok", "1"));
    // U+FFFD written as valid UTF-8 is a character like any other.
    assertThat(parse("\uFFFD\n")).containsExactly(Row.of(1, "\uFFFD"));
  }

  @Test
  void decodesUtf8AsJavasDecoderDoesReplacingEachInvalidSequence() throws IOException {
    Random random = new Random(42);
    byte[] interesting = {
      (byte) 0x80, (byte) 0xBF, (byte) 0xC0, (byte) 0xC1, (byte) 0xC2, (byte) 0xDF, (byte) 0xE0, (byte) 0xA0,
      (byte) 0xED, (byte) 0x9F, (byte) 0xEF, (byte) 0xF0, (byte) 0x90, (byte) 0xF4, (byte) 0x8F, (byte) 0xF8,
      (byte) 0xFF, 'x', (byte) 0xC3, (byte) 0xA9
    };
    for (int trial = 0; trial < 2000; trial++) {
      byte[] bytes = new byte[1 + random.nextInt(12)];
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = interesting[random.nextInt(interesting.length)];
      }
      String expected = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
      boolean valid = CsvReader.isValidUtf8(bytes, bytes.length);

      List<Row> rows = parse(bytes, CSV);

      assertThat(rows).as("bytes %s", hex(bytes)).hasSize(1);
      assertThat(rows.get(0).fields()).as("bytes %s", hex(bytes)).containsExactly(expected);
      assertThat(rows.get(0).invalidField()).as("bytes %s", hex(bytes)).isEqualTo(valid ? -1 : 0);
      assertThat(rows.get(0).bytes()).isEqualTo(valid ? null : hex(bytes));
    }
    // The one difference (Java's decoder gives one U+FFFD here, for the whole end of its input).
    assertThat(parse(new byte[] {(byte) 0xF5, (byte) 0x80}, CSV).get(0).fields()).containsExactly("\uFFFD\uFFFD");
    assertThat(parse(new byte[] {(byte) 0xF5, (byte) 0x80, 'x'}, CSV).get(0).fields())
        .containsExactly(new String(new byte[] {(byte) 0xF5, (byte) 0x80, 'x'}, StandardCharsets.UTF_8));
  }

  @Test
  void readsSupplementaryCharactersAndNonAsciiDelimitersAndQuotes() throws IOException {
    CsvFormat format = CSV.withDelimiter('\u00a6').withQuote('\u00ab');

    assertThat(parse("\u00abx\u00a6\u00ab\u00aby\u00ab\u00a6\ud83d\ude00z\n", format))
        .containsExactly(Row.of(1, "x\u00a6\u00aby", "\ud83d\ude00z").quoted(true, false));
  }
}
