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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
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
 * <p>The model is rendered in memory ({@link #render}, a {@link ModelFiles}) and every file written
 * through {@link Storage}: TensorFlow saves the variables into its in-process RAM file system ({@link
 * RamFiles}), so no file of the model is ever written to local disk but through {@link Storage}.
 *
 * <p>Beside the model, {@code assets.extra/} holds {@code provenance.json} (see {@link #provenance}),
 * {@code training_history.json} and {@code model.json} (task, label, classes, inputs and outputs; for a
 * regression whose label is scaled or logged, {@code label_inverse}: the formula from a transformed
 * value {@code y} to the label's units, e.g. {@code exp(y * 0.8 + 7.9) - 1.0}), and for a classifier
 * {@value #LABEL_TRANSFORM}/, the label's fitted transform ({@link FittedTransform}), which maps a raw
 * label to its class id as training saw it.
 *
 * <pre>{@code
 * try (ServingModel m = ServingModel.load(dir);   // read through Storage, loaded from memory
 *      TString island = TString.vectorOf("Biscoe"); TFloat64 bill = TFloat64.vectorOf(39.1);
 *      Result r = m.call(SavedModelExport.SERVING, Map.of("island", island, "bill_length_mm", bill))) {
 *   float[] p = Tensors.toFloats(r.get("probabilities").get());
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
  /** The SavedModel's graph, tags and signatures, beside its {@code variables/} folder. */
  static final String SAVED_MODEL = "saved_model.pb";
  /** The prefix of the variables' checkpoint inside the SavedModel folder. */
  static final String VARIABLES = "variables/variables";
  /**
   * How the variables are saved and restored: the ops TensorFlow Java's {@code Session.save} adds to a
   * graph (under {@code save/}), named as its {@code Graph.saverDef()} names them.
   */
  private static final SaverDef SAVER = SaverDef.newBuilder()
      .setFilenameTensorName("save/filename:0")
      .setSaveTensorName("save/control_dependency")
      .setRestoreOpName("save/restore_all")
      .build();
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
    write(spec, weights, history, privacy, provenanceJson, dir.toString());
  }

  /**
   * Writes the SavedModel and its extra files into the folder {@code dir} (a path or a URI of any file
   * system Beam supports): every file through {@link Storage}, none through local disk (see {@link
   * #render}).
   */
  public static void write(ModelSpec spec, Weights weights, TrainingHistory history, PrivacyGuarantee privacy, String provenanceJson, String dir) {
    render(spec, weights, history, privacy, provenanceJson).writeTo(dir);
    if (spec.classification()) {
      // The label's own fitted transform (a vocabulary, a threshold), so that evaluation maps a raw
      // label to its class as the transform stage did for training. It writes its files through Storage.
      FittedFeature label = spec.label();
      ExampleSchema raw = ExampleSchema.of(List.of(FeatureSpec.of(label.spec().input(), label.inputType())));
      FittedTransform.of(raw, List.of(label)).write(Storage.resolve(Storage.resolve(dir, EXTRA), LABEL_TRANSFORM));
    }
  }

  /**
   * The model's files, in memory: {@code saved_model.pb}, {@code variables/variables.index} and {@code
   * variables/variables.data-00000-of-00001}, and in {@link #EXTRA} {@code provenance.json} (when
   * {@code provenanceJson} is not null), {@code training_history.json} (when {@code history} is not
   * null) and {@code model.json}. The label transform of a classifier, which {@link FittedTransform}
   * writes itself, is not among them: {@link #write} adds it. TensorFlow saves the variables into its
   * in-process RAM file system ({@link RamFiles}), never onto local disk.
   */
  public static ModelFiles render(ModelSpec spec, Weights weights, TrainingHistory history, PrivacyGuarantee privacy, String provenanceJson) {
    Map<String, byte[]> files = new LinkedHashMap<>(exportGraph(spec, weights));
    if (provenanceJson != null) {
      files.put(EXTRA + "/provenance.json", provenanceJson.getBytes(StandardCharsets.UTF_8));
    }
    if (history != null) {
      files.put(EXTRA + "/training_history.json", history.toJson().getBytes(StandardCharsets.UTF_8));
    }
    try {
      files.put(EXTRA + "/model.json", describe(spec, privacy).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot describe the model: " + e.getMessage(), e);
    }
    return new ModelFiles(files);
  }

  private static Map<String, byte[]> exportGraph(ModelSpec spec, Weights weights) {
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
        return savedModel(session, List.of(serving.build(), onTransformed.build()));
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
   * The SavedModel (tag {@code serve}) of {@code session}'s graph and variables with {@code signatures}:
   * {@code saved_model.pb} and the {@code variables/} checkpoint, by path, in memory.
   *
   * <p>It is the SavedModel that TensorFlow Java's {@code SavedModelBundle.exporter(dir).export()}
   * writes (the same saver, graph, tags and signatures), built here because that exporter writes to
   * local files only: it joins {@code variables} onto the folder with {@link java.nio.file.Paths},
   * which turns {@code ram://m} into a local folder, and writes {@code saved_model.pb} with a {@link
   * java.io.FileOutputStream}. The checkpoint is saved by TensorFlow itself into a {@code ram://}
   * folder of its own, read back and cleared there; the graph's {@code Init} op is registered as the
   * main op ({@link #registerMainOp}).
   */
  static Map<String, byte[]> savedModel(Session session, List<Signature> signatures) {
    String folder = RamFiles.newFolder("beamline-savedmodel");
    // Saving first adds the saver's ops to the graph (save/...), which the meta graph must hold.
    session.save(folder + "/" + VARIABLES);
    Map<String, byte[]> variables = RamFiles.read(folder, "variables/*");
    RamFiles.clear(folder, variables.keySet());
    Graph graph = session.graph();
    MetaGraphDef.Builder meta = MetaGraphDef.newBuilder()
        .setSaverDef(SAVER)
        .setGraphDef(graph.toGraphDef())
        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags(SavedModelBundle.DEFAULT_TAG));
    for (Signature s : signatures) {
      meta.putSignatureDef(s.key(), signatureDef(graph, s));
    }
    registerMainOp(meta);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(SAVED_MODEL, SavedModel.newBuilder().addMetaGraphs(meta).build().toByteArray());
    files.putAll(variables);
    return files;
  }

  /** {@code s} as its proto, each tensor described from the graph as TensorFlow Java's {@code Signature.Builder} describes it. */
  private static SignatureDef signatureDef(Graph graph, Signature s) {
    SignatureDef.Builder b = SignatureDef.newBuilder().setMethodName(s.methodName());
    s.getInputs().forEach((name, t) -> b.putInputs(name, tensorInfo(graph, t.name)));
    s.getOutputs().forEach((name, t) -> b.putOutputs(name, tensorInfo(graph, t.name)));
    return b.build();
  }

  /**
   * The tensor {@code name} ({@code op:index}) of {@code graph}, with its type and shape as the graph
   * infers them; from the graph rather than from {@link Signature.TensorDescription}, whose shape cannot
   * tell an unknown rank from a scalar.
   */
  private static TensorInfo tensorInfo(Graph graph, String name) {
    int colon = name.lastIndexOf(':');
    Output<?> out = graph.operation(name.substring(0, colon)).output(Integer.parseInt(name.substring(colon + 1)));
    Shape shape = out.shape();
    TensorShapeProto.Builder proto = TensorShapeProto.newBuilder();
    if (shape.isUnknown()) {
      proto.setUnknownRank(true);
    } else {
      for (int i = 0; i < shape.numDimensions(); i++) {
        proto.addDim(TensorShapeProto.Dim.newBuilder().setSize(shape.get(i)));
      }
    }
    return TensorInfo.newBuilder().setName(name).setDtype(out.dataType()).setTensorShape(proto).build();
  }

  /**
   * Registers the graph's {@code Init} op (the vocabulary tables' initializers) as the main op, which
   * the exporter of TensorFlow Java does not record: loaders run it after restoring the variables.
   */
  private static void registerMainOp(MetaGraphDef.Builder meta) {
    boolean hasInit = false;
    for (NodeDef n : meta.getGraphDef().getNodeList()) {
      hasInit |= n.getName().equals(INIT_OP);
    }
    if (hasInit) {
      meta.putCollectionDef(MAIN_OP_COLLECTION,
          CollectionDef.newBuilder().setNodeList(CollectionDef.NodeList.newBuilder().addValue(INIT_OP)).build());
    }
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
