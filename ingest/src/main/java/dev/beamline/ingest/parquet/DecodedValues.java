package dev.beamline.ingest.parquet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * What one {@link ColumnChunkDecoder#readRows} call decoded from a column: the levels of its {@link
 * #size()} entries and the {@link #valueCount()} values of the entries that hold one, in the Parquet
 * format's terms (Dremel encoding). An entry holds a value when its definition level is the column's
 * maximum; otherwise it is a null, or an empty or null list. For a column that is not repeated, an
 * entry is a row; in a repeated column, an entry whose repetition level is 0 starts a row.
 *
 * <p>The values are in one of two forms: dictionary ids ({@link #isDictionaryEncoded()}: {@link
 * #dictionaryIds()} into {@link #dictionary()}), when every value read came from dictionary-encoded
 * pages, so that a caller can count ids and decode each entry once; otherwise the values themselves,
 * in the array of the column's physical type: {@link #longs()} for {@code INT32} (widened) and {@code
 * INT64}, {@link #floats()}, {@link #doubles()}, {@link #booleans()}, and for {@code BINARY}, {@code
 * FIXED_LEN_BYTE_ARRAY} and {@code INT96} the bytes {@link #binaryBytes()} cut at {@link
 * #binaryOffsets()} (or {@link #string}). {@link #longValue} and {@link #doubleValue} read a value in
 * either form.
 *
 * <p>A buffer to be reused: each read replaces the content, and the arrays, valid up to {@code size()}
 * or {@code valueCount()}, grow as needed and are handed out as they are (do not modify them).
 *
 * <pre>{@code
 * DecodedValues v = new DecodedValues();
 * int rows = decoder.readRows(4096, v);
 * long nulls = v.size() - v.valueCount();      // a column that is not repeated
 * for (int k = 0; k < v.valueCount(); k++) {
 *   sum += v.doubleValue(k);
 * }
 * }</pre>
 */
public final class DecodedValues {
  private static final int[] NO_INTS = new int[0];

  PrimitiveTypeName type = PrimitiveTypeName.INT64;
  ColumnDictionary dictionary;
  int size;
  int valueCount;
  boolean dictionaryEncoded;
  int[] definitionLevels = NO_INTS;
  int[] repetitionLevels = NO_INTS;
  int[] ids = NO_INTS;
  long[] longs;
  float[] floats;
  double[] doubles;
  boolean[] booleans;
  byte[] bytes;
  /** For binary values: where value k starts in {@link #bytes}; {@code offsets[valueCount]} is where the next goes. */
  int[] offsets = new int[1];
  private int[] scratch = NO_INTS;

  /** An empty buffer. */
  public DecodedValues() {}

  // ---- what was read ------------------------------------------------------------------------------

  /** The number of entries read (rows, for a column that is not repeated). */
  public int size() {
    return size;
  }

  /** The number of values read: the entries at the column's maximum definition level. */
  public int valueCount() {
    return valueCount;
  }

  /** The definition level of each entry, in {@code [0, size())}; read only for a column whose maximum is above 0. */
  public int[] definitionLevels() {
    return definitionLevels;
  }

  /** The repetition level of each entry, in {@code [0, size())}; read only for a repeated column (0 starts a row). */
  public int[] repetitionLevels() {
    return repetitionLevels;
  }

  /** The physical type of the column read. */
  public PrimitiveTypeName type() {
    return type;
  }

  /** Whether the values are dictionary ids ({@link #dictionaryIds()}) rather than values. */
  public boolean isDictionaryEncoded() {
    return dictionaryEncoded;
  }

  /** The dictionary ids of the values, in {@code [0, valueCount())}, when {@link #isDictionaryEncoded()}. */
  public int[] dictionaryIds() {
    return ids;
  }

  /** The column chunk's dictionary, or null when it has none that was decoded. */
  public ColumnDictionary dictionary() {
    return dictionary;
  }

  /** The values of an {@code INT32} (widened) or {@code INT64} column read without dictionary ids. */
  public long[] longs() {
    return longs;
  }

  /** The values of a {@code FLOAT} column read without dictionary ids. */
  public float[] floats() {
    return floats;
  }

  /** The values of a {@code DOUBLE} column read without dictionary ids. */
  public double[] doubles() {
    return doubles;
  }

  /** The values of a {@code BOOLEAN} column. */
  public boolean[] booleans() {
    return booleans;
  }

  /** The bytes of the binary values read without dictionary ids: value k is {@code [binaryOffsets()[k], binaryOffsets()[k + 1])}. */
  public byte[] binaryBytes() {
    return bytes;
  }

  /** Where each binary value starts in {@link #binaryBytes()}, and one past the last. */
  public int[] binaryOffsets() {
    return offsets;
  }

  /** Binary value {@code k} (dictionary-encoded or not) as UTF-8 text, malformed bytes replaced by U+FFFD. */
  public String string(int k) {
    if (dictionaryEncoded) {
      return dictionary.string(ids[k]);
    }
    return new String(bytes, offsets[k], offsets[k + 1] - offsets[k], StandardCharsets.UTF_8);
  }

  /** Value {@code k} of an {@code INT32} or {@code INT64} column, dictionary-encoded or not. */
  public long longValue(int k) {
    return dictionaryEncoded ? dictionary.longs()[ids[k]] : longs[k];
  }

  /** Value {@code k} of a numeric column as a double (integers and floats widened), dictionary-encoded or not. */
  public double doubleValue(int k) {
    switch (type) {
      case INT32:
      case INT64:
        return longValue(k);
      case FLOAT:
        return dictionaryEncoded ? dictionary.floats()[ids[k]] : floats[k];
      case DOUBLE:
        return dictionaryEncoded ? dictionary.doubles()[ids[k]] : doubles[k];
      default:
        throw new IllegalStateException("a " + type + " column has no numeric values");
    }
  }

  /**
   * The values of a {@code FLOAT} or {@code DOUBLE} column (doubles narrowed), dictionary ids resolved,
   * into {@code out} from index {@code at} on.
   */
  public void copyTo(float[] out, int at) {
    int n = valueCount;
    if (type == PrimitiveTypeName.FLOAT && !dictionaryEncoded) {
      System.arraycopy(floats, 0, out, at, n);
    } else if (type == PrimitiveTypeName.FLOAT) {
      float[] entries = dictionary.floats();
      for (int i = 0; i < n; i++) {
        out[at + i] = entries[ids[i]];
      }
    } else {
      for (int i = 0; i < n; i++) {
        out[at + i] = (float) doubleValue(i);
      }
    }
  }

  /** The values of an {@code INT32} or {@code INT64} column, dictionary ids resolved, into {@code out} from index {@code at} on. */
  public void copyTo(long[] out, int at) {
    int n = valueCount;
    if (!dictionaryEncoded) {
      System.arraycopy(longs, 0, out, at, n);
      return;
    }
    long[] entries = dictionary.longs();
    for (int i = 0; i < n; i++) {
      out[at + i] = entries[ids[i]];
    }
  }

  // ---- filled by ColumnChunkDecoder ----------------------------------------------------------------

  /** Empties the buffer for a read of a {@code type} column whose chunk has {@code dictionary} (or null). */
  void reset(PrimitiveTypeName type, ColumnDictionary dictionary) {
    this.type = type;
    this.dictionary = dictionary;
    this.size = 0;
    this.valueCount = 0;
    this.dictionaryEncoded = false;
    this.offsets[0] = 0;
  }

  /** Room for {@code more} entries' levels. */
  void ensureEntries(int more, boolean definition, boolean repetition) {
    int need = size + more;
    if (definition && definitionLevels.length < need) {
      definitionLevels = Arrays.copyOf(definitionLevels, grow(definitionLevels.length, need));
    }
    if (repetition && repetitionLevels.length < need) {
      repetitionLevels = Arrays.copyOf(repetitionLevels, grow(repetitionLevels.length, need));
    }
  }

  /** A new length for an array of {@code length} that must hold {@code need}: doubled, at least 16. */
  private static int grow(int length, int need) {
    long doubled = Math.max(16L, 2L * length);
    return (int) Math.max(need, Math.min(doubled, Integer.MAX_VALUE - 8));
  }

  /** The next {@code n} values are dictionary ids decoded by {@code hybrid}. */
  void appendIds(HybridDecoder hybrid, int n) {
    if (!dictionaryEncoded && valueCount > 0) {
      // Values of plain pages came first in this read: the ids become values too.
      if (scratch.length < n) {
        scratch = new int[grow(scratch.length, n)];
      }
      hybrid.read(scratch, 0, n, -1);
      checkIds(hybrid);
      appendEntries(scratch, n);
      return;
    }
    dictionaryEncoded = true;
    if (ids.length < valueCount + n) {
      ids = Arrays.copyOf(ids, grow(ids.length, valueCount + n));
    }
    hybrid.read(ids, valueCount, n, -1);
    checkIds(hybrid);
    valueCount += n;
  }

  private void checkIds(HybridDecoder hybrid) {
    if (hybrid.max() >= dictionary.size()) {
      throw new IllegalStateException(
          "dictionary id " + hybrid.max() + " in a dictionary of " + dictionary.size() + " entries (a corrupt page)");
    }
  }

  /** Dictionary entries {@code ids[0 .. n)} appended as values. */
  private void appendEntries(int[] entries, int n) {
    ensureValues(n);
    switch (type) {
      case INT32:
      case INT64:
        long[] l = dictionary.longs();
        for (int i = 0; i < n; i++) {
          longs[valueCount + i] = l[entries[i]];
        }
        break;
      case FLOAT:
        float[] f = dictionary.floats();
        for (int i = 0; i < n; i++) {
          floats[valueCount + i] = f[entries[i]];
        }
        break;
      case DOUBLE:
        double[] d = dictionary.doubles();
        for (int i = 0; i < n; i++) {
          doubles[valueCount + i] = d[entries[i]];
        }
        break;
      case BINARY:
        byte[] b = dictionary.bytes();
        int[] o = dictionary.offsets();
        for (int i = 0; i < n; i++) {
          int id = entries[i];
          setBytes(valueCount + i, b, o[id], o[id + 1] - o[id]);
        }
        break;
      default:
        throw new AssertionError(type);
    }
    valueCount += n;
  }

  /** Turns the dictionary ids read so far into values, before values of a plain page follow them. */
  private void materialize() {
    if (dictionaryEncoded) {
      dictionaryEncoded = false;
      int n = valueCount;
      valueCount = 0;
      offsets[0] = 0;
      int[] entries = ids;
      ids = scratch;
      scratch = entries;
      appendEntries(entries, n);
    }
  }

  /** Room for {@code n} more values of the column's type, without dictionary ids. */
  private void ensureValues(int n) {
    int need = valueCount + n;
    switch (type) {
      case INT32:
      case INT64:
        if (longs == null || longs.length < need) {
          longs = longs == null ? new long[grow(0, need)] : Arrays.copyOf(longs, grow(longs.length, need));
        }
        break;
      case FLOAT:
        if (floats == null || floats.length < need) {
          floats = floats == null ? new float[grow(0, need)] : Arrays.copyOf(floats, grow(floats.length, need));
        }
        break;
      case DOUBLE:
        if (doubles == null || doubles.length < need) {
          doubles = doubles == null ? new double[grow(0, need)] : Arrays.copyOf(doubles, grow(doubles.length, need));
        }
        break;
      case BOOLEAN:
        if (booleans == null || booleans.length < need) {
          booleans = booleans == null ? new boolean[grow(0, need)] : Arrays.copyOf(booleans, grow(booleans.length, need));
        }
        break;
      default:
        if (offsets.length < need + 1) {
          offsets = Arrays.copyOf(offsets, grow(offsets.length, need + 1));
        }
        break;
    }
  }

  private void ensureBytes(int capacity) {
    if (bytes == null || bytes.length < capacity) {
      bytes = bytes == null ? new byte[grow(0, capacity)] : Arrays.copyOf(bytes, grow(bytes.length, capacity));
    }
  }

  /** Binary value {@code k}, the one after those before it: {@code length} bytes of {@code from} at {@code at}. */
  private void setBytes(int k, byte[] from, int at, int length) {
    int end = offsets[k];
    ensureBytes(end + length);
    System.arraycopy(from, at, bytes, end, length);
    offsets[k + 1] = end + length;
  }

  /** The next {@code n} values, plain-encoded (Parquet's PLAIN) in {@code in} from its position, which moves past them. */
  void appendPlain(ByteBuffer in, int n) {
    materialize();
    ensureValues(n);
    switch (type) {
      case INT32:
        for (int i = 0; i < n; i++) {
          longs[valueCount + i] = in.getInt();
        }
        break;
      case INT64:
        in.asLongBuffer().get(longs, valueCount, n);
        in.position(in.position() + 8 * n);
        break;
      case FLOAT:
        in.asFloatBuffer().get(floats, valueCount, n);
        in.position(in.position() + 4 * n);
        break;
      case DOUBLE:
        in.asDoubleBuffer().get(doubles, valueCount, n);
        in.position(in.position() + 8 * n);
        break;
      case BINARY:
        for (int i = 0; i < n; i++) {
          int length = in.getInt();
          if (length < 0 || length > in.remaining()) {
            throw new IllegalStateException("a value of " + length + " bytes with " + in.remaining() + " left in the page (a corrupt page)");
          }
          int end = offsets[valueCount + i];
          ensureBytes(end + length);
          in.get(bytes, end, length);
          offsets[valueCount + i + 1] = end + length;
        }
        break;
      default:
        throw new AssertionError(type);
    }
    valueCount += n;
  }

  /** The next {@code n} booleans, bit-packed from bit {@code bit} of {@code in} on (PLAIN booleans), least significant bit first. */
  void appendPlainBooleans(ByteBuffer in, long bit, int n) {
    ensureValues(n);
    int base = in.position();
    for (int i = 0; i < n; i++) {
      long at = bit + i;
      booleans[valueCount + i] = ((in.get(base + (int) (at >>> 3)) >>> (at & 7)) & 1) != 0;
    }
    valueCount += n;
  }

  /** The next {@code n} booleans, RLE-encoded with a bit width of 1. */
  void appendBooleans(HybridDecoder hybrid, int n) {
    ensureValues(n);
    if (scratch.length < n) {
      scratch = new int[grow(scratch.length, n)];
    }
    hybrid.read(scratch, 0, n, -1);
    for (int i = 0; i < n; i++) {
      booleans[valueCount + i] = scratch[i] != 0;
    }
    valueCount += n;
  }

  /** The current value of parquet-mr's column reader {@code r} (dictionary-decoded by it). */
  void appendFrom(ColumnReader r) {
    materialize();
    ensureValues(1);
    switch (type) {
      case INT32:
        longs[valueCount] = r.getInteger();
        break;
      case INT64:
        longs[valueCount] = r.getLong();
        break;
      case FLOAT:
        floats[valueCount] = r.getFloat();
        break;
      case DOUBLE:
        doubles[valueCount] = r.getDouble();
        break;
      case BOOLEAN:
        booleans[valueCount] = r.getBoolean();
        break;
      default:
        Binary b = r.getBinary();
        ByteBuffer buffer = b.toByteBuffer();
        int end = offsets[valueCount];
        int length = buffer.remaining();
        ensureBytes(end + length);
        buffer.get(bytes, end, length);
        offsets[valueCount + 1] = end + length;
        break;
    }
    valueCount++;
  }
}
