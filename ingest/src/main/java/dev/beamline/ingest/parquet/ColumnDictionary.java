package dev.beamline.ingest.parquet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The dictionary of one column chunk, decoded once: its entries by id, as the values of a plain page of
 * the column's type would be decoded ({@code INT32} and {@code INT64} as longs, {@code FLOAT} as
 * floats, {@code DOUBLE} as doubles, {@code BINARY} as bytes, turned into strings on demand). A
 * {@link DecodedValues} of dictionary ids refers to it.
 *
 * <p>Not thread-safe (strings are decoded on first use and kept): a dictionary belongs to the decoder
 * of one column chunk.
 *
 * <pre>{@code
 * if (values.isDictionaryEncoded()) {
 *   ColumnDictionary d = values.dictionary();
 *   String first = d.string(values.dictionaryIds()[0]);
 * }
 * }</pre>
 */
public final class ColumnDictionary {
  private final PrimitiveTypeName type;
  private final int size;
  private long[] longs;
  private float[] floats;
  private double[] doubles;
  private byte[] bytes;
  private int[] offsets;
  private String[] strings;

  private ColumnDictionary(PrimitiveTypeName type, int size) {
    this.type = type;
    this.size = size;
  }

  /** Whether this class decodes dictionaries of {@code type} columns. */
  static boolean supports(PrimitiveTypeName type) {
    switch (type) {
      case INT32:
      case INT64:
      case FLOAT:
      case DOUBLE:
      case BINARY:
        return true;
      default:
        return false;
    }
  }

  /** The plain-encoded dictionary {@code page} of a {@code type} column (one that {@link #supports}). */
  static ColumnDictionary read(DictionaryPage page, PrimitiveTypeName type) throws IOException {
    ByteBuffer b = page.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    int size = page.getDictionarySize();
    if (size < 0) {
      throw new IllegalStateException("a dictionary of " + size + " entries (a corrupt page)");
    }
    ColumnDictionary d = new ColumnDictionary(type, size);
    switch (type) {
      case INT32:
        d.longs = new long[size];
        for (int i = 0; i < size; i++) {
          d.longs[i] = b.getInt();
        }
        break;
      case INT64:
        d.longs = new long[size];
        b.asLongBuffer().get(d.longs);
        break;
      case FLOAT:
        d.floats = new float[size];
        b.asFloatBuffer().get(d.floats);
        break;
      case DOUBLE:
        d.doubles = new double[size];
        b.asDoubleBuffer().get(d.doubles);
        break;
      case BINARY:
        // The entries' bytes one after the other, without their length prefixes.
        d.bytes = new byte[b.remaining() - 4 * size];
        d.offsets = new int[size + 1];
        int at = 0;
        for (int i = 0; i < size; i++) {
          int length = b.getInt();
          b.get(d.bytes, at, length);
          at += length;
          d.offsets[i + 1] = at;
        }
        d.strings = new String[size];
        break;
      default:
        throw new IllegalArgumentException("no dictionary decoding for " + type + " columns");
    }
    return d;
  }

  /** The number of entries; ids run from 0 to {@code size() - 1}. */
  public int size() {
    return size;
  }

  /** The physical type of the column. */
  public PrimitiveTypeName type() {
    return type;
  }

  /** The entries of an {@code INT32} or {@code INT64} column, by id (do not modify). */
  public long[] longs() {
    return check(longs, "longs");
  }

  /** The entries of a {@code FLOAT} column, by id (do not modify). */
  public float[] floats() {
    return check(floats, "floats");
  }

  /** The entries of a {@code DOUBLE} column, by id (do not modify). */
  public double[] doubles() {
    return check(doubles, "doubles");
  }

  /**
   * The bytes of the entries of a {@code BINARY} column, one after the other: entry {@code id} is
   * {@code bytes()[offsets()[id] .. offsets()[id + 1])} (do not modify).
   */
  public byte[] bytes() {
    return check(bytes, "bytes");
  }

  /** Where each entry of a {@code BINARY} column starts in {@link #bytes()}, and one past the last. */
  public int[] offsets() {
    return check(offsets, "bytes");
  }

  /** Entry {@code id} of a {@code BINARY} column as UTF-8 text (malformed bytes become U+FFFD), decoded once. */
  public String string(int id) {
    check(strings, "strings");
    String s = strings[id];
    if (s == null) {
      s = new String(bytes, offsets[id], offsets[id + 1] - offsets[id], StandardCharsets.UTF_8);
      strings[id] = s;
    }
    return s;
  }

  private <T> T check(T entries, String what) {
    if (entries == null) {
      throw new IllegalStateException("the dictionary of a " + type + " column has no " + what);
    }
    return entries;
  }
}
