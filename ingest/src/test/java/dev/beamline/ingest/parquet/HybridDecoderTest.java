package dev.beamline.ingest.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/** The hybrid decoder against parquet-mr's encoder: runs and bit-packed groups of every width, counted and bounded. */
class HybridDecoderTest {
  private static byte[] encode(int width, int[] values) throws IOException {
    RunLengthBitPackingHybridEncoder e = new RunLengthBitPackingHybridEncoder(width, 64, 1 << 20, new HeapByteBufferAllocator());
    for (int v : values) {
      e.writeInt(v);
    }
    return e.toBytes().toByteArray();
  }

  @Test
  void decodesWhatParquetMrEncodes() throws IOException {
    Random random = new Random(11);
    for (int width : new int[] {1, 2, 3, 7, 8, 9, 13, 16, 17, 24, 31, 32}) {
      int[] values = new int[10_000];
      for (int i = 0; i < values.length; ) {
        // Long runs (RLE) and short stretches of random values (bit-packed), mixed.
        int run = random.nextBoolean() ? 1 + random.nextInt(40) : 1;
        int v = width == 32 ? random.nextInt() : random.nextInt() & ((1 << width) - 1);
        for (int k = 0; k < run && i < values.length; k++) {
          values[i++] = v;
        }
      }
      byte[] bytes = encode(width, values);
      int target = values[values.length / 2];
      long expectedCount = Arrays.stream(values).filter(v -> v == target).count();
      int expectedMax = width == 32 && Arrays.stream(values).anyMatch(v -> v < 0)
          ? Integer.MAX_VALUE : Arrays.stream(values).max().orElseThrow();
      for (int step : new int[] {1, 5, 8, 333, 10_000}) {
        HybridDecoder d = new HybridDecoder();
        d.start(ByteBuffer.wrap(bytes), width);
        int[] out = new int[values.length + 3];
        long count = 0;
        for (int i = 0; i < values.length; i += step) {
          count += d.read(out, i + 3, Math.min(step, values.length - i), target);
        }
        assertThat(Arrays.copyOfRange(out, 3, out.length)).as("width %d, %d a read", width, step).isEqualTo(values);
        assertThat(count).as("width %d, %d a read", width, step).isEqualTo(expectedCount);
        assertThat(d.max()).as("width %d", width).isEqualTo(expectedMax);
      }
    }
  }

  @Test
  void widthZeroIsAllZerosAndBadWidthsAreRefused() {
    HybridDecoder d = new HybridDecoder();
    d.start(ByteBuffer.allocate(0), 0);
    int[] out = {7, 7, 7};
    assertThat(d.read(out, 1, 2, 0)).isEqualTo(2);
    assertThat(out).containsExactly(7, 0, 0);
    assertThatThrownBy(() -> d.start(ByteBuffer.allocate(0), 33)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 33");
  }

  @Test
  void anEmptyRunIsACorruptPage() {
    HybridDecoder d = new HybridDecoder();
    d.start(ByteBuffer.wrap(new byte[] {0, 0}), 1);
    assertThatThrownBy(() -> d.read(new int[1], 0, 1, 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("corrupt page");
  }
}
