package dev.beamline.serving.grpc;

import com.google.protobuf.ByteString;
import dev.beamline.serving.server.ServingException;
import dev.beamline.serving.server.TensorData;
import dev.beamline.serving.server.TensorData.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Converts TensorFlow's wire tensor ({@code tensorflow.TensorProto}) to the server's {@link TensorData}
 * and back, for the types the server handles: {@code DT_FLOAT}, {@code DT_DOUBLE}, {@code DT_INT32},
 * {@code DT_INT64}, {@code DT_BOOL} and {@code DT_STRING}.
 *
 * <p>A request's tensor may carry its values either in the typed repeated field ({@code float_val},
 * {@code double_val}, {@code int_val}, {@code int64_val}, {@code bool_val}, {@code string_val}) or
 * packed in {@code tensor_content} (little-endian, one byte per bool; not for strings), which wins
 * when both are set, as in TensorFlow's {@code Tensor::FromProto}. A single typed value fills the
 * whole shape, as in TensorFlow. Any other count is refused: TensorFlow would pad with the last value
 * or drop the extra ones, which hides a client's mistake. Answers are written as TF Serving writes
 * them by default ({@code Tensor::AsProtoField}): the shape and the typed field.
 *
 * <pre>{@code
 * TensorData x = TensorProtoCodec.decode("x", request.getInputsOrThrow("x"));
 * TensorProto y = TensorProtoCodec.encode(TensorData.floats(new float[] {0.5f, 1.5f}, 2));
 * }</pre>
 */
public final class TensorProtoCodec {
  /**
   * The most elements one request tensor may have. Packed or listed values are bounded by the
   * message size already; this bounds what a single broadcast value may ask the server to allocate.
   */
  public static final int MAX_ELEMENTS = 1 << 27;

  private TensorProtoCodec() {}

  /**
   * The values of {@code proto}, the tensor named {@code name} in the request.
   *
   * @throws ServingException INVALID_ARGUMENT for an unsupported dtype, a bad shape, or a number of
   *     values that does not fit the shape
   */
  public static TensorData decode(String name, TensorProto proto) {
    DType type = DType.of(proto.getDtype());
    if (type == null) {
      throw ServingException.invalid(String.format("input '%s' has dtype %s; the server takes %s", name,
          proto.getDtype() == DataType.UNRECOGNIZED ? "number " + proto.getDtypeValue() : proto.getDtype().name(),
          Arrays.stream(DType.values()).map(d -> d.tf().name()).collect(Collectors.joining(", "))));
    }
    long[] shape = shape(name, proto.getTensorShape());
    int n = elements(name, shape);
    Object values = proto.getTensorContent().isEmpty() ? fromTyped(name, type, shape, n, proto) : fromContent(name, type, shape, n, proto.getTensorContent());
    return TensorData.of(type, shape, values);
  }

  /** {@code tensor} as TF Serving answers it: dtype, shape and the typed repeated field. */
  public static TensorProto encode(TensorData tensor) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : tensor.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(tensor.type().tf()).setTensorShape(shape);
    switch (tensor.type()) {
      case FLOAT -> {
        for (float v : (float[]) tensor.values()) {
          b.addFloatVal(v);
        }
      }
      case DOUBLE -> {
        for (double v : (double[]) tensor.values()) {
          b.addDoubleVal(v);
        }
      }
      case INT32 -> {
        for (int v : (int[]) tensor.values()) {
          b.addIntVal(v);
        }
      }
      case INT64 -> {
        for (long v : (long[]) tensor.values()) {
          b.addInt64Val(v);
        }
      }
      case BOOL -> {
        for (boolean v : (boolean[]) tensor.values()) {
          b.addBoolVal(v);
        }
      }
      case STRING -> {
        for (byte[] v : (byte[][]) tensor.values()) {
          b.addStringVal(ByteString.copyFrom(v));
        }
      }
    }
    return b.build();
  }

  private static long[] shape(String name, TensorShapeProto shape) {
    if (shape.getUnknownRank()) {
      throw ServingException.invalid(String.format("input '%s' has an unknown rank; a request tensor needs a full shape", name));
    }
    long[] dims = new long[shape.getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.getDim(i).getSize();
      if (dims[i] < 0) {
        throw ServingException.invalid(String.format("input '%s' has dimension %d of size %d; a request tensor needs a full shape", name, i, dims[i]));
      }
    }
    return dims;
  }

  private static int elements(String name, long[] shape) {
    long n = 1;
    for (long d : shape) {
      // Dividing first keeps the product from overflowing.
      if (d != 0 && n > MAX_ELEMENTS / d) {
        throw ServingException.invalid(String.format("input '%s' of shape %s has more than %d elements, the most the server takes", name, Arrays.toString(shape), MAX_ELEMENTS));
      }
      n *= d;
    }
    return (int) n;
  }

  private static Object fromContent(String name, DType type, long[] shape, int n, ByteString content) {
    if (type == DType.STRING) {
      throw ServingException.invalid(String.format("input '%s' is DT_STRING: its values go in string_val, not tensor_content", name));
    }
    int width = switch (type) {
      case FLOAT, INT32 -> 4;
      case DOUBLE, INT64 -> 8;
      case BOOL -> 1;
      case STRING -> throw new AssertionError(type);
    };
    if ((long) n * width != content.size()) {
      throw ServingException.invalid(String.format("input '%s' (%s, shape %s) needs %d bytes of tensor_content (%d values of %d bytes), not %d", name, type.tf().name(), Arrays.toString(shape), (long) n * width, n, width, content.size()));
    }
    ByteBuffer in = content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return switch (type) {
      case FLOAT -> {
        float[] out = new float[n];
        in.asFloatBuffer().get(out);
        yield out;
      }
      case DOUBLE -> {
        double[] out = new double[n];
        in.asDoubleBuffer().get(out);
        yield out;
      }
      case INT32 -> {
        int[] out = new int[n];
        in.asIntBuffer().get(out);
        yield out;
      }
      case INT64 -> {
        long[] out = new long[n];
        in.asLongBuffer().get(out);
        yield out;
      }
      case BOOL -> {
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
          out[i] = in.get(i) != 0;
        }
        yield out;
      }
      case STRING -> throw new AssertionError(type);
    };
  }

  private static Object fromTyped(String name, DType type, long[] shape, int n, TensorProto p) {
    int count = switch (type) {
      case FLOAT -> p.getFloatValCount();
      case DOUBLE -> p.getDoubleValCount();
      case INT32 -> p.getIntValCount();
      case INT64 -> p.getInt64ValCount();
      case BOOL -> p.getBoolValCount();
      case STRING -> p.getStringValCount();
    };
    if (count != n && count != 1) {
      String field = switch (type) {
        case FLOAT -> "float_val";
        case DOUBLE -> "double_val";
        case INT32 -> "int_val";
        case INT64 -> "int64_val";
        case BOOL -> "bool_val";
        case STRING -> "string_val";
      };
      throw ServingException.invalid(String.format("input '%s' (%s, shape %s) needs %d values in %s%s, or one for all of them; it has %d", name, type.tf().name(), Arrays.toString(shape), n, field, type == DType.STRING ? "" : " or tensor_content", count));
    }
    // count == 1: TensorFlow's rule, the one value fills the shape.
    return switch (type) {
      case FLOAT -> {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
          out[i] = p.getFloatVal(count == 1 ? 0 : i);
        }
        yield out;
      }
      case DOUBLE -> {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
          out[i] = p.getDoubleVal(count == 1 ? 0 : i);
        }
        yield out;
      }
      case INT32 -> {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = p.getIntVal(count == 1 ? 0 : i);
        }
        yield out;
      }
      case INT64 -> {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
          out[i] = p.getInt64Val(count == 1 ? 0 : i);
        }
        yield out;
      }
      case BOOL -> {
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) {
          out[i] = p.getBoolVal(count == 1 ? 0 : i);
        }
        yield out;
      }
      case STRING -> {
        byte[][] out = new byte[n][];
        byte[] one = count == 1 ? p.getStringVal(0).toByteArray() : null;
        for (int i = 0; i < n; i++) {
          // Strings are immutable by convention (TensorData's contract), so the filled copies may share.
          out[i] = one != null ? one : p.getStringVal(i).toByteArray();
        }
        yield out;
      }
    };
  }
}
