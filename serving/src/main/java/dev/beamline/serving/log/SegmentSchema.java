package dev.beamline.serving.log;

import static com.google.common.base.Preconditions.checkArgument;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.beamline.core.FeatureNames;
import dev.beamline.serving.server.TensorData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * The columns of a segment, derived from a request, and a request's rows in them: one row per instance.
 * Requests of one model version, method and signature have the same columns, unless a client sends a
 * tensor of another type or a wider one; then the writer starts a new segment (see {@link
 * ParquetRequestLog}).
 *
 * <p>The fixed columns come first ({@link #FIXED}); then one column per input, in the order of the
 * inputs' names, named as the input (sanitized by {@link FeatureNames#sanitize} only when the name is not
 * a valid column name, and prefixed by {@code input_} only when it would be a fixed column's name);
 * then one column per output, {@code output_<name>}. Names still taken get {@code _2}, {@code _3}, ...
 *
 * <p>A tensor whose rows each hold one element ({@code [n]}, {@code [n, 1]}, or a scalar, repeated on
 * every row) is a column of its element type; any other ({@code [n, K]}, {@code [n, K, M]}) is a column
 * of JSON text, the row's elements as nested arrays ({@code [0.7,0.2,0.1]}), because ingestion reads
 * scalar columns only. NaN and infinities are written as the JSON strings {@code "NaN"}, {@code
 * "Infinity"}, {@code "-Infinity"} (as Jackson writes them). Not thread-safe.
 */
final class SegmentSchema {
  /** The columns every segment starts with, in order. */
  static final List<String> FIXED =
      List.of("request_id", "time", "model", "version", "label", "method", "signature", "instance");

  static final String INPUT_PREFIX = "input_";
  static final String OUTPUT_PREFIX = "output_";

  /**
   * One tensor's column.
   *
   * @param json whether the column holds each row's elements as JSON text
   */
  record Column(String name, String tensor, boolean output, TensorData.DType type, boolean json) {}

  private final List<Column> columns;
  private Schema avro;

  private SegmentSchema(List<Column> columns) {
    this.columns = List.copyOf(columns);
  }

  /**
   * The columns of {@code request}'s segment.
   *
   * @throws IllegalArgumentException when the request lacks a field the log needs, or a tensor is null
   */
  static SegmentSchema of(LoggedRequest request) {
    checkArgument(request.requestId() != null, "a logged request needs a request id");
    checkArgument(request.time() != null, "a logged request needs a time");
    checkArgument(request.model() != null && !request.model().isEmpty(), "a logged request needs a model name");
    checkArgument(request.method() != null, "a logged request needs a method");
    checkArgument(request.signature() != null, "a logged request needs a signature");
    checkArgument(request.inputs() != null && request.outputs() != null, "a logged request needs inputs and outputs");
    Set<String> taken = new HashSet<>(FIXED);
    List<Column> columns = new ArrayList<>();
    for (String name : new TreeSet<>(request.inputs().keySet())) {
      TensorData t = tensor(request.inputs(), name, "input");
      String base = FeatureNames.isValid(name) ? name : FeatureNames.sanitize(name);
      String column = unique(FIXED.contains(base) ? INPUT_PREFIX + base : base, taken);
      columns.add(new Column(column, name, false, t.type(), !oneElementPerRow(t)));
    }
    for (String name : new TreeSet<>(request.outputs().keySet())) {
      TensorData t = tensor(request.outputs(), name, "output");
      String column = unique(OUTPUT_PREFIX + (FeatureNames.isValid(name) ? name : FeatureNames.sanitize(name)), taken);
      columns.add(new Column(column, name, true, t.type(), !oneElementPerRow(t)));
    }
    return new SegmentSchema(columns);
  }

  private static TensorData tensor(Map<String, TensorData> tensors, String name, String what) {
    checkArgument(name != null, "a logged request has an %s without a name", what);
    TensorData t = tensors.get(name);
    checkArgument(t != null, "%s '%s' of a logged request is null", what, name);
    return t;
  }

  /** {@code name}, else {@code name_2}, {@code name_3}, ...: the first not in {@code taken}, which it joins. */
  private static String unique(String name, Set<String> taken) {
    String out = name;
    for (int k = 2; !taken.add(out); k++) {
      out = name + "_" + k;
    }
    return out;
  }

  /** Whether every row of {@code t} holds one element: a scalar, {@code [n]}, {@code [n, 1, ...]}. */
  static boolean oneElementPerRow(TensorData t) {
    long[] shape = t.shape();
    for (int d = 1; d < shape.length; d++) {
      if (shape[d] != 1) {
        return false;
      }
    }
    return true;
  }

  /** The tensor columns, inputs then outputs. */
  List<Column> columns() {
    return columns;
  }

  /** The Avro schema of the segment's rows: the fixed columns, then the tensors'. */
  Schema avro() {
    if (avro == null) {
      SchemaBuilder.FieldAssembler<Schema> f =
          SchemaBuilder.record("LoggedRequest").namespace("dev.beamline.serving.log").fields()
              .requiredString("request_id")
              .name("time").type(LogicalTypes.timestampMicros().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
              .requiredString("model")
              .requiredLong("version")
              .optionalString("label")
              .requiredString("method")
              .requiredString("signature")
              .requiredInt("instance");
      for (Column c : columns) {
        f = c.json() ? f.requiredString(c.name()) : switch (c.type()) {
          case FLOAT -> f.requiredFloat(c.name());
          case DOUBLE -> f.requiredDouble(c.name());
          case INT32 -> f.requiredInt(c.name());
          case INT64 -> f.requiredLong(c.name());
          case BOOL -> f.requiredBoolean(c.name());
          case STRING -> f.requiredString(c.name());
        };
      }
      avro = f.endRecord();
    }
    return avro;
  }

  /**
   * The number of instances of {@code request}: the rows of its tensors, which must agree (a scalar
   * tensor counts for every row); 1 when every tensor is a scalar.
   *
   * @throws IllegalArgumentException when two tensors have different numbers of rows
   */
  static int instances(LoggedRequest request) {
    int n = -1;
    String first = null;
    for (Map<String, TensorData> tensors : List.of(request.inputs(), request.outputs())) {
      for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
        TensorData t = e.getValue();
        if (t.rank() == 0) {
          continue;
        }
        if (n < 0) {
          n = t.rows();
          first = e.getKey();
        } else {
          checkArgument(
              t.rows() == n, "tensor '%s' has %s rows, tensor '%s' %s: one row per instance", e.getKey(), t.rows(), first, n);
        }
      }
    }
    return n < 0 ? 1 : n;
  }

  /**
   * The rows of {@code request}, one per instance, in the columns of this schema (which must be {@link
   * #of}{@code (request)}'s).
   *
   * @throws IllegalArgumentException when the tensors' rows disagree or the time is out of range
   */
  List<GenericRecord> rows(LoggedRequest request) {
    int n = instances(request);
    Schema schema = avro();
    Utf8 requestId = new Utf8(request.requestId());
    long micros = micros(request.time());
    Utf8 model = new Utf8(request.model());
    Utf8 label = request.label() == null ? null : new Utf8(request.label());
    Utf8 method = new Utf8(request.method());
    Utf8 signature = new Utf8(request.signature());
    TensorData[] tensors = new TensorData[columns.size()];
    for (int c = 0; c < tensors.length; c++) {
      Column column = columns.get(c);
      tensors[c] = (column.output() ? request.outputs() : request.inputs()).get(column.tensor());
    }
    List<GenericRecord> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      GenericData.Record r = new GenericData.Record(schema);
      r.put(0, requestId);
      r.put(1, micros);
      r.put(2, model);
      r.put(3, request.version());
      r.put(4, label);
      r.put(5, method);
      r.put(6, signature);
      r.put(7, i);
      for (int c = 0; c < tensors.length; c++) {
        TensorData t = tensors[c];
        r.put(FIXED.size() + c, columns.get(c).json() ? new Utf8(json(t, i)) : element(t, t.rank() == 0 ? 0 : i));
      }
      rows.add(r);
    }
    return rows;
  }

  private static long micros(Instant time) {
    try {
      return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1000);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("time " + time + " is out of the range of microseconds since 1970", e);
    }
  }

  /** Element {@code i} (row-major) of {@code t} as the Avro value of its column. */
  private static Object element(TensorData t, int i) {
    return switch (t.type()) {
      case FLOAT -> ((float[]) t.values())[i];
      case DOUBLE -> ((double[]) t.values())[i];
      case INT32 -> ((int[]) t.values())[i];
      case INT64 -> ((long[]) t.values())[i];
      case BOOL -> ((boolean[]) t.values())[i];
      // The bytes as they are: a string tensor need not hold UTF-8.
      case STRING -> new Utf8(((byte[][]) t.values())[i]);
    };
  }

  /** Row {@code row} of {@code t} as JSON: its elements nested by the dimensions after the first. */
  static String json(TensorData t, int row) {
    long[] shape = t.shape();
    StringBuilder out = new StringBuilder();
    json(t, shape, 1, row * t.rowSize(), out);
    return out.toString();
  }

  /** Appends the elements from {@code offset} spanned by dimensions {@code dim..} of {@code shape}. */
  private static int json(TensorData t, long[] shape, int dim, int offset, StringBuilder out) {
    if (dim == shape.length) {
      appendElement(t, offset, out);
      return offset + 1;
    }
    out.append('[');
    for (long j = 0; j < shape[dim]; j++) {
      if (j > 0) {
        out.append(',');
      }
      offset = json(t, shape, dim + 1, offset, out);
    }
    out.append(']');
    return offset;
  }

  private static void appendElement(TensorData t, int i, StringBuilder out) {
    switch (t.type()) {
      case FLOAT -> {
        float v = ((float[]) t.values())[i];
        appendNumber(Float.isFinite(v), Float.toString(v), out);
      }
      case DOUBLE -> {
        double v = ((double[]) t.values())[i];
        appendNumber(Double.isFinite(v), Double.toString(v), out);
      }
      case INT32 -> out.append(((int[]) t.values())[i]);
      case INT64 -> out.append(((long[]) t.values())[i]);
      case BOOL -> out.append(((boolean[]) t.values())[i]);
      case STRING -> {
        out.append('"');
        JsonStringEncoder.getInstance().quoteAsString(new String(((byte[][]) t.values())[i], StandardCharsets.UTF_8), out);
        out.append('"');
      }
    }
  }

  private static void appendNumber(boolean finite, String text, StringBuilder out) {
    if (finite) {
      out.append(text);
    } else {
      out.append('"').append(text).append('"');
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SegmentSchema s && s.columns.equals(columns);
  }

  @Override
  public int hashCode() {
    return columns.hashCode();
  }

  @Override
  public String toString() {
    return "SegmentSchema" + columns;
  }
}
