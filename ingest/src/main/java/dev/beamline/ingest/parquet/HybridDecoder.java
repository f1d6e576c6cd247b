package dev.beamline.ingest.parquet;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A reader of the RLE / bit-packing hybrid encoding of the Parquet format, which holds repetition and
 * definition levels, dictionary ids and RLE booleans: runs of one repeated value, and groups of 8 values
 * packed in {@code width} bits each, least significant bit first (Parquet format, "Encodings.md",
 * RLE_BIT_PACKED_HYBRID).
 *
 * <pre>{@code
 * HybridDecoder levels = new HybridDecoder();
 * levels.start(pageBytes, 1);
 * levels.read(definitionLevels, 0, valueCount);
 * }</pre>
 */
final class HybridDecoder {
  private ByteBuffer in;
  private int width;
  private int mask;
  /** Values left in the current run, whether it repeats {@link #value}, and the packed bits not used yet. */
  private int left;
  private boolean repeated;
  private int value;
  private long bits;
  private int bitCount;
  /** The largest value read since {@link #start}; Integer.MAX_VALUE once a negative (32-bit) one is. */
  private int max;

  /** Starts decoding {@code buffer} (from its position) as values of {@code width} bits (0 to 32). */
  void start(ByteBuffer buffer, int width) {
    if (width < 0 || width > 32) {
      throw new IllegalArgumentException("bit width must be 0 to 32, got " + width);
    }
    this.in = buffer;
    this.width = width;
    this.mask = width == 32 ? -1 : (1 << width) - 1;
    this.left = 0;
    this.bitCount = 0;
    this.bits = 0;
    this.max = 0;
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
    if (left <= 0) {
      // A run of no values: only a corrupt page has one, and it would make the decoder loop for ever.
      throw new IllegalStateException("an empty run in RLE / bit-packed data (a corrupt page)");
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
    } while ((b & 0x80) != 0 && shift < 35);
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

  /**
   * The next {@code n} values into {@code out[from .. from + n)}; returns how many of them equal {@code
   * target} (counted a run at a time where they repeat).
   */
  int read(int[] out, int from, int n, int target) {
    int i = from;
    int end = from + n;
    if (width == 0) {
      // Values of zero bits (the ids of a one-entry dictionary) take no bytes at all.
      Arrays.fill(out, from, end, 0);
      return target == 0 ? n : 0;
    }
    int count = 0;
    int largest = max;
    int sign = 0;
    while (i < end) {
      if (left == 0) {
        nextRun();
      }
      int take = Math.min(left, end - i);
      if (repeated) {
        Arrays.fill(out, i, i + take, value);
        if (value == target) {
          count += take;
        }
        largest = Math.max(largest, value);
        sign |= value;
      } else {
        for (int k = 0; k < take; k++) {
          int v = unpack();
          out[i + k] = v;
          count += v == target ? 1 : 0;
          largest = Math.max(largest, v);
          sign |= v;
        }
      }
      i += take;
      left -= take;
    }
    max = sign < 0 ? Integer.MAX_VALUE : largest;
    return count;
  }

  /**
   * The largest value read since {@link #start} ({@code Integer.MAX_VALUE} once a 32-bit value with its
   * top bit set was): one check against a limit covers them all.
   */
  int max() {
    return max;
  }
}
