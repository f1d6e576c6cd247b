package dev.beamline.serving.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.beamline.serving.server.Inference.Classification;
import dev.beamline.serving.server.Inference.ScoredClass;
import dev.beamline.serving.server.Inference.VersionStatus;
import dev.beamline.serving.server.TensorData.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TF Serving's REST JSON mapping ({@code api_rest.md}): request bodies into tensors and examples,
 * answers into JSON. Numbers without a fraction become int64 tensors, others float64 (the signature
 * converts them to its inputs' types); strings become strings, {@code {"b64": ...}} binary strings;
 * {@code NaN}, {@code Infinity} and {@code -Infinity} are accepted and written bare, as TF Serving does;
 * {@code null} is a missing value (NaN for numbers, "" for strings: Beamline's missing markers).
 *
 * <p>A predict body's {@code instances} (row format) or {@code inputs} (columnar format) give one
 * tensor per input; a bare value or list instead of objects gives the one input of a single-input
 * signature, under the name {@value #ONLY_INPUT}.
 */
final class RestJson {
  /** The key of a tensor given without a name (for a single-input signature). */
  static final String ONLY_INPUT = "";

  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
      .build();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private RestJson() {}

  /** A parsed predict request. */
  record PredictBody(String signature, boolean rowFormat, Map<String, TensorData> inputs) {}

  /** A parsed classify or regress request. */
  record ExamplesBody(String signature, List<Map<String, List<Object>>> examples) {}

  static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ServingException.invalid("the request has no body: send a JSON object");
    }
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) {
        throw ServingException.invalid("the request body must be a JSON object");
      }
      return n;
    } catch (IOException e) {
      String m = e.getMessage();
      int nl = m == null ? -1 : m.indexOf('\n');
      throw ServingException.invalid("JSON Parse error: " + (nl < 0 ? m : m.substring(0, nl)));
    }
  }

  private static String signature(JsonNode body) {
    JsonNode s = body.get("signature_name");
    if (s == null || s.isNull()) {
      return null;
    }
    if (!s.isTextual()) {
      throw ServingException.invalid("'signature_name' must be a string");
    }
    return s.asText();
  }

  static PredictBody predict(JsonNode body) {
    JsonNode instances = body.get("instances");
    JsonNode inputs = body.get("inputs");
    if (instances != null && inputs != null) {
      throw ServingException.invalid("Not formatted correctly expecting only one of 'inputs' or 'instances' keys exists");
    }
    if (instances == null && inputs == null) {
      throw ServingException.invalid("Missing 'inputs' or 'instances' key");
    }
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    if (instances != null) {
      if (!instances.isArray() || instances.isEmpty()) {
        throw ServingException.invalid("'instances' must be a non-empty list");
      }
      if (instances.get(0).isObject() && !isB64(instances.get(0))) {
        List<String> names = new ArrayList<>();
        instances.get(0).fieldNames().forEachRemaining(names::add);
        for (String name : names) {
          List<JsonNode> column = new ArrayList<>();
          for (int i = 0; i < instances.size(); i++) {
            JsonNode inst = instances.get(i);
            if (!inst.isObject()) {
              throw ServingException.invalid("instance " + i + " is not an object, as instance 0 is");
            }
            if (!inst.has(name)) {
              throw ServingException.invalid("instance " + i + " has no value for input '" + name + "', which instance 0 has");
            }
            column.add(inst.get(name));
          }
          tensors.put(name, stack(column, name));
        }
        for (int i = 1; i < instances.size(); i++) {
          for (Iterator<String> it = instances.get(i).fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!tensors.containsKey(name)) {
              throw ServingException.invalid("instance " + i + " has input '" + name + "', which instance 0 lacks");
            }
          }
        }
      } else {
        List<JsonNode> column = new ArrayList<>();
        instances.forEach(column::add);
        tensors.put(ONLY_INPUT, stack(column, "instances"));
      }
      return new PredictBody(signature(body), true, tensors);
    }
    if (inputs.isObject() && !isB64(inputs)) {
      for (Iterator<Map.Entry<String, JsonNode>> it = inputs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        tensors.put(e.getKey(), tensor(e.getValue(), e.getKey()));
      }
    } else {
      tensors.put(ONLY_INPUT, tensor(inputs, "inputs"));
    }
    return new PredictBody(signature(body), false, tensors);
  }

  private static boolean isB64(JsonNode n) {
    return n.isObject() && n.size() == 1 && n.has("b64");
  }

  /** One tensor from its nested-list form. */
  static TensorData tensor(JsonNode value, String name) {
    List<Long> shape = new ArrayList<>();
    List<JsonNode> leaves = new ArrayList<>();
    flatten(value, 0, shape, leaves, name);
    long[] s = shape.stream().mapToLong(Long::longValue).toArray();
    return fromLeaves(leaves, s, name);
  }

  /** The instances' values of one input stacked into a tensor of shape {@code [n, ...]}. */
  private static TensorData stack(List<JsonNode> values, String name) {
    List<Long> shape = new ArrayList<>();
    List<JsonNode> leaves = new ArrayList<>();
    shape.add((long) values.size());
    List<Long> inner = null;
    for (int i = 0; i < values.size(); i++) {
      List<Long> si = new ArrayList<>();
      flatten(values.get(i), 0, si, leaves, name);
      if (inner == null) {
        inner = si;
      } else if (!inner.equals(si)) {
        throw ServingException.invalid("input '" + name + "' has shape " + si + " in instance " + i + " and " + inner
            + " in instance 0: every instance needs the same shape");
      }
    }
    shape.addAll(inner);
    return fromLeaves(leaves, shape.stream().mapToLong(Long::longValue).toArray(), name);
  }

  private static void flatten(JsonNode n, int depth, List<Long> shape, List<JsonNode> leaves, String name) {
    if (n.isArray()) {
      if (shape.size() == depth) {
        shape.add((long) n.size());
      } else if (shape.get(depth) != n.size()) {
        throw ServingException.invalid("input '" + name + "' is ragged: lists of " + shape.get(depth) + " and " + n.size()
            + " elements at depth " + depth);
      }
      for (JsonNode c : n) {
        flatten(c, depth + 1, shape, leaves, name);
      }
      return;
    }
    if (depth < shape.size()) {
      throw ServingException.invalid("input '" + name + "' is ragged: a value where a list was expected at depth " + depth);
    }
    leaves.add(n);
  }

  private static TensorData fromLeaves(List<JsonNode> leaves, long[] shape, String name) {
    boolean strings = false;
    boolean bools = false;
    boolean fractional = false;
    boolean numbers = false;
    for (JsonNode l : leaves) {
      if (l.isTextual() || isB64(l)) {
        strings = true;
      } else if (l.isBoolean()) {
        bools = true;
      } else if (l.isNumber()) {
        numbers = true;
        fractional |= !l.isIntegralNumber();
      } else if (!l.isNull()) {
        throw ServingException.invalid("input '" + name + "' holds " + l.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
            + " " + abbreviate(l.toString()) + ": give numbers, strings, booleans or {\"b64\": ...}");
      }
    }
    if ((strings ? 1 : 0) + (bools ? 1 : 0) + (numbers ? 1 : 0) > 1) {
      throw ServingException.invalid("input '" + name + "' mixes " + (strings ? "strings" : "booleans") + " and "
          + (numbers ? "numbers" : "booleans") + ": an input has one type");
    }
    int n = leaves.size();
    if (strings) {
      byte[][] b = new byte[n][];
      for (int i = 0; i < n; i++) {
        JsonNode l = leaves.get(i);
        b[i] = l.isNull() ? new byte[0] : isB64(l) ? b64(l, name) : l.asText().getBytes(StandardCharsets.UTF_8);
      }
      return TensorData.of(DType.STRING, shape, b);
    }
    if (bools) {
      boolean[] b = new boolean[n];
      for (int i = 0; i < n; i++) {
        if (leaves.get(i).isNull()) {
          throw ServingException.invalid("input '" + name + "' holds booleans and a null: a boolean cannot be missing");
        }
        b[i] = leaves.get(i).asBoolean();
      }
      return TensorData.of(DType.BOOL, shape, b);
    }
    boolean anyNull = leaves.stream().anyMatch(JsonNode::isNull);
    if (!fractional && !anyNull && numbers) {
      long[] a = new long[n];
      for (int i = 0; i < n; i++) {
        JsonNode l = leaves.get(i);
        if (!l.canConvertToLong()) {
          throw ServingException.invalid("input '" + name + "': " + l + " is out of the range of a 64-bit integer");
        }
        a[i] = l.asLong();
      }
      return TensorData.longs(a, shape);
    }
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      JsonNode l = leaves.get(i);
      a[i] = l.isNull() ? Double.NaN : l.asDouble();
    }
    return TensorData.doubles(a, shape);
  }

  private static byte[] b64(JsonNode l, String name) {
    try {
      return Base64.getDecoder().decode(l.get("b64").asText());
    } catch (IllegalArgumentException e) {
      throw ServingException.invalid("input '" + name + "': the b64 value is not base64: " + e.getMessage());
    }
  }

  static ExamplesBody examples(JsonNode body) {
    JsonNode examples = body.get("examples");
    if (examples == null || !examples.isArray() || examples.isEmpty()) {
      throw ServingException.invalid("'examples' must be a non-empty list of objects");
    }
    Map<String, List<Object>> context = new LinkedHashMap<>();
    JsonNode ctx = body.get("context");
    if (ctx != null && !ctx.isNull()) {
      if (!ctx.isObject()) {
        throw ServingException.invalid("'context' must be an object of features");
      }
      ctx.fields().forEachRemaining(e -> context.put(e.getKey(), feature(e.getValue(), e.getKey())));
    }
    List<Map<String, List<Object>>> out = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      JsonNode ex = examples.get(i);
      if (!ex.isObject()) {
        throw ServingException.invalid("example " + i + " is not an object of features");
      }
      Map<String, List<Object>> features = new LinkedHashMap<>(context);
      for (Iterator<Map.Entry<String, JsonNode>> it = ex.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (context.containsKey(e.getKey())) {
          throw ServingException.invalid("feature '" + e.getKey() + "' of example " + i + " is also in the context: a feature is in one of them");
        }
        features.put(e.getKey(), feature(e.getValue(), e.getKey()));
      }
      out.add(features);
    }
    return new ExamplesBody(signature(body), out);
  }

  private static List<Object> feature(JsonNode v, String name) {
    List<Object> out = new ArrayList<>();
    if (v.isArray()) {
      for (JsonNode e : v) {
        out.add(featureValue(e, name));
      }
    } else if (!v.isNull()) {
      out.add(featureValue(v, name));
    }
    return out;
  }

  private static Object featureValue(JsonNode v, String name) {
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.asLong();
    }
    if (v.isNumber()) {
      return v.asDouble();
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (isB64(v)) {
      return b64(v, name);
    }
    if (v.isBoolean()) {
      return v.asBoolean() ? 1L : 0L;
    }
    throw ServingException.invalid("feature '" + name + "' holds " + abbreviate(v.toString()) + ": give numbers, strings or {\"b64\": ...}");
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 60) + "...";
  }

  // ---- answers ----

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(Writer w) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] error(String message) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }

  /** Predict's answer: {@code predictions} per row for the row format, {@code outputs} for the columnar one. */
  static byte[] prediction(Map<String, TensorData> outputs, boolean rowFormat) {
    return write(g -> {
      g.writeStartObject();
      if (rowFormat) {
        g.writeFieldName("predictions");
        g.writeStartArray();
        int rows = outputs.values().iterator().next().rows();
        for (int r = 0; r < rows; r++) {
          if (outputs.size() == 1) {
            Map.Entry<String, TensorData> e = outputs.entrySet().iterator().next();
            row(g, e.getValue(), r, e.getKey().endsWith("_bytes"));
          } else {
            g.writeStartObject();
            for (Map.Entry<String, TensorData> e : outputs.entrySet()) {
              g.writeFieldName(e.getKey());
              row(g, e.getValue(), r, e.getKey().endsWith("_bytes"));
            }
            g.writeEndObject();
          }
        }
        g.writeEndArray();
      } else {
        g.writeFieldName("outputs");
        if (outputs.size() == 1) {
          Map.Entry<String, TensorData> e = outputs.entrySet().iterator().next();
          nested(g, e.getValue(), e.getKey().endsWith("_bytes"));
        } else {
          g.writeStartObject();
          for (Map.Entry<String, TensorData> e : outputs.entrySet()) {
            g.writeFieldName(e.getKey());
            nested(g, e.getValue(), e.getKey().endsWith("_bytes"));
          }
          g.writeEndObject();
        }
      }
      g.writeEndObject();
    });
  }

  private static void row(JsonGenerator g, TensorData t, int r, boolean binary) throws IOException {
    long[] shape = t.shape();
    int w = t.rowSize();
    values(g, t, shape, 1, r * w, binary);
  }

  private static void nested(JsonGenerator g, TensorData t, boolean binary) throws IOException {
    values(g, t, t.shape(), 0, 0, binary);
  }

  /** Writes the elements from {@code offset} of the sub-tensor whose dimensions start at {@code dim}. */
  private static int values(JsonGenerator g, TensorData t, long[] shape, int dim, int offset, boolean binary) throws IOException {
    if (dim == shape.length) {
      scalar(g, t, offset, binary);
      return offset + 1;
    }
    g.writeStartArray();
    int at = offset;
    for (long i = 0; i < shape[dim]; i++) {
      at = values(g, t, shape, dim + 1, at, binary);
    }
    g.writeEndArray();
    return at;
  }

  private static void scalar(JsonGenerator g, TensorData t, int i, boolean binary) throws IOException {
    switch (t.type()) {
      case FLOAT -> g.writeNumber(((float[]) t.values())[i]);
      case DOUBLE -> g.writeNumber(((double[]) t.values())[i]);
      case INT32 -> g.writeNumber(((int[]) t.values())[i]);
      case INT64 -> g.writeNumber(((long[]) t.values())[i]);
      case BOOL -> g.writeBoolean(((boolean[]) t.values())[i]);
      case STRING -> {
        byte[] b = ((byte[][]) t.values())[i];
        if (binary) {
          g.writeStartObject();
          g.writeStringField("b64", Base64.getEncoder().encodeToString(b));
          g.writeEndObject();
        } else {
          g.writeString(new String(b, StandardCharsets.UTF_8));
        }
      }
    }
  }

  static byte[] classification(Classification c) {
    return write(g -> {
      g.writeStartObject();
      g.writeFieldName("result");
      g.writeStartArray();
      for (List<ScoredClass> example : c.results()) {
        g.writeStartArray();
        for (ScoredClass s : example) {
          g.writeStartArray();
          g.writeString(s.label());
          g.writeNumber(s.score());
          g.writeEndArray();
        }
        g.writeEndArray();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  static byte[] regression(float[] values) {
    return write(g -> {
      g.writeStartObject();
      g.writeFieldName("result");
      g.writeStartArray();
      for (float v : values) {
        g.writeNumber(v);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** TF Serving's JSON of a {@code GetModelStatusResponse}. */
  static byte[] status(List<VersionStatus> versions) {
    return write(g -> {
      g.writeStartObject();
      g.writeFieldName("model_version_status");
      g.writeStartArray();
      for (VersionStatus v : versions) {
        g.writeStartObject();
        g.writeStringField("version", Long.toString(v.version()));
        g.writeStringField("state", v.state().name());
        g.writeFieldName("status");
        g.writeStartObject();
        g.writeStringField("error_code", v.ok() ? "OK" : v.errorCode().name());
        g.writeStringField("error_message", v.ok() ? "" : v.errorMessage());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** TF Serving's JSON of a {@code GetModelMetadataResponse}: the signature definitions in proto field names. */
  static byte[] metadata(Inference.Metadata m) {
    com.google.protobuf.util.JsonFormat.Printer printer = com.google.protobuf.util.JsonFormat.printer().preservingProtoFieldNames();
    StringBuilder sigs = new StringBuilder("{");
    boolean first = true;
    try {
      for (Map.Entry<String, org.tensorflow.proto.SignatureDef> e : new java.util.TreeMap<>(m.signatures()).entrySet()) {
        sigs.append(first ? "" : ",").append(JSON.writeValueAsString(e.getKey())).append(':').append(printer.print(e.getValue()));
        first = false;
      }
      sigs.append('}');
      JsonNode defs = JSON.readTree(sigs.toString());
      return write(g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("model_spec");
        g.writeStringField("name", m.model());
        g.writeStringField("signature_name", "");
        g.writeStringField("version", Long.toString(m.version()));
        g.writeEndObject();
        g.writeObjectFieldStart("metadata");
        g.writeObjectFieldStart("signature_def");
        g.writeFieldName("signature_def");
        JSON.writeTree(g, defs);
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
