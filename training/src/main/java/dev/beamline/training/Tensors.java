package dev.beamline.training;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Tensors made from and read into primitive arrays in one bulk copy, never element by element.
 *
 * <pre>{@code
 * try (TFloat32 t = Tensors.floats(values, rows, width)) { ... }
 * float[] out = Tensors.toFloats((TFloat32) result.get(0));
 * }</pre>
 */
public final class Tensors {
  private Tensors() {}

  /** A float32 tensor of {@code shape} holding {@code values} in row-major order. */
  public static TFloat32 floats(float[] values, long... shape) {
    return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  /** A float64 tensor of {@code shape} holding {@code values} in row-major order. */
  public static TFloat64 doubles(double[] values, long... shape) {
    return TFloat64.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  /** An int64 tensor of {@code shape} holding {@code values} in row-major order. */
  public static TInt64 longs(long[] values, long... shape) {
    return TInt64.tensorOf(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  /** A string vector (UTF-8); null elements become the empty string, which means missing. */
  public static TString strings(String[] values) {
    String[] copy = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      copy[i] = values[i] == null ? "" : values[i];
    }
    return TString.tensorOf(NdArrays.vectorOfObjects(copy));
  }

  /** All elements of a float32 tensor, row-major. */
  public static float[] toFloats(Tensor t) {
    TFloat32 f = (TFloat32) t;
    float[] out = new float[(int) f.shape().size()];
    f.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** All elements of an int64 tensor, row-major. */
  public static long[] toLongs(Tensor t) {
    TInt64 l = (TInt64) t;
    long[] out = new long[(int) l.shape().size()];
    l.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** All elements of a string tensor, row-major, decoded as UTF-8. */
  public static String[] toStrings(Tensor t) {
    TString s = (TString) t;
    String[] out = new String[(int) s.shape().size()];
    s.copyTo(DataBuffers.ofObjects(out));
    return out;
  }
}
