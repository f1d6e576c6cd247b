package dev.beamline.validation.local;

import dev.beamline.validation.ColumnBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Decodes one column chunk of a flat (non-repeated, at most optional) numeric or string column in bulk,
 * page by page, straight into a {@link ColumnBatch} column: definition levels and dictionary ids are
 * unpacked a run at a time (the RLE / bit-packing hybrid of the Parquet format), plain values read from
 * the page's bytes, and dictionary entries decoded once. Only the values of a column and its number of
 * nulls matter to statistics, so the levels are only counted.
 *
 * <p>It handles the encodings that most writers use for such columns: PLAIN, PLAIN_DICTIONARY and
 * RLE_DICTIONARY values; RLE definition levels; data pages of both versions. At the first page it does
 * not handle (a delta encoding, say), it stops before decoding anything of that page, and {@link
 * #read} returns how many rows it did read; the caller reads the rest with parquet-mr's column reader
 * over {@link #remainingPages()}.
 *
 * <p>Values are those the record reader gives the statistics (see {@link ParquetColumns}): integers as
 * longs times a multiplier (1000 for millisecond timestamps) then doubles, floats widened, strings
 * decoded as UTF-8 with malformed bytes replaced by U+FFFD.
 */
final class ParquetColumnDecoder {
  private final ColumnDescriptor column;
  private final PageReader pages;
  private final long multiplier;
  private final ColumnBatch.Numbers numbers;
  private final ColumnBatch.Strings strings;
  private final PrimitiveTypeName type;
  private final int maxDefinition;

  private final DictionaryPage dictionaryPage;
  /** Numeric dictionaries up to this size are counted per slice and handed over in increasing order. */
  private static final int SORTED_DICTIONARY_LIMIT = 8192;

  /** Numeric dictionary entries, converted; null for strings or without a dictionary. */
  private double[] dictionaryNumbers;
  /** The ids of a small numeric dictionary in increasing order of their values, else null. */
  private int[] byValue;
  /** String dictionary entries: their bytes, decoded on first use. */
  private byte[] dictionaryBytes;
  private int[] dictionaryOffsets;
  private int[] dictionaryLengths;
  private String[] dictionaryStrings;
  /**
   * Per dictionary id, its count in the current slice; for strings also the ids seen, so that a flush
   * does not scan the whole dictionary.
   */
  private long[] counts;
  private int[] seen;
  private int seenSize;

  /** The page being decoded, and what is left of it. */
  private DataPage page;
  private int pageRemaining;
  private final Hybrid levels = new Hybrid();
  private final Hybrid ids = new Hybrid();
  private ByteBuffer plain;
  private boolean dictionaryEncoded;
  private int[] scratch = new int[1024];
  /** The page this decoder could not decode, handed over with the rest. */
  private DataPage unsupported;
  /** Set when the dictionary is not one this decoder reads: every page is handed over. */
  private boolean decodesNothing;

  private ParquetColumnDecoder(
      ColumnDescriptor column, PageReader pages, long multiplier, ColumnBatch.Numbers numbers, ColumnBatch.Strings strings)
      throws IOException {
    this.column = column;
    this.pages = pages;
    this.multiplier = multiplier;
    this.numbers = numbers;
    this.strings = strings;
    this.type = column.getPrimitiveType().getPrimitiveTypeName();
    this.maxDefinition = column.getMaxDefinitionLevel();
    DictionaryPage d = pages.readDictionaryPage();
    // A copy whose bytes can be read again, should parquet-mr's reader need the dictionary later.
    this.dictionaryPage = d == null ? null : new DictionaryPage(BytesInput.copy(d.getBytes()), d.getDictionarySize(), d.getEncoding());
  }

  /**
   * A decoder of the column chunk {@code pages} of {@code column} into {@code numbers} (numeric
   * features) or {@code strings} (string features), or null when the column is not one this class
   * decodes (repeated, nested, boolean); the chunk is then untouched.
   */
  static ParquetColumnDecoder of(
      ColumnDescriptor column, PageReader pages, long multiplier, ColumnBatch.Numbers numbers, ColumnBatch.Strings strings)
      throws IOException {
    if (column.getMaxRepetitionLevel() != 0 || column.getMaxDefinitionLevel() > 1) {
      return null;
    }
    switch (column.getPrimitiveType().getPrimitiveTypeName()) {
      case INT32:
      case INT64:
      case FLOAT:
      case DOUBLE:
        if (numbers == null) {
          return null;
        }
        break;
      case BINARY:
        if (strings == null) {
          return null;
        }
        break;
      default:
        return null;
    }
    ParquetColumnDecoder d = new ParquetColumnDecoder(column, pages, multiplier, numbers, strings);
    if (d.dictionaryPage != null) {
      Encoding e = d.dictionaryPage.getEncoding();
      if (e == Encoding.PLAIN || e == Encoding.PLAIN_DICTIONARY) {
        d.readDictionary();
      } else {
        // The dictionary has been read from the chunk: hand everything over from the first page.
        d.decodesNothing = true;
      }
    }
    return d;
  }

  private void readDictionary() throws IOException {
    ByteBuffer b = dictionaryPage.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int size = dictionaryPage.getDictionarySize();
    if (type == PrimitiveTypeName.BINARY) {
      dictionaryBytes = new byte[b.remaining()];
      b.get(dictionaryBytes);
      dictionaryOffsets = new int[size];
      dictionaryLengths = new int[size];
      ByteBuffer p = ByteBuffer.wrap(dictionaryBytes).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < size; i++) {
        dictionaryLengths[i] = p.getInt();
        dictionaryOffsets[i] = p.position();
        p.position(p.position() + dictionaryLengths[i]);
      }
      dictionaryStrings = new String[size];
      counts = new long[size];
      seen = new int[size];
    } else {
      dictionaryNumbers = new double[size];
      for (int i = 0; i < size; i++) {
        dictionaryNumbers[i] = plainNumber(b);
      }
      if (size <= SORTED_DICTIONARY_LIMIT) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
          order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(dictionaryNumbers[x], dictionaryNumbers[y]));
        byValue = new int[size];
        for (int i = 0; i < size; i++) {
          byValue[i] = order[i];
        }
        counts = new long[size];
      }
    }
  }

  private String entry(int id) {
    String s = dictionaryStrings[id];
    if (s == null) {
      s = new String(dictionaryBytes, dictionaryOffsets[id], dictionaryLengths[id], StandardCharsets.UTF_8);
      dictionaryStrings[id] = s;
    }
    return s;
  }

  private double plainNumber(ByteBuffer b) {
    switch (type) {
      case INT32:
        return b.getInt();
      case INT64:
        return (double) (b.getLong() * multiplier);
      case FLOAT:
        return b.getFloat();
      case DOUBLE:
        return b.getDouble();
      default:
        throw new AssertionError(type);
    }
  }

  /**
   * Reads the next {@code rows} rows into the column, and returns how many it read: fewer when it met
   * a page it does not decode (then {@link #remainingPages()} holds that page and the rest).
   */
  int read(int rows) throws IOException {
    int done = 0;
    long nulls = 0;
    while (done < rows) {
      if (pageRemaining == 0 && !nextPage()) {
        break;
      }
      int n = Math.min(rows - done, pageRemaining);
      int defined = maxDefinition == 0 ? n : levels.countEqual(n, maxDefinition);
      nulls += n - defined;
      if (dictionaryEncoded) {
        readIds(defined);
      } else {
        readPlain(defined);
      }
      pageRemaining -= n;
      done += n;
    }
    flushCounts();
    if (numbers != null) {
      numbers.addNulls(nulls);
    } else {
      strings.addNulls(nulls);
    }
    return done;
  }

  private void readIds(int n) throws IOException {
    if (scratch.length < n) {
      scratch = new int[Math.max(n, scratch.length * 2)];
    }
    ids.read(scratch, n);
    if (numbers != null && byValue == null) {
      double[] dict = dictionaryNumbers;
      for (int i = 0; i < n; i++) {
        numbers.add(dict[scratch[i]]);
      }
    } else if (numbers != null) {
      long[] c = counts;
      for (int i = 0; i < n; i++) {
        c[scratch[i]]++;
      }
    } else {
      long[] c = counts;
      for (int i = 0; i < n; i++) {
        int id = scratch[i];
        if (c[id]++ == 0) {
          seen[seenSize++] = id;
        }
      }
    }
  }

  private void readPlain(int n) {
    ByteBuffer b = plain;
    if (numbers != null) {
      for (int i = 0; i < n; i++) {
        numbers.add(plainNumber(b));
      }
    } else {
      for (int i = 0; i < n; i++) {
        int length = b.getInt();
        String s;
        if (b.hasArray()) {
          s = new String(b.array(), b.arrayOffset() + b.position(), length, StandardCharsets.UTF_8);
          b.position(b.position() + length);
        } else {
          byte[] bytes = new byte[length];
          b.get(bytes);
          s = new String(bytes, StandardCharsets.UTF_8);
        }
        strings.add(s);
      }
    }
  }

  private void flushCounts() {
    if (numbers != null) {
      if (byValue != null) {
        // In increasing order: the KLL sketch sorts what it buffers, which costs least on sorted input.
        for (int id : byValue) {
          long c = counts[id];
          if (c > 0) {
            double v = dictionaryNumbers[id];
            for (long k = 0; k < c; k++) {
              numbers.add(v);
            }
            counts[id] = 0;
          }
        }
      }
      return;
    }
    for (int k = 0; k < seenSize; k++) {
      int id = seen[k];
      strings.add(entry(id), counts[id]);
      counts[id] = 0;
    }
    seenSize = 0;
  }

  /** Starts the next page; false at the end of the chunk or at a page this decoder does not decode. */
  private boolean nextPage() throws IOException {
    if (unsupported != null || decodesNothing) {
      return false;
    }
    DataPage p = pages.readPage();
    if (p == null) {
      return false;
    }
    boolean ok = p instanceof DataPageV1 v1 ? startV1(v1) : p instanceof DataPageV2 v2 && startV2(v2);
    if (!ok) {
      unsupported = p;
      return false;
    }
    page = p;
    pageRemaining = p.getValueCount();
    return pageRemaining > 0 || nextPage();
  }

  private boolean startV1(DataPageV1 p) throws IOException {
    if (maxDefinition > 0 && p.getDlEncoding() != Encoding.RLE) {
      return false;
    }
    if (!supportedValues(p.getValueEncoding())) {
      return false;
    }
    ByteBuffer b = p.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    if (maxDefinition > 0) {
      int length = b.getInt();
      levels.start(b.slice().limit(length), 1);
      b.position(b.position() + length);
    }
    startValues(p.getValueEncoding(), b.slice().order(ByteOrder.LITTLE_ENDIAN));
    return true;
  }

  private boolean startV2(DataPageV2 p) throws IOException {
    if (!supportedValues(p.getDataEncoding())) {
      return false;
    }
    if (maxDefinition > 0) {
      levels.start(p.getDefinitionLevels().toByteBuffer(), 1);
    }
    startValues(p.getDataEncoding(), p.getData().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    return true;
  }

  private boolean supportedValues(Encoding e) {
    if (e == Encoding.PLAIN) {
      return true;
    }
    return (e == Encoding.PLAIN_DICTIONARY || e == Encoding.RLE_DICTIONARY) && dictionaryPage != null;
  }

  private void startValues(Encoding e, ByteBuffer b) {
    dictionaryEncoded = e != Encoding.PLAIN;
    if (dictionaryEncoded) {
      int width = b.get() & 0xFF;
      ids.start(b.slice(), width);
      plain = null;
    } else {
      plain = b;
    }
  }

  /**
   * The pages not decoded here: the one this decoder stopped at, then the rest of the chunk, with the
   * chunk's dictionary; for parquet-mr's column reader to go on from there.
   */
  PageReader remainingPages() {
    DataPage first = unsupported;
    unsupported = null;
    return new PageReader() {
      private DataPage pending = first;

      @Override
      public DictionaryPage readDictionaryPage() {
        return dictionaryPage;
      }

      @Override
      public long getTotalValueCount() {
        return pages.getTotalValueCount();
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
  }

  ColumnDescriptor column() {
    return column;
  }

  /**
   * A reader of the RLE / bit-packing hybrid encoding of the Parquet format (levels and dictionary ids):
   * runs of one repeated value, and groups of 8 values packed in {@code width} bits each, least
   * significant bit first.
   */
  private static final class Hybrid {
    private ByteBuffer in;
    private int width;
    private int mask;
    /** Values left in the current run, whether it repeats {@link #value}, and the packed buffer. */
    private int left;
    private boolean repeated;
    private int value;
    private long bits;
    private int bitCount;

    void start(ByteBuffer buffer, int width) {
      this.in = buffer;
      this.width = width;
      this.mask = width == 32 ? -1 : (1 << width) - 1;
      this.left = 0;
      this.bitCount = 0;
      this.bits = 0;
    }

    private void nextRun() {
      int header = readUnsignedVarInt();
      if ((header & 1) == 0) {
        repeated = true;
        left = header >>> 1;
        int v = 0;
        int bytes = (width + 7) / 8;
        for (int i = 0; i < bytes; i++) {
          v |= (in.get() & 0xFF) << (8 * i);
        }
        value = v;
      } else {
        repeated = false;
        left = (header >>> 1) * 8;
        bits = 0;
        bitCount = 0;
      }
    }

    private int readUnsignedVarInt() {
      int result = 0;
      int shift = 0;
      int b;
      do {
        b = in.get() & 0xFF;
        result |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      return result;
    }

    private int unpack() {
      while (bitCount < width) {
        bits |= (long) (in.get() & 0xFF) << bitCount;
        bitCount += 8;
      }
      int v = (int) (bits & mask);
      bits >>>= width;
      bitCount -= width;
      return v;
    }

    /** The next {@code n} values into {@code out}. */
    void read(int[] out, int n) {
      int i = 0;
      while (i < n) {
        if (left == 0) {
          if (width == 0) {
            Arrays.fill(out, i, n, 0);
            return;
          }
          nextRun();
        }
        int take = Math.min(left, n - i);
        if (repeated) {
          Arrays.fill(out, i, i + take, value);
        } else {
          for (int k = 0; k < take; k++) {
            out[i + k] = unpack();
          }
        }
        i += take;
        left -= take;
      }
    }

    /** How many of the next {@code n} values equal {@code target}. */
    int countEqual(int n, int target) {
      int count = 0;
      int i = 0;
      while (i < n) {
        if (left == 0) {
          nextRun();
        }
        int take = Math.min(left, n - i);
        if (repeated) {
          if (value == target) {
            count += take;
          }
        } else {
          for (int k = 0; k < take; k++) {
            if (unpack() == target) {
              count++;
            }
          }
        }
        i += take;
        left -= take;
      }
      return count;
    }
  }
}
