package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * A tensor's values on the Java heap, independent of TensorFlow's native memory and of the wire
 * format: a type, a shape whose first dimension is the batch (rows), and the elements in row-major
 * order in one primitive array ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]},
 * {@code boolean[]}, or {@code byte[][]} for strings). REST (JSON), gRPC ({@code TensorProto}) and
 * the request log convert to and from it; the batcher concatenates requests' tensors and splits the
 * answers by rows. Immutable by convention: nobody writes into {@link #values()}.
 *
 * <pre>{@code
 * TensorData bill = TensorData.doubles(new double[] {39.1, 46.5}, 2);
 * TensorData both = TensorData.concat(List.of(bill, bill));   // shape [4]
 * TensorData second = both.slice(1, 2);                         // shape [1]
 * }</pre>
 */
public final class TensorData {
  /** The element types the server handles, with their TensorFlow data types. */
  public enum DType {
    FLOAT(DataType.DT_FLOAT),
    DOUBLE(DataType.DT_DOUBLE),
    INT32(DataType.DT_INT32),
    INT64(DataType.DT_INT64),
    BOOL(DataType.DT_BOOL),
    STRING(DataType.DT_STRING);

    private final DataType tf;

    DType(DataType tf) {
      this.tf = tf;
    }

    public DataType tf() {
      return tf;
    }

    /** The type of TensorFlow's {@code dataType}, or null when the server does not handle it. */
    public static DType of(DataType dataType) {
      for (DType d : values()) {
        if (d.tf == dataType) {
          return d;
        }
      }
      return null;
    }

    /** A new array of {@code n} elements of this type. */
    Object newArray(int n) {
      return switch (this) {
        case FLOAT -> new float[n];
        case DOUBLE -> new double[n];
        case INT32 -> new int[n];
        case INT64 -> new long[n];
        case BOOL -> new boolean[n];
        case STRING -> new byte[n][];
      };
    }
  }

  private final DType type;
  private final long[] shape;
  private final Object values;

  private TensorData(DType type, long[] shape, Object values) {
    this.type = type;
    this.shape = shape;
    this.values = values;
  }

  /**
   * A tensor of {@code type} and {@code shape} holding {@code values} (the type's array, row-major).
   *
   * @throws IllegalArgumentException when the array's type or length does not fit
   */
  public static TensorData of(DType type, long[] shape, Object values) {
    long n = 1;
    for (long d : shape) {
      checkArgument(d >= 0, "negative dimension in shape %s", Arrays.toString(shape));
      n *= d;
    }
    checkArgument(values.getClass() == type.newArray(0).getClass(), "a %s tensor holds %s, not %s", type, type.newArray(0).getClass().getSimpleName(), values.getClass().getSimpleName());
    checkArgument(java.lang.reflect.Array.getLength(values) == n, "shape %s holds %s elements, not %s", Arrays.toString(shape), n, java.lang.reflect.Array.getLength(values));
    return new TensorData(type, shape.clone(), values);
  }

  public static TensorData doubles(double[] values, long... shape) {
    return of(DType.DOUBLE, shape, values);
  }

  public static TensorData floats(float[] values, long... shape) {
    return of(DType.FLOAT, shape, values);
  }

  public static TensorData longs(long[] values, long... shape) {
    return of(DType.INT64, shape, values);
  }

  /** A string tensor of UTF-8 text. */
  public static TensorData strings(String[] values, long... shape) {
    byte[][] b = new byte[values.length][];
    for (int i = 0; i < values.length; i++) {
      b[i] = values[i].getBytes(StandardCharsets.UTF_8);
    }
    return of(DType.STRING, shape, b);
  }

  public DType type() {
    return type;
  }

  /** The shape, first dimension the rows; a copy. */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions (0 for a scalar). */
  public int rank() {
    return shape.length;
  }

  /** The first dimension (1 for a scalar). */
  public int rows() {
    return shape.length == 0 ? 1 : (int) shape[0];
  }

  /** The number of elements. */
  public int size() {
    return java.lang.reflect.Array.getLength(values);
  }

  /** The elements, row-major, in the type's array; not to be modified. */
  public Object values() {
    return values;
  }

  /** Element {@code i} (row-major) as a Java value: Float, Double, Integer, Long, Boolean or byte[]. */
  public Object get(int i) {
    return java.lang.reflect.Array.get(values, i);
  }

  /** Element {@code i} as a double (booleans as 0/1); not for strings. */
  public double doubleAt(int i) {
    return switch (type) {
      case FLOAT -> ((float[]) values)[i];
      case DOUBLE -> ((double[]) values)[i];
      case INT32 -> ((int[]) values)[i];
      case INT64 -> ((long[]) values)[i];
      case BOOL -> ((boolean[]) values)[i] ? 1 : 0;
      case STRING -> throw new IllegalStateException("a string tensor has no numbers");
    };
  }

  /** Element {@code i} of a string tensor as UTF-8 text. */
  public String stringAt(int i) {
    return new String(((byte[][]) values)[i], StandardCharsets.UTF_8);
  }

  /** Elements per row. */
  public int rowSize() {
    int rows = rows();
    return rows == 0 ? 0 : size() / rows;
  }

  /** Rows {@code from} (inclusive) to {@code to} (exclusive), shape {@code [to - from, ...]}. */
  public TensorData slice(int from, int to) {
    checkArgument(rank() > 0, "a scalar has no rows");
    checkArgument(0 <= from && from <= to && to <= rows(), "rows %s..%s of %s", from, to, rows());
    int w = rowSize();
    Object out = type.newArray((to - from) * w);
    System.arraycopy(values, from * w, out, 0, (to - from) * w);
    long[] s = shape.clone();
    s[0] = to - from;
    return new TensorData(type, s, out);
  }

  /**
   * The tensors' rows one after the other: all of the same type and the same shape after the first
   * dimension.
   */
  public static TensorData concat(List<TensorData> parts) {
    checkArgument(!parts.isEmpty(), "nothing to concatenate");
    if (parts.size() == 1) {
      return parts.get(0);
    }
    TensorData first = parts.get(0);
    long rows = 0;
    int total = 0;
    for (TensorData p : parts) {
      checkArgument(p.type == first.type && p.rank() == first.rank() && p.rank() > 0
          && Arrays.equals(p.shape, 1, p.shape.length, first.shape, 1, first.shape.length),
          "cannot batch a %s %s with a %s %s", p.type, Arrays.toString(p.shape), first.type, Arrays.toString(first.shape));
      rows += p.shape[0];
      total += p.size();
    }
    Object out = first.type.newArray(total);
    int at = 0;
    for (TensorData p : parts) {
      System.arraycopy(p.values, 0, out, at, p.size());
      at += p.size();
    }
    long[] s = first.shape.clone();
    s[0] = rows;
    return new TensorData(first.type, s, out);
  }

  /** A TensorFlow tensor holding a copy of the values; the caller closes it. */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    return switch (type) {
      case FLOAT -> TFloat32.tensorOf(s, DataBuffers.of((float[]) values, true, false));
      case DOUBLE -> TFloat64.tensorOf(s, DataBuffers.of((double[]) values, true, false));
      case INT32 -> TInt32.tensorOf(s, DataBuffers.of((int[]) values, true, false));
      case INT64 -> TInt64.tensorOf(s, DataBuffers.of((long[]) values, true, false));
      case BOOL -> TBool.tensorOf(s, DataBuffers.of((boolean[]) values, true, false));
      case STRING -> TString.tensorOfBytes(NdArrays.wrap(s, DataBuffers.ofObjects((byte[][]) values)));
    };
  }

  /**
   * A copy of {@code t}'s values.
   *
   * @throws IllegalArgumentException for a type the server does not handle
   */
  public static TensorData fromTensor(Tensor t) {
    DType type = DType.of(t.dataType());
    checkArgument(type != null, "the server cannot return a tensor of type %s", t.dataType());
    long[] shape = t.shape().asArray();
    int n = (int) t.shape().size();
    Object out = type.newArray(n);
    switch (type) {
      case FLOAT -> ((TFloat32) t).copyTo(DataBuffers.of((float[]) out, false, false));
      case DOUBLE -> ((TFloat64) t).copyTo(DataBuffers.of((double[]) out, false, false));
      case INT32 -> ((TInt32) t).copyTo(DataBuffers.of((int[]) out, false, false));
      case INT64 -> ((TInt64) t).copyTo(DataBuffers.of((long[]) out, false, false));
      case BOOL -> ((TBool) t).copyTo(DataBuffers.of((boolean[]) out, false, false));
      case STRING -> ((TString) t).asBytes().copyTo(DataBuffers.ofObjects((byte[][]) out));
    }
    return new TensorData(type, shape, out);
  }

  @Override
  public String toString() {
    return "TensorData[" + type + " " + Arrays.toString(shape) + "]";
  }
}
