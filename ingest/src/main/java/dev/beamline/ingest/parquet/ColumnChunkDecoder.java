package dev.beamline.ingest.parquet;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.DataCheckException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.VersionParser;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Decodes one column chunk (one column of one row group) in bulk, page by page, into {@link
 * DecodedValues}: repetition and definition levels, and values or dictionary ids. The one column
 * decoder of Beamline's readers of examples: training reads transformed shards with it, the local
 * statistics engine reads raw columns with it.
 *
 * <p>It decodes the encodings that most writers use: data pages of both versions; RLE levels; PLAIN
 * values of every type but {@code INT96} and {@code FIXED_LEN_BYTE_ARRAY}; PLAIN_DICTIONARY and
 * RLE_DICTIONARY values with a plain dictionary page; RLE booleans. Levels and dictionary ids are
 * unpacked a run at a time (the RLE / bit-packing hybrid), plain values copied from the page's bytes in
 * bulk, a dictionary decoded once per chunk. From the first page it does not decode on (a delta
 * encoding, say), parquet-mr's column reader reads the rest of the chunk one value at a time, into the
 * same {@link DecodedValues}; the caller sees no difference but the speed.
 *
 * <p>Any column can be read, at any nesting depth. {@link #readRows} reads whole rows, so that a list
 * is never cut between two reads: for a column that is not repeated an entry is a row; for a repeated
 * one (a list, as parquet-avro writes arrays with either list structure) a row is an entry at
 * repetition level 0 and the entries above 0 after it.
 *
 * <p>Data that cannot be decoded (a page that does not decompress, a level or id out of range, a chunk
 * shorter than its metadata says) is a {@link DataCheckException} naming the file and the row group,
 * as {@link ColumnarFile#readRowGroup} names them.
 *
 * <pre>{@code
 * ColumnChunkDecoder[] chunks = file.readRowGroup(0);
 * DecodedValues v = new DecodedValues();
 * while (chunks[0].readRows(4096, v) > 0) {
 *   ... v.size(), v.valueCount(), v.definitionLevels(), v.longs() ...
 * }
 * }</pre>
 */
public final class ColumnChunkDecoder {
  private final String where;
  private final ColumnDescriptor column;
  private final PageReader pages;
  private final VersionParser.ParsedVersion writer;
  private final PrimitiveTypeName type;
  private final int maxRepetition;
  private final int maxDefinition;
  /** Entries (levels) of the chunk not read yet. */
  private long entriesLeft;

  private boolean started;
  private DictionaryPage dictionaryPage;
  private ColumnDictionary dictionary;
  /** Set when the chunk's dictionary is not one this class decodes: every page goes to parquet-mr. */
  private boolean decodesNothing;

  /**
   * The current page: its entries' repetition levels, decoded when it starts (rows are cut by them), its
   * definition levels, decoded as its entries are read, and the position in it.
   */
  private int pageEntries;
  private int pagePosition;
  private int[] pageRepetition = new int[0];
  private final HybridDecoder repetitions = new HybridDecoder();
  private final HybridDecoder definitions = new HybridDecoder();
  private Encoding valueEncoding;
  private final HybridDecoder ids = new HybridDecoder();
  private ByteBuffer plain;
  /** For PLAIN booleans: the bit of {@link #plain} where the next value is. */
  private long plainBit;

  /** The page this class does not decode, and parquet-mr's reader of it and the rest, once started. */
  private DataPage unsupported;
  private ColumnReaderImpl fallback;

  /**
   * The decoder of the chunk {@code pages} of {@code column}.
   *
   * @param where the file and row group, for messages: {@code "<file>: row group 1 (0-based, of 3; 100 rows)"}
   * @param writer the file's writer as parsed from its footer, for parquet-mr's workarounds of old
   *     writers' bugs; null when unknown
   */
  ColumnChunkDecoder(String where, ColumnDescriptor column, PageReader pages, VersionParser.ParsedVersion writer) {
    this.where = where;
    this.column = column;
    this.pages = pages;
    this.writer = writer;
    this.type = column.getPrimitiveType().getPrimitiveTypeName();
    this.maxRepetition = column.getMaxRepetitionLevel();
    this.maxDefinition = column.getMaxDefinitionLevel();
    this.entriesLeft = pages.getTotalValueCount();
  }

  /** The column read. */
  public ColumnDescriptor column() {
    return column;
  }

  /**
   * Reads the next {@code rows} rows (fewer at the end of the chunk) into {@code out}, replacing what it
   * held, and returns the number of rows read: 0 at the end of the chunk.
   *
   * @throws DataCheckException when the chunk cannot be decoded
   */
  public int readRows(int rows, DecodedValues out) {
    checkArgument(rows >= 0, "rows must be 0 or more, got %s", rows);
    try {
      if (!started) {
        start();
      }
      out.reset(type, dictionary);
      int done = 0;
      while (entriesLeft > 0) {
        if (fallback == null && pagePosition == pageEntries && !nextPage()) {
          if (unsupported == null) {
            throw new IllegalStateException("the column chunk of '" + String.join(".", column.getPath()) + "' ends " + entriesLeft
                + " values before the number its metadata gives");
          }
          startFallback();
        }
        if (fallback != null) {
          return readFallback(rows, done, out);
        }
        int start = pagePosition;
        int end = start;
        if (maxRepetition == 0) {
          end += Math.min(rows - done, pageEntries - start);
          done += end - start;
        } else {
          // An entry at repetition level 0 starts a row; stop before the one that would start row rows + 1.
          int[] rep = pageRepetition;
          while (end < pageEntries) {
            if (rep[end] == 0) {
              if (done == rows) {
                break;
              }
              done++;
            }
            end++;
          }
        }
        if (end > start) {
          consume(start, end, out);
        }
        if (end < pageEntries || (maxRepetition == 0 && done == rows)) {
          break;
        }
        // At the end of a page, a row of a repeated column may go on in the next.
      }
      return done;
    } catch (DataCheckException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new DataCheckException(where + " cannot be read: " + DataCheckException.oneLine(e));
    }
  }

  private void start() throws IOException {
    started = true;
    DictionaryPage d = pages.readDictionaryPage();
    if (d == null) {
      return;
    }
    // A copy whose bytes can be read again, should parquet-mr's reader need the dictionary later.
    dictionaryPage = new DictionaryPage(BytesInput.copy(d.getBytes()), d.getDictionarySize(), d.getEncoding());
    Encoding e = dictionaryPage.getEncoding();
    if ((e == Encoding.PLAIN || e == Encoding.PLAIN_DICTIONARY) && ColumnDictionary.supports(type)) {
      dictionary = ColumnDictionary.read(dictionaryPage, type);
    } else {
      decodesNothing = true;
    }
  }

  /** Entries {@code [start, end)} of the current page into {@code out}. */
  private void consume(int start, int end, DecodedValues out) {
    int n = end - start;
    out.ensureEntries(n, maxDefinition > 0, maxRepetition > 0);
    if (maxRepetition > 0) {
      System.arraycopy(pageRepetition, start, out.repetitionLevels, out.size, n);
    }
    int defined = n;
    if (maxDefinition > 0) {
      defined = definitions.read(out.definitionLevels, out.size, n, maxDefinition);
      checkLevels(definitions, maxDefinition);
    }
    out.size += n;
    pagePosition = end;
    entriesLeft -= n;
    if (defined == 0) {
      return;
    }
    if (valueEncoding == Encoding.PLAIN_DICTIONARY || valueEncoding == Encoding.RLE_DICTIONARY) {
      out.appendIds(ids, defined);
    } else if (type == PrimitiveTypeName.BOOLEAN && valueEncoding == Encoding.RLE) {
      out.appendBooleans(ids, defined);
    } else if (type == PrimitiveTypeName.BOOLEAN) {
      out.appendPlainBooleans(plain, plainBit, defined);
      plainBit += defined;
    } else {
      out.appendPlain(plain, defined);
    }
  }

  /** Starts the next page; false at the end of the chunk or at a page this class does not decode. */
  private boolean nextPage() throws IOException {
    while (true) {
      DataPage p = pages.readPage();
      if (p == null) {
        return false;
      }
      if (decodesNothing) {
        unsupported = p;
        return false;
      }
      boolean ok = p instanceof DataPageV1 v1 ? startV1(v1) : p instanceof DataPageV2 v2 && startV2(v2);
      if (!ok) {
        unsupported = p;
        return false;
      }
      if (pageEntries > 0) {
        return true;
      }
    }
  }

  private boolean startV1(DataPageV1 p) throws IOException {
    if (maxRepetition > 0 && p.getRlEncoding() != Encoding.RLE
        || maxDefinition > 0 && p.getDlEncoding() != Encoding.RLE
        || !supportedValues(p.getValueEncoding())) {
      return false;
    }
    ByteBuffer b = p.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int n = p.getValueCount();
    startLevels(n);
    // Version 1: each kind of levels is prefixed by its length in bytes.
    if (maxRepetition > 0) {
      int length = b.getInt();
      decodeRepetitionLevels(b.slice().limit(length), n);
      b.position(b.position() + length);
    }
    if (maxDefinition > 0) {
      int length = b.getInt();
      definitions.start(b.slice().limit(length), bitWidth(maxDefinition));
      b.position(b.position() + length);
    }
    startValues(p.getValueEncoding(), b.slice().order(ByteOrder.LITTLE_ENDIAN));
    return true;
  }

  private boolean startV2(DataPageV2 p) throws IOException {
    if (!supportedValues(p.getDataEncoding())) {
      return false;
    }
    int n = p.getValueCount();
    startLevels(n);
    if (maxRepetition > 0) {
      decodeRepetitionLevels(p.getRepetitionLevels().toByteBuffer(), n);
    }
    if (maxDefinition > 0) {
      definitions.start(p.getDefinitionLevels().toByteBuffer(), bitWidth(maxDefinition));
    }
    startValues(p.getDataEncoding(), p.getData().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    return true;
  }

  private void startLevels(int n) {
    if (n < 0) {
      throw new IllegalStateException("a page of " + n + " values (a corrupt page header)");
    }
    if (maxRepetition > 0 && pageRepetition.length < n) {
      pageRepetition = new int[n];
    }
    pageEntries = n;
    pagePosition = 0;
  }

  private static int bitWidth(int maxLevel) {
    return 32 - Integer.numberOfLeadingZeros(maxLevel);
  }

  private void decodeRepetitionLevels(ByteBuffer b, int n) {
    repetitions.start(b, bitWidth(maxRepetition));
    repetitions.read(pageRepetition, 0, n, -1);
    checkLevels(repetitions, maxRepetition);
  }

  private static void checkLevels(HybridDecoder levels, int max) {
    if (levels.max() > max) {
      throw new IllegalStateException("a level above the column's maximum " + max + " (a corrupt page)");
    }
  }

  private boolean supportedValues(Encoding e) {
    switch (e) {
      case PLAIN:
        return type != PrimitiveTypeName.INT96 && type != PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY;
      case PLAIN_DICTIONARY:
      case RLE_DICTIONARY:
        return dictionary != null;
      case RLE:
        return type == PrimitiveTypeName.BOOLEAN;
      default:
        return false;
    }
  }

  private void startValues(Encoding e, ByteBuffer b) {
    valueEncoding = e;
    plain = null;
    if (e == Encoding.PLAIN_DICTIONARY || e == Encoding.RLE_DICTIONARY) {
      int width = b.get() & 0xFF;
      ids.start(b.slice(), width);
    } else if (e == Encoding.RLE) {
      // RLE booleans: the length in bytes, then the hybrid encoding with a bit width of 1.
      int length = b.getInt();
      ids.start(b.slice().limit(length), 1);
    } else {
      plain = b;
      plainBit = 0;
    }
  }

  /** Hands the rest of the chunk, from the page not decoded here on, to parquet-mr's column reader. */
  private void startFallback() {
    DataPage first = unsupported;
    // The reader stops at the count it is given: what is left, not the chunk's total.
    long left = entriesLeft;
    PageReader rest = new PageReader() {
      private DataPage pending = first;

      @Override
      public DictionaryPage readDictionaryPage() {
        return dictionaryPage;
      }

      @Override
      public long getTotalValueCount() {
        return left;
      }

      @Override
      public DataPage readPage() {
        if (pending != null) {
          DataPage p = pending;
          pending = null;
          return p;
        }
        return pages.readPage();
      }
    };
    unsupported = null;
    // Its values are read with its getters; the converter, which it insists on, is never called.
    fallback = new ColumnReaderImpl(column, rest, new PrimitiveConverter() {}, writer);
  }

  private int readFallback(int rows, int done, DecodedValues out) {
    ColumnReaderImpl r = fallback;
    boolean definition = maxDefinition > 0;
    boolean repetition = maxRepetition > 0;
    while (entriesLeft > 0) {
      int rep = r.getCurrentRepetitionLevel();
      if (rep == 0) {
        if (done == rows) {
          break;
        }
        done++;
      }
      int def = r.getCurrentDefinitionLevel();
      out.ensureEntries(1, definition, repetition);
      if (repetition) {
        out.repetitionLevels[out.size] = rep;
      }
      if (definition) {
        out.definitionLevels[out.size] = def;
      }
      out.size++;
      if (def == maxDefinition) {
        out.appendFrom(r);
      }
      r.consume();
      entriesLeft--;
    }
    return done;
  }
}
