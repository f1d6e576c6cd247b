package dev.beamline.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.Storage;
import dev.beamline.training.ModelSpec.Input;
import dev.beamline.training.ModelSpec.RawInput;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.FittedTransform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TString;

/**
 * Writes a trained model as a TensorFlow SavedModel (tag {@code serve}) whose {@value #SERVING}
 * signature takes the RAW features and computes the transform inside the graph ({@link
 * TransformOps}), so nothing has to be preprocessed in front of it.
 *
 * <h2>Signatures</h2>
 *
 * <ul>
 *   <li>{@value #SERVING}: one input per raw feature a model feature reads, named as the raw feature,
 *       shape {@code [batch]}: {@code DT_DOUBLE} for int, float and boolean features (NaN = missing),
 *       {@code DT_INT64} microseconds for timestamps ({@link Long#MIN_VALUE} = missing), {@code
 *       DT_STRING} for strings ("" = missing).
 *   <li>{@value #TRANSFORMED}: the same network on already transformed features, one input per model
 *       feature with the Parquet column's type and shape (the training-time input).
 * </ul>
 *
 * Outputs of both: classification {@code probabilities} (float32 {@code [batch, K]}), {@code
 * class_ids} (int64 {@code [batch]}), {@code classes} (string {@code [batch]}: the label's vocabulary
 * entry, else the id as text); regression {@code predictions} (float32 {@code [batch]}) in the label's
 * own units: the network's output with the label's z-score or min-max and log steps undone in the
 * graph ({@link LabelUnits}: float64 arithmetic, cast to float32), and, when the label has such a step,
 * {@code predictions_transformed} (float32 {@code [batch]}), the network's output itself, in the
 * transformed units it was trained on. Clipping is not undone: a clipped label's predictions are in the
 * units of its clipped range. A label with neither step has {@code predictions} only, already in its
 * units.
 *
 * <p>Vocabulary tables are filled by the graph's {@code Init} op, registered as the SavedModel's main
 * op ({@code saved_model_main_op}), which TensorFlow's loaders run after restoring the variables.
 *
 * <p>Beside the model, {@code assets.extra/} holds {@code provenance.json} (see {@link #provenance}),
 * {@code training_history.json} and {@code model.json} (task, label, classes, inputs and outputs; for a
 * regression whose label is scaled or logged, {@code label_inverse}: the formula from a transformed
 * value {@code y} to the label's units, e.g. {@code exp(y * 0.8 + 7.9) - 1.0}), and for a classifier
 * {@value #LABEL_TRANSFORM}/, the label's fitted transform ({@link FittedTransform}), which maps a raw
 * label to its class id as training saw it.
 *
 * <pre>{@code
 * try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve");
 *      TString island = TString.vectorOf("Biscoe"); TFloat64 bill = TFloat64.vectorOf(39.1)) {
 *   Result r = b.function("serving_default").call(Map.of("island", island, "bill_length_mm", bill));
 * }
 * }</pre>
 */
public final class SavedModelExport {
  /** The method name of both signatures, as TF Serving's predict API expects it. */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  /** The signature over raw features. */
  public static final String SERVING = Signature.DEFAULT_KEY;
  /** The signature over transformed features. */
  public static final String TRANSFORMED = "transformed";
  /** The folder of extra files beside the SavedModel. */
  public static final String EXTRA = "assets.extra";
  /** Inside {@link #EXTRA}: a classifier's label transform, the raw label column to its class id. */
  public static final String LABEL_TRANSFORM = "label_transform";

  private static final String MAIN_OP_COLLECTION = "saved_model_main_op";
  private static final String INIT_OP = "Init";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper SNAKE = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
  /** The TensorFlow Java release this module is built with. */
  static final String TENSORFLOW_JAVA = "1.1.0";

  private SavedModelExport() {}

  /**
   * Exports into a staging folder beside {@code target}, then renames it onto {@code target}.
   *
   * @throws UncheckedIOException when {@code target} exists or cannot be written
   */
  public static void publish(ModelSpec spec, Weights weights, TrainingHistory history, String provenanceJson, Path target) {
    publish(spec, weights, history, PrivacyGuarantee.NONE, provenanceJson, target);
  }

  /** The same for a model with this privacy guarantee (recorded in {@code model.json}). */
  public static void publish(ModelSpec spec, Weights weights, TrainingHistory history, PrivacyGuarantee privacy, String provenanceJson,
      Path target) {
    Path staging = target.toAbsolutePath().resolveSibling(".staging-" + target.getFileName());
    Storage.deleteRecursively(staging.toString());
    write(spec, weights, history, privacy, provenanceJson, staging);
    Storage.publish(staging.toString(), target.toAbsolutePath().toString());
  }

  /** Writes the SavedModel and its extra files into {@code dir} (created if missing). */
  public static void write(ModelSpec spec, Weights weights, TrainingHistory history, String provenanceJson, Path dir) {
    write(spec, weights, history, PrivacyGuarantee.NONE, provenanceJson, dir);
  }

  /** The same for a model with this privacy guarantee (recorded in {@code model.json}). */
  public static void write(ModelSpec spec, Weights weights, TrainingHistory history, PrivacyGuarantee privacy, String provenanceJson, Path dir) {
    try {
      Files.createDirectories(dir);
      exportGraph(spec, weights, dir);
      registerMainOp(dir.resolve("saved_model.pb"));
      Path extra = dir.resolve(EXTRA);
      Files.createDirectories(extra);
      if (provenanceJson != null) {
        Storage.writeString(extra.resolve("provenance.json").toString(), provenanceJson);
      }
      if (history != null) {
        Storage.writeString(extra.resolve("training_history.json").toString(), history.toJson());
      }
      Storage.writeString(extra.resolve("model.json").toString(), describe(spec, privacy));
      if (spec.classification()) {
        // The label's own fitted transform (a vocabulary, a threshold), so that evaluation maps a raw
        // label to its class as the transform stage did for training.
        FittedFeature label = spec.label();
        ExampleSchema raw = ExampleSchema.of(List.of(FeatureSpec.of(label.spec().input(), label.inputType())));
        FittedTransform.of(raw, List.of(label)).write(extra.resolve(LABEL_TRANSFORM));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export the model to " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void exportGraph(ModelSpec spec, Weights weights, Path dir) throws IOException {
    List<FittedFeature> features = spec.features();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, Placeholder<?>> raw = TransformOps.rawInputs(tf, features);
      Map<String, Operand<?>> transformed = TransformOps.apply(tf, features, raw);
      Map<String, Placeholder<?>> direct = new LinkedHashMap<>();
      for (FittedFeature f : features) {
        direct.put(f.name(), tf.withSubScope("transformed").withName(f.name())
            .placeholder(TransformOps.transformedType(f.kind()), Placeholder.shape(TransformOps.transformedShape(f))));
      }
      ModelGraph model = ModelGraph.create(tf, spec);
      Operand<TString> classNames = spec.classification()
          ? tf.constant(NdArrays.vectorOfObjects(spec.classNames().toArray(new String[0])))
          : null;
      Signature.Builder serving = Signature.builder().key(SERVING).methodName(PREDICT_METHOD);
      raw.forEach(serving::input);
      outputs(tf.withSubScope("serving"), spec, model.forward(tf.withSubScope("serving"), transformed, 0, 0), classNames, serving);
      Signature.Builder onTransformed = Signature.builder().key(TRANSFORMED).methodName(PREDICT_METHOD);
      direct.forEach(onTransformed::input);
      outputs(tf.withSubScope("direct"), spec, model.forward(tf.withSubScope("direct"), direct, 0, 0), classNames, onTransformed);
      try (Session session = new Session(g)) {
        session.initialize();
        model.load(session, weights);
        SavedModelBundle.exporter(dir.toString())
            .withFunction(SessionFunction.create(serving.build(), session))
            .withFunction(SessionFunction.create(onTransformed.build(), session))
            .export();
      }
    }
  }

  private static void outputs(Ops tf, ModelSpec spec, ModelGraph.Outputs out, Operand<TString> classNames, Signature.Builder sig) {
    if (spec.classification()) {
      sig.output("probabilities", tf.withName("probabilities").identity(out.probabilities()));
      sig.output("class_ids", tf.withName("class_ids").identity(out.classIds()));
      sig.output("classes", tf.withName("classes").gather(classNames, out.classIds(), tf.constant(0)));
    } else {
      LabelUnits units = spec.labelUnits();
      sig.output("predictions", tf.withName("predictions").identity(units.toRaw(tf.withSubScope("label_units"), out.predictions())));
      if (!units.identity()) {
        sig.output("predictions_transformed", tf.withName("predictions_transformed").identity(out.predictions()));
      }
    }
  }

  /**
   * Registers the graph's {@code Init} op (the vocabulary tables' initializers) as the main op, which
   * the exporter of TensorFlow Java does not record: loaders run it after restoring the variables.
   */
  private static void registerMainOp(Path savedModel) throws IOException {
    SavedModel model = SavedModel.parseFrom(Files.readAllBytes(savedModel));
    boolean hasInit = false;
    for (NodeDef n : model.getMetaGraphs(0).getGraphDef().getNodeList()) {
      hasInit |= n.getName().equals(INIT_OP);
    }
    if (!hasInit) {
      return;
    }
    SavedModel.Builder b = model.toBuilder();
    b.getMetaGraphsBuilder(0).putCollectionDef(MAIN_OP_COLLECTION,
        CollectionDef.newBuilder().setNodeList(CollectionDef.NodeList.newBuilder().addValue(INIT_OP)).build());
    Files.write(savedModel, b.build().toByteArray());
  }

  /**
   * The provenance of a trained model: {@code base} (the run's facts, a JSON object; may be null) with
   * a {@code training} section added: the data folder, the full training configuration, the
   * TensorFlow versions, the resolved task, label, classes and inputs, and the outcome (epochs, best
   * epoch, its losses).
   */
  public static String provenance(String base, String dataDir, ModelSpec spec, TrainingHistory history) {
    return provenance(base, dataDir, spec, history, PrivacyGuarantee.NONE);
  }

  /** The same with the model's privacy guarantee in the {@code training} section. */
  public static String provenance(String base, String dataDir, ModelSpec spec, TrainingHistory history, PrivacyGuarantee privacy) {
    try {
      ObjectNode root = base == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(base);
      ObjectNode t = root.putObject("training");
      t.put("data", dataDir);
      t.set("config", SNAKE.valueToTree(spec.config()));
      t.put("tensorflow_java", TENSORFLOW_JAVA);
      t.put("tensorflow", org.tensorflow.TensorFlow.version());
      t.put("task", spec.task().name().toLowerCase());
      t.put("label", spec.label().name());
      if (spec.classification()) {
        ArrayNode classes = t.putArray("classes");
        spec.classNames().forEach(classes::add);
      }
      ArrayNode inputs = t.putArray("features");
      spec.inputs().forEach(in -> inputs.add(in.name()));
      ArrayNode raw = t.putArray("raw_inputs");
      spec.rawInputs().forEach(r -> raw.add(r.name()));
      if (history != null) {
        t.put("epochs", history.epochs().size());
        t.put("steps", history.steps());
        t.put("best_epoch", history.bestEpoch());
        t.put("stopped_early", history.stoppedEarly());
        t.put("train_loss", history.best().trainLoss());
        history.best().evalMetrics().forEach(t::put);
      }
      t.set("privacy", privacy.toJson());
      return JSON.writeValueAsString(root);
    } catch (IOException | ClassCastException e) {
      throw new IllegalArgumentException("the base provenance is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static String describe(ModelSpec spec, PrivacyGuarantee privacy) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    // The model carries its guarantee wherever it is copied or pushed: the server and push read it from here.
    root.set("privacy", privacy.toJson());
    root.put("task", spec.task().name().toLowerCase());
    root.put("model", spec.config().model().name().toLowerCase());
    root.put("label", spec.label().name());
    // The raw column the label is computed from: what evaluation reads from raw rows.
    root.put("label_input", spec.label().spec().input());
    if (spec.classification()) {
      ArrayNode classes = root.putArray("classes");
      spec.classNames().forEach(classes::add);
    }
    ObjectNode rawInputs = root.putObject("serving_inputs");
    for (RawInput r : spec.rawInputs()) {
      rawInputs.put(r.name(), switch (r.family()) {
        case NUMERIC -> "DT_DOUBLE [batch], NaN = missing";
        case TIMESTAMP -> "DT_INT64 [batch] microseconds since the epoch, Long.MIN_VALUE = missing";
        case STRING -> "DT_STRING [batch], \"\" = missing";
      });
    }
    ObjectNode features = root.putObject("transformed_inputs");
    List<Input> deep = spec.deepInputs();
    List<Input> wide = spec.wideInputs();
    for (Input in : spec.inputs()) {
      String parts = wide.isEmpty() ? "" : (deep.contains(in) ? " (deep" + (wide.contains(in) ? " and wide)" : ")") : " (wide)");
      features.put(in.name(), in.feature().kind() + " width " + in.feature().width() + " as " + in.encoding().name().toLowerCase()
          + (in.embeddingDim() > 0 && deep.contains(in) ? " dim " + in.embeddingDim() : "")
          + (in.pretrained() != null && deep.contains(in)
              ? ", " + in.pretrained().size() + " rows from pretrained vectors" + (in.frozenRows() > 0 ? " (frozen)" : "") : "")
          + parts);
    }
    ObjectNode outputs = root.putObject("outputs");
    if (spec.classification()) {
      outputs.put("probabilities", "DT_FLOAT [batch, " + spec.numClasses() + "]");
      outputs.put("class_ids", "DT_INT64 [batch]");
      outputs.put("classes", "DT_STRING [batch]");
    } else {
      LabelUnits units = spec.labelUnits();
      outputs.put("predictions", "DT_FLOAT [batch] in the label's own units");
      if (!units.identity()) {
        outputs.put("predictions_transformed", "DT_FLOAT [batch] in the label's transformed units");
        root.put("label_inverse", units.formula());
      }
    }
    ArrayNode signatures = root.putArray("signatures");
    signatures.add(SERVING);
    signatures.add(TRANSFORMED);
    return JSON.writeValueAsString(root);
  }
}
