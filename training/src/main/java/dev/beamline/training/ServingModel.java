package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.Storage;
import dev.beamline.training.ModelSpec.RawFamily;
import dev.beamline.transform.FittedTransform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;

/**
 * An exported SavedModel as serving uses it: loaded once, fed raw rows through its {@value
 * SavedModelExport#SERVING} signature (the transform runs inside the graph), answering per row the
 * class probabilities or the regression value. The evaluate stage, batch inference, infra validation
 * and the model server all score through this one class, so they all take the same path.
 *
 * <p>Rows are Avro records as ingestion reads them, in any column order and with any extra columns.
 * A value is converted to its input's tensor type the way {@link SavedModelExport} documents (numbers
 * and booleans to double, timestamps to microseconds, strings as they are; a missing value to the
 * graph's missing marker, which the transform fills in). A row whose value cannot be converted (text
 * in a numeric column, a record without the column) is not fed to the model: its {@link Scores#error}
 * says why, naming the column, and the other rows of the batch are scored.
 *
 * <p>Thread-safe: TensorFlow sessions run concurrent calls.
 *
 * <pre>{@code
 * try (ServingModel model = ServingModel.load("/runs/penguins/train/3")) {
 *   ServingModel.Scores s = model.score(rows);
 *   double pAdelie = s.probability(0, 0);
 * }
 * }</pre>
 */
public final class ServingModel implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String uri;
  private final SavedModelBundle bundle;
  private final Description description;
  /** A classifier's label transform, null for regression and for models exported without one. */
  private final FittedTransform labelTransform;
  private volatile Schema labelSchema;
  /** Raw label values already mapped to their class, at most {@value #LABEL_CACHE_SIZE} of them. */
  private final java.util.concurrent.ConcurrentHashMap<Object, Integer> labelClasses = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int LABEL_CACHE_SIZE = 100_000;

  /** What {@code assets.extra/model.json} says of the model: its task, label, classes and inputs. */
  public record Description(
      String task, String label, String labelInput, List<String> classes, Map<String, RawFamily> inputs) implements java.io.Serializable {
    public boolean classification() {
      return "classification".equals(task);
    }

    public int numClasses() {
      return classes.size();
    }
  }

  private ServingModel(String uri, SavedModelBundle bundle, Description description, FittedTransform labelTransform) {
    this.uri = uri;
    this.bundle = bundle;
    this.description = description;
    this.labelTransform = labelTransform;
  }

  /**
   * Loads the SavedModel in {@code dir} (a local path, or any Beam file system's URI) in a new
   * TensorFlow session. Its files are read through {@link Storage} and handed to TensorFlow in its
   * in-process RAM file system ({@link #loadInMemory}): the model is never copied to local disk.
   *
   * @throws IllegalArgumentException when {@code dir} holds no Beamline SavedModel
   */
  public static ServingModel load(String dir) {
    checkNotNull(dir, "dir");
    String modelJson = Storage.resolve(Storage.resolve(dir, SavedModelExport.EXTRA), "model.json");
    checkArgument(Storage.exists(Storage.resolve(dir, "saved_model.pb")) && Storage.exists(modelJson),
        "%s is not an exported Beamline model: it has no saved_model.pb and %s/model.json", dir, SavedModelExport.EXTRA);
    Description d = describe(Storage.readString(modelJson), dir);
    String labelDir = Storage.resolve(Storage.resolve(dir, SavedModelExport.EXTRA), SavedModelExport.LABEL_TRANSFORM);
    FittedTransform label = d.classification() && Storage.exists(Storage.resolve(labelDir, FittedTransform.TRANSFORM_FILE))
        ? FittedTransform.read(labelDir) : null;
    SavedModelBundle bundle = loadInMemory(dir);
    return new ServingModel(dir, bundle, d, label);
  }

  /** Parses a model's {@code model.json}; {@code dir} names it in errors. */
  static Description describe(String modelJson, String dir) {
    try {
      JsonNode root = JSON.readTree(modelJson);
      String task = root.path("task").asText();
      String label = root.path("label").asText();
      String labelInput = root.path("label_input").asText(label);
      List<String> classes = new ArrayList<>();
      root.path("classes").forEach(c -> classes.add(c.asText()));
      Map<String, RawFamily> inputs = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.path("serving_inputs").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String type = e.getValue().asText();
        inputs.put(e.getKey(), type.startsWith("DT_DOUBLE") ? RawFamily.NUMERIC : type.startsWith("DT_INT64") ? RawFamily.TIMESTAMP : RawFamily.STRING);
      }
      checkArgument(task.equals("classification") || task.equals("regression"), "%s/model.json: unknown task '%s'", dir, task);
      return new Description(task, label, labelInput, List.copyOf(classes), java.util.Collections.unmodifiableMap(inputs));
    } catch (IOException e) {
      throw new UncheckedIOException(dir + "/model.json is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Reads what a model folder's {@code model.json} says, without loading the model. */
  public static Description describe(String dir) {
    return describe(Storage.readString(Storage.resolve(Storage.resolve(dir, SavedModelExport.EXTRA), "model.json")), dir);
  }

  /**
   * Loads the SavedModel in {@code dir}: reads its files ({@code saved_model.pb}, {@code variables/},
   * {@code assets/}; not {@link SavedModelExport#EXTRA}, which TensorFlow does not read) with {@link
   * Storage#read}, writes them into a folder of their own in TensorFlow's RAM file system, and loads it
   * from there. TensorFlow has no op that deletes a file: once loaded (or when loading fails), each RAM
   * copy is replaced by a tiny placeholder ({@link RamFiles#clear}), which frees its bytes; only the
   * names and about 150 bytes a file stay behind.
   */
  private static SavedModelBundle loadInMemory(String dir) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String file : Storage.listRecursively(dir)) {
      String relative = Storage.relativize(dir, file);
      if (relative.equals(SavedModelExport.SAVED_MODEL) || relative.startsWith("variables/") || relative.startsWith("assets/")) {
        files.put(relative, Storage.read(file));
      }
    }
    String folder = RamFiles.newFolder("beamline-model");
    try {
      RamFiles.write(folder, files);
      return SavedModelBundle.load(folder, SavedModelBundle.DEFAULT_TAG);
    } finally {
      RamFiles.clear(folder, files.keySet());
    }
  }

  /** Where the model was loaded from. */
  public String uri() {
    return uri;
  }

  public Description description() {
    return description;
  }

  /** The scores of one batch of rows. */
  public static final class Scores {
    private final int rows;
    private final int width;
    private final float[] values;
    private final String[] errors;

    Scores(int rows, int width, float[] values, String[] errors) {
      this.rows = rows;
      this.width = width;
      this.values = values;
      this.errors = errors;
    }

    public int size() {
      return rows;
    }

    /** Why row {@code i} was not scored, or null when it was. */
    public String error(int i) {
      return errors[i];
    }

    public boolean scored(int i) {
      return errors[i] == null;
    }

    /** Row {@code i}'s probability of class {@code k} (classification). */
    public float probability(int i, int k) {
      return values[i * width + k];
    }

    /** Row {@code i}'s class probabilities (classification), a new array. */
    public double[] probabilities(int i) {
      double[] p = new double[width];
      for (int k = 0; k < width; k++) {
        p[k] = values[i * width + k];
      }
      return p;
    }

    /** Row {@code i}'s predicted value in the label's units (regression). */
    public float prediction(int i) {
      return values[i];
    }
  }

  /**
   * Scores {@code rows}: one call of the serving signature for the rows that convert; the others get
   * an error naming the column and the value.
   */
  public Scores score(List<GenericRecord> rows) {
    int n = rows.size();
    String[] errors = new String[n];
    Map<String, Object> columns = new LinkedHashMap<>();
    description.inputs().forEach((name, family) -> columns.put(name, switch (family) {
      case NUMERIC -> new double[n];
      case TIMESTAMP -> new long[n];
      case STRING -> new String[n];
    }));
    int ok = 0;
    int[] fed = new int[n];
    for (int i = 0; i < n; i++) {
      String error = convert(rows.get(i), ok, columns);
      if (error == null) {
        fed[ok++] = i;
      } else {
        errors[i] = error;
      }
    }
    int width = description.classification() ? description.numClasses() : 1;
    float[] values = new float[n * width];
    if (ok > 0) {
      float[] out = call(columns, ok);
      for (int j = 0; j < ok; j++) {
        System.arraycopy(out, j * width, values, fed[j] * width, width);
      }
    }
    return new Scores(n, width, values, errors);
  }

  /** Puts row {@code r}'s inputs at position {@code at} of {@code columns}; the reason it cannot, else null. */
  private String convert(GenericRecord r, int at, Map<String, Object> columns) {
    Schema schema = r.getSchema();
    for (Map.Entry<String, Object> c : columns.entrySet()) {
      String name = c.getKey();
      if (schema.getField(name) == null) {
        return "no column '" + name + "', which the model takes as an input";
      }
      Object v = r.get(name);
      try {
        if (c.getValue() instanceof double[] d) {
          d[at] = numeric(v);
        } else if (c.getValue() instanceof long[] l) {
          l[at] = timestamp(v);
        } else {
          ((String[]) c.getValue())[at] = v == null ? "" : text(v);
        }
      } catch (IllegalArgumentException e) {
        return "column '" + name + "': " + e.getMessage();
      }
    }
    return null;
  }

  private static double numeric(Object v) {
    if (v == null) {
      return Double.NaN;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof Boolean b) {
      return b ? 1 : 0;
    }
    String s = v.toString().trim();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + abbreviate(s) + "' is not a number, and the model takes a number");
    }
  }

  /**
   * A raw value as a timestamp input: microseconds since 1970 (a Long as it is, ISO-8601 text parsed as ingestion parses it;
   * null is the missing marker {@link Long#MIN_VALUE}). The one rule for timestamp inputs, here and in
   * the model server.
   *
   * @throws IllegalArgumentException for text that is not an ISO-8601 instant
   */
  public static long timestamp(Object v) {
    if (v == null) {
      return Long.MIN_VALUE;
    }
    if (v instanceof Long l) {
      return l;
    }
    String s = v.toString().trim();
    try {
      // Ingestion's own rule (an instant, a date-time taken as UTC, or a date at midnight UTC): the text a
      // column was trained from is read the same way when it is served.
      return dev.beamline.ingest.ValueParser.timestampMicros(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + abbreviate(s) + "' is not a timestamp (microseconds or ISO-8601), and the model takes one");
    }
  }

  /**
   * A raw value as the text of a category: its own text, but an integral double without its ".0" (3.0
   * read from a float column is the category "3" a string column would hold). The one rule for string
   * inputs, labels mapped by name and slice values.
   */
  public static String text(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      return Long.toString(d.longValue());
    }
    return v.toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  private float[] call(Map<String, Object> columns, int n) {
    Map<String, Tensor> args = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, Object> c : columns.entrySet()) {
        Object v = c.getValue();
        if (v instanceof double[] d) {
          args.put(c.getKey(), Tensors.doubles(d.length == n ? d : java.util.Arrays.copyOf(d, n), n));
        } else if (v instanceof long[] l) {
          args.put(c.getKey(), Tensors.longs(l.length == n ? l : java.util.Arrays.copyOf(l, n), n));
        } else {
          String[] s = (String[]) v;
          args.put(c.getKey(), Tensors.strings(s.length == n ? s : java.util.Arrays.copyOf(s, n)));
        }
      }
      String output = description.classification() ? "probabilities" : "predictions";
      try (Result r = bundle.function(SavedModelExport.SERVING).call(args)) {
        return Tensors.toFloats(r.get(output).orElseThrow(() -> new IllegalStateException(
            uri + ": the serving signature has no output '" + output + "'")));
      }
    } finally {
      args.values().forEach(Tensor::close);
    }
  }

  /**
   * The class of a classifier's raw row: its label column ({@link Description#labelInput()}) mapped by
   * the label's fitted transform (a vocabulary, a threshold), as the transform stage mapped it for
   * training; -1 when the label is missing or not one of the model's classes.
   */
  public int classOf(GenericRecord row) {
    String column = description.labelInput();
    return row.getSchema().getField(column) == null ? -1 : classOfLabel(row.get(column));
  }

  /**
   * The class of the raw label value {@code raw} (from whichever column holds it), or -1 when it is
   * null or not one of the model's classes. A model exported without its label transform maps the
   * label's text to the class of that name.
   */
  public int classOfLabel(Object raw) {
    if (raw == null) {
      return -1;
    }
    if (labelTransform == null) {
      return description.classes().indexOf(text(raw));
    }
    // Labels repeat (a few classes, a few thousand delays): each distinct value is transformed once.
    Object key = raw instanceof CharSequence cs ? cs.toString() : raw;
    Integer known = labelClasses.get(key);
    if (known != null) {
      return known;
    }
    int c = transformLabel(raw);
    if (labelClasses.size() < LABEL_CACHE_SIZE) {
      labelClasses.put(key, c);
    }
    return c;
  }

  private int transformLabel(Object raw) {
    Object id;
    try {
      GenericRecord one = new org.apache.avro.generic.GenericData.Record(labelSchema());
      one.put(0, raw);
      id = labelTransform.apply(one).get(description.label());
    } catch (RuntimeException e) {
      return -1; // a value the transform cannot read (text in a numeric label): no class
    }
    long c = id instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : -1;
    return c >= 0 && c < description.numClasses() ? (int) c : -1;
  }

  private Schema labelSchema() {
    Schema s = labelSchema;
    if (s == null) {
      s = labelTransform.rawSchema().toAvro();
      labelSchema = s;
    }
    return s;
  }

  /** The serving signature, as TensorFlow describes it. */
  public Signature signature() {
    return bundle.function(SavedModelExport.SERVING).signature();
  }

  /** Every signature of the model by key ({@value SavedModelExport#SERVING} first), as TensorFlow describes them. */
  public Map<String, Signature> signatures() {
    Map<String, Signature> out = new LinkedHashMap<>();
    out.put(SavedModelExport.SERVING, signature());
    for (Signature s : bundle.signatures()) {
      out.putIfAbsent(s.key(), s);
    }
    return out;
  }

  /** The signature definitions as the SavedModel's meta graph records them (what TF Serving's metadata API reports). */
  public Map<String, org.tensorflow.proto.SignatureDef> signatureDefs() {
    return bundle.metaGraphDef().getSignatureDefMap();
  }

  /**
   * Calls the signature {@code key} on {@code inputs} (one tensor per input, all with the same first
   * dimension); the caller closes the result and the inputs.
   *
   * @throws IllegalArgumentException when the model has no such signature
   */
  public Result call(String key, Map<String, Tensor> inputs) {
    checkArgument(bundle.metaGraphDef().getSignatureDefMap().containsKey(key), "%s has no signature '%s'", uri, key);
    return bundle.function(key).call(inputs);
  }

  @Override
  public void close() {
    bundle.close();
  }

  @Override
  public String toString() {
    return "ServingModel[" + uri + ", " + description.task().toLowerCase(Locale.ROOT) + "]";
  }
}
