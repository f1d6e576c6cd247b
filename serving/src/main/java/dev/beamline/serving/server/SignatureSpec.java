package dev.beamline.serving.server;

import dev.beamline.serving.server.TensorData.DType;
import dev.beamline.training.ServingModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Signature;

/**
 * A signature's inputs and outputs with their types and shapes (-1 for a dimension of any size), and
 * the checks and conversions a request's tensors go through before they are batched: every input
 * present and no other, each of a type that converts to the input's without loss, and of the
 * input's shape after the rows.
 */
record SignatureSpec(String key, Map<String, TensorSpec> inputs, Map<String, TensorSpec> outputs) {
  /** One input or output: its type (null when the server cannot feed or return it) and shape. */
  record TensorSpec(String name, DType type, org.tensorflow.proto.DataType tfType, long[] shape) {}

  static SignatureSpec of(Signature s) {
    return new SignatureSpec(s.key(), specs(s.getInputs()), specs(s.getOutputs()));
  }

  private static Map<String, TensorSpec> specs(Map<String, Signature.TensorDescription> d) {
    Map<String, TensorSpec> out = new LinkedHashMap<>();
    for (String name : new java.util.TreeSet<>(d.keySet())) {
      Signature.TensorDescription t = d.get(name);
      out.put(name, new TensorSpec(name, DType.of(t.dataType), t.dataType, t.shape.asArray() == null ? new long[0] : t.shape.asArray()));
    }
    return out;
  }

  /**
   * {@code given} checked and converted to this signature's inputs (same names, the inputs' order).
   *
   * @return the rows of the request
   * @throws ServingException INVALID_ARGUMENT naming the input at fault
   */
  Map<String, TensorData> conform(Map<String, TensorData> given, String servable) {
    if (given.containsKey(RestJson.ONLY_INPUT)) {
      if (inputs.size() != 1) {
        throw ServingException.invalid("signature '" + key + "' of " + servable + " has " + inputs.size() + " inputs ("
            + String.join(", ", inputs.keySet()) + "): name them, e.g. \"instances\": [{\"" + inputs.keySet().iterator().next() + "\": ...}]");
      }
      given = Map.of(inputs.keySet().iterator().next(), given.get(RestJson.ONLY_INPUT));
    }
    for (String name : given.keySet()) {
      if (!inputs.containsKey(name)) {
        throw ServingException.invalid("input '" + name + "' is not an input of signature '" + key + "' of " + servable
            + "; its inputs: " + String.join(", ", inputs.keySet()));
      }
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    int rows = -1;
    String rowsFrom = null;
    for (TensorSpec in : inputs.values()) {
      TensorData t = given.get(in.name());
      if (t == null) {
        throw ServingException.invalid("missing input '" + in.name() + "' of signature '" + key + "' of " + servable);
      }
      if (in.type() == null) {
        throw ServingException.invalid("input '" + in.name() + "' has type " + in.tfType() + ", which this server cannot feed");
      }
      TensorData c = convert(t, in);
      if (c.rank() == 0 || !fits(c.shape(), in.shape())) {
        throw ServingException.invalid("input '" + in.name() + "' has shape " + Arrays.toString(c.shape()) + ", and signature '" + key
            + "' takes shape " + Arrays.toString(in.shape()).replace("-1", "-1 (any)"));
      }
      if (rows >= 0 && c.rows() != rows) {
        throw ServingException.invalid("input '" + in.name() + "' has " + c.rows() + " rows and input '" + rowsFrom + "' " + rows
            + ": every input needs the same first dimension");
      }
      rows = c.rows();
      rowsFrom = in.name();
      out.put(in.name(), c);
    }
    return out;
  }

  private static boolean fits(long[] shape, long[] spec) {
    if (spec.length == 0) {
      return true; // unknown rank
    }
    if (shape.length != spec.length) {
      return false;
    }
    for (int i = 1; i < spec.length; i++) {
      if (spec[i] >= 0 && spec[i] != shape[i]) {
        return false;
      }
    }
    return true;
  }

  /** {@code t} as the input's type: numbers between numeric types (integers only where exact), booleans as 0/1. */
  static TensorData convert(TensorData t, TensorSpec in) {
    DType want = in.type();
    if (t.type() == want) {
      return t;
    }
    if (want == DType.STRING && allNaN(t)) {
      String[] missing = new String[t.size()];
      java.util.Arrays.fill(missing, "");
      return TensorData.strings(missing, t.shape()); // JSON nulls: the missing marker
    }
    if (want == DType.INT64 && t.type() == DType.STRING) {
      long[] a = new long[t.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = timestamp(t.stringAt(i), in.name());
      }
      return TensorData.longs(a, t.shape());
    }
    if (want == DType.STRING || t.type() == DType.STRING) {
      throw ServingException.invalid("input '" + in.name() + "' takes " + describe(want) + ", not " + describe(t.type())
          + (t.size() > 0 ? " (first value " + show(t) + ")" : ""));
    }
    int n = t.size();
    Object out = switch (want) {
      case FLOAT -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (float) t.doubleAt(i);
        }
        yield a;
      }
      case DOUBLE -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = t.doubleAt(i);
        }
        yield a;
      }
      case INT32, INT64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          double d = t.doubleAt(i);
          if (t.type() == DType.INT64) {
            a[i] = ((long[]) t.values())[i];
          } else if (Double.isNaN(d) && want == DType.INT64) {
            a[i] = Long.MIN_VALUE; // a JSON null: Beamline's missing marker for timestamps
          } else if (d == Math.rint(d) && !Double.isInfinite(d)) {
            a[i] = (long) d;
          } else {
            throw ServingException.invalid("input '" + in.name() + "' takes integers, not " + d);
          }
          if (want == DType.INT32 && (a[i] < Integer.MIN_VALUE || a[i] > Integer.MAX_VALUE)) {
            throw ServingException.invalid("input '" + in.name() + "' takes 32-bit integers, not " + a[i]);
          }
        }
        if (want == DType.INT64) {
          yield a;
        }
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
          b[i] = (int) a[i];
        }
        yield b;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          double d = t.doubleAt(i);
          if (d != 0 && d != 1) {
            throw ServingException.invalid("input '" + in.name() + "' takes booleans, not " + d);
          }
          a[i] = d == 1;
        }
        yield a;
      }
      case STRING -> throw new AssertionError();
    };
    return TensorData.of(want, t.shape(), out);
  }

  private static boolean allNaN(TensorData t) {
    if (t.type() != DType.DOUBLE) {
      return false;
    }
    for (double d : (double[]) t.values()) {
      if (!Double.isNaN(d)) {
        return false;
      }
    }
    return true;
  }

  /** An ISO-8601 instant as microseconds since the epoch ({@link ServingModel#timestamp}); "" is missing. */
  static long timestamp(String s, String input) {
    if (s.isEmpty()) {
      return Long.MIN_VALUE;
    }
    try {
      return ServingModel.timestamp(s);
    } catch (IllegalArgumentException e) {
      throw ServingException.invalid("input '" + input + "' takes a timestamp (microseconds since 1970, or ISO-8601 such as"
          + " 2024-05-01T12:00:00Z or a date, 2024-05-01), not \"" + s + "\"");
    }
  }

  private static String show(TensorData t) {
    Object v = t.get(0);
    return v instanceof byte[] b ? "\"" + new String(b, java.nio.charset.StandardCharsets.UTF_8) + "\"" : String.valueOf(v);
  }

  private static String describe(DType t) {
    return switch (t) {
      case STRING -> "strings";
      case BOOL -> "booleans";
      default -> "numbers";
    };
  }
}
