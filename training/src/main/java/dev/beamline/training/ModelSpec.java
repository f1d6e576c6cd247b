package dev.beamline.training;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Task;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import dev.beamline.transform.WordVectors;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The model that a {@link TrainConfig} describes over a set of transformed features: the task, the
 * label, the features the network reads and how each one enters it (for a wide-and-deep model, which
 * of them its linear part and its DNN read), the class names, and the raw features that the exported
 * model takes (a cross takes those of the features it crosses). {@link #resolve} rejects a configuration that cannot work,
 * before any data is read, with a message that names the key, the value and what is allowed.
 *
 * <pre>{@code
 * ModelSpec spec = ModelSpec.resolve(TrainConfig.defaults("species"), fitted);
 * spec.task();        // CLASSIFICATION
 * spec.numClasses();  // 3
 * }</pre>
 */
public final class ModelSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The embedding size of an IDS feature when {@code embedding_dim} is 0. */
  public static final int DEFAULT_IDS_EMBEDDING_DIM = 8;

  /** How one transformed feature enters the network. */
  public enum InputEncoding {
    /** A FLOAT feature: one column. */
    SCALAR,
    /** A VECTOR feature (one-hot, multi-hot or tf-idf): its width in columns. */
    VECTOR,
    /** An ID feature fed one-hot: cardinality columns (id -1 is all zeros). */
    ONE_HOT,
    /** An ID feature through a learned embedding (id -1 is the zero vector). */
    EMBEDDING,
    /** An IDS feature: the mean of the embeddings of its ids, ignoring -1 (no ids: the zero vector). */
    MEAN_EMBEDDING,
    /**
     * An IDS feature encoded {@code embedding} with {@code pooling: sum}: the sum of the embeddings of
     * its ids, ignoring -1 (no ids: the zero vector).
     */
    SUM_EMBEDDING
  }

  /**
   * One transformed feature as the network reads it.
   *
   * @param feature the fitted transform that produces it
   * @param encoding how it enters the network
   * @param columns the columns it contributes to the input layer
   * @param embeddingDim the embedding size, 0 when not embedded
   */
  public record Input(FittedFeature feature, InputEncoding encoding, int columns, int embeddingDim)
      implements Serializable {
    public String name() {
      return feature.name();
    }

    /**
     * The pretrained vectors its embedding starts from, one per vocabulary id (rows {@code [0, V)} of
     * the table; the OOV buckets' rows start at random); null when every row starts at random.
     */
    public WordVectors pretrained() {
      return embeddingDim > 0 ? feature.vectors() : null;
    }

    /**
     * How many rows of its embedding stay as the pretrained vectors have them ({@code embedding:
     * {trainable: false}}): the first {@code V}, the vocabulary's; 0 when every row trains.
     */
    public int frozenRows() {
      FeatureTransform.Embedding e = feature.spec().effectiveEmbedding();
      return pretrained() != null && e != null && !e.trainable() ? pretrained().size() : 0;
    }
  }

  /** The family of a raw feature, which fixes its tensor type in the exported model. */
  public enum RawFamily {
    /** {@code int}, {@code float} or {@code boolean}: {@code DT_DOUBLE}, NaN when missing. */
    NUMERIC,
    /** {@code timestamp}: {@code DT_INT64} microseconds, {@link Long#MIN_VALUE} when missing. */
    TIMESTAMP,
    /** {@code string}: {@code DT_STRING}, the empty string when missing. */
    STRING;

    /** The family of a raw feature of type {@code inputType} ({@link FittedFeature#inputType()}). */
    public static RawFamily of(FeatureType inputType) {
      switch (inputType) {
        case INT:
        case FLOAT:
        case BOOLEAN:
          return NUMERIC;
        case TIMESTAMP:
          return TIMESTAMP;
        case STRING:
          return STRING;
        default:
          throw new AssertionError(inputType);
      }
    }
  }

  /** A raw feature that the exported model takes as an input. */
  public record RawInput(String name, RawFamily family) implements Serializable {}

  private final TrainConfig config;
  private final Task task;
  private final FittedFeature label;
  private final ImmutableList<Input> inputs;
  private final ImmutableList<String> classNames;
  private final ImmutableList<RawInput> rawInputs;
  /** The inputs of the linear part of a wide-and-deep model; empty otherwise. */
  private final ImmutableList<String> wide;
  /** The inputs of the network's input layer: all of them, except in a wide-and-deep model. */
  private final ImmutableList<String> deep;

  private ModelSpec(
      TrainConfig config,
      Task task,
      FittedFeature label,
      List<Input> inputs,
      List<String> classNames,
      List<RawInput> rawInputs,
      List<String> wide,
      List<String> deep) {
    this.config = config;
    this.task = task;
    this.label = label;
    this.inputs = ImmutableList.copyOf(inputs);
    this.classNames = ImmutableList.copyOf(classNames);
    this.rawInputs = ImmutableList.copyOf(rawInputs);
    this.wide = ImmutableList.copyOf(wide);
    this.deep = ImmutableList.copyOf(deep);
  }

  /**
   * Resolves {@code config} against the fitted transforms of the data.
   *
   * @throws ConfigException naming every problem found (one per line)
   */
  public static ModelSpec resolve(TrainConfig config, List<FittedFeature> fitted) {
    List<String> problems = new ArrayList<>();
    Map<String, FittedFeature> byName = new LinkedHashMap<>();
    for (FittedFeature f : fitted) {
      byName.put(f.name(), f);
    }
    String known = String.join(", ", byName.keySet());
    if (config.label() == null || config.label().isEmpty()) {
      throw new ConfigException("train.label is required: the transformed feature to predict (transformed features: " + known + ")");
    }
    FittedFeature label = byName.get(config.label());
    if (label == null) {
      throw new ConfigException("train.label '" + config.label() + "' is not a transformed feature (transformed features: " + known + ")");
    }
    if (label.spec().isCross()) {
      throw new ConfigException("train.label '" + label.name() + "' is a cross of " + label.spec().cross()
          + "; a label must be computed from one raw feature (a vocabulary, bucketize or binarize, or a float)");
    }
    Task task = resolveTask(config, label, problems);

    List<String> names = config.features().isEmpty()
        ? byName.keySet().stream().filter(n -> !n.equals(label.name())).toList()
        : config.features();
    Set<String> seen = new HashSet<>();
    List<Input> inputs = new ArrayList<>();
    Map<String, RawInput> raw = new LinkedHashMap<>();
    for (String name : names) {
      if (!seen.add(name)) {
        problems.add("train.features lists '" + name + "' twice");
        continue;
      }
      FittedFeature f = byName.get(name);
      if (f == null) {
        problems.add("train.features: '" + name + "' is not a transformed feature (transformed features: " + known + ")");
        continue;
      }
      if (name.equals(label.name())) {
        problems.add("train.features: '" + name + "' is the label; a model cannot read its own label");
        continue;
      }
      if (f.rawInputs().stream().anyMatch(r -> r.name().equals(label.spec().input()))) {
        problems.add("train.features: '" + name + "' reads raw feature '" + label.spec().input()
            + "', which the label '" + label.name() + "' is computed from (the label would leak into the inputs)");
        continue;
      }
      for (FeatureSpec r : f.rawInputs()) {
        RawFamily family = RawFamily.of(r.type());
        RawInput previous = raw.putIfAbsent(r.name(), new RawInput(r.name(), family));
        if (previous != null && previous.family() != family) {
          problems.add("raw feature '" + r.name() + "' is read as " + previous.family() + " and as " + family);
        }
      }
      Input in = input(config, f, problems);
      if (in != null) {
        inputs.add(in);
      }
    }
    if (names.isEmpty()) {
      problems.add("train.features: no feature is left besides the label '" + label.name() + "'");
    }
    for (String key : new TreeSet<>(config.embeddingDims().keySet())) {
      boolean categorical = inputs.stream().anyMatch(i -> i.name().equals(key)
          && (i.feature().kind() == OutputKind.ID || i.feature().kind() == OutputKind.IDS));
      if (!categorical) {
        problems.add("train.embedding_dims: '" + key + "' is not an ID or IDS feature of the model"
            + " (embedded features: " + String.join(", ", inputs.stream()
                .filter(i -> i.feature().kind() == OutputKind.ID || i.feature().kind() == OutputKind.IDS)
                .map(Input::name).toList()) + ")");
      }
    }
    if (config.model() != ModelType.LINEAR && config.hiddenUnits().isEmpty()) {
      problems.add("train.hidden_units: a DNN needs at least one hidden layer (or use model: linear)");
    }
    if (config.model() == ModelType.LINEAR && config.dropout() > 0) {
      problems.add("train.dropout " + config.dropout() + " applies to the hidden layers of a DNN; a linear model has none (set it to 0)");
    }
    if (config.model() == ModelType.LINEAR && config.batchNorm()) {
      problems.add("train.batch_norm applies to the hidden layers of a DNN (model: dnn or wide_deep); a linear model has none");
    }
    List<String> modelNames = inputs.stream().map(Input::name).toList();
    List<String> wide = List.of();
    List<String> deep = modelNames;
    if (config.model() == ModelType.WIDE_DEEP) {
      wide = part("wide_features", config.wideFeatures(), inputs.stream().filter(i -> defaultWide(i.feature())).map(Input::name).toList(),
          modelNames, problems);
      deep = part("deep_features", config.deepFeatures(), inputs.stream().filter(i -> !i.feature().spec().isCross()).map(Input::name).toList(),
          modelNames, problems);
      if (wide.isEmpty() && config.wideFeatures().isEmpty() && !inputs.isEmpty()) {
        problems.add("train.wide_features: model wide_deep needs features for its linear part, and the model has no cross nor"
            + " categorical feature (list wide_features, or use model: dnn)");
      }
      if (deep.isEmpty() && config.deepFeatures().isEmpty() && !inputs.isEmpty()) {
        problems.add("train.deep_features: model wide_deep needs features for its DNN, and every feature of the model is a cross"
            + " (list deep_features, or use model: linear)");
      }
    } else if (!config.wideFeatures().isEmpty() || !config.deepFeatures().isEmpty()) {
      problems.add("train.wide_features and deep_features apply to model: wide_deep, not " + config.model().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (config.trainSplit() == null || config.trainSplit().isEmpty()) {
      problems.add("train.train_split is required");
    }
    if (config.earlyStoppingPatience() != null) {
      if (config.evalSplit() == null || config.evalSplit().isEmpty()) {
        problems.add("train.early_stopping needs an eval_split to measure the eval loss on");
      } else if (config.evalSplit().equals(config.trainSplit())) {
        problems.add("train.early_stopping: eval_split and train_split are both '" + config.trainSplit()
            + "'; early stopping needs held-out data");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
    return new ModelSpec(config, task, label, inputs, classNames(task, label), List.copyOf(raw.values()), wide, deep);
  }

  /**
   * What the linear part of a wide-and-deep model reads unless told: crosses and the other categorical
   * features (ids, id lists, one-hot and multi-hot vectors), as a linear model over sparse columns.
   */
  private static boolean defaultWide(FittedFeature f) {
    switch (f.kind()) {
      case ID:
      case IDS:
        // An id list encoded embedding is for the network to embed, not for a linear model over its ids.
        return f.spec().effectiveEncoding() != FeatureTransform.Encoding.EMBEDDING;
      case VECTOR:
        return f.spec().effectiveEncoding() == FeatureTransform.Encoding.ONE_HOT || f.spec().effectiveEncoding() == FeatureTransform.Encoding.MULTI_HOT;
      default:
        return false;
    }
  }

  /** The features of one part of a wide-and-deep model: the configured ones, checked against the model's, or the defaults. */
  private static List<String> part(String key, List<String> configured, List<String> defaults, List<String> modelNames, List<String> problems) {
    if (configured.isEmpty()) {
      return defaults;
    }
    Set<String> seen = new HashSet<>();
    for (String name : configured) {
      if (!seen.add(name)) {
        problems.add("train." + key + " lists '" + name + "' twice");
      } else if (!modelNames.contains(name)) {
        problems.add("train." + key + ": '" + name + "' is not a feature of the model (features: " + String.join(", ", modelNames) + ")");
      }
    }
    // In the model's order, so that the layout does not depend on how the list is written.
    return modelNames.stream().filter(seen::contains).toList();
  }

  private static Task resolveTask(TrainConfig config, FittedFeature label, List<String> problems) {
    OutputKind kind = label.kind();
    if (kind != OutputKind.ID && kind != OutputKind.FLOAT) {
      throw new ConfigException("train.label '" + label.name() + "' is " + kind
          + "; a label must be a single class id (ID: a vocabulary, bucketize or binarize) or a float (FLOAT)");
    }
    Task task = config.task() == Task.AUTO ? (kind == OutputKind.ID ? Task.CLASSIFICATION : Task.REGRESSION) : config.task();
    if (task == Task.CLASSIFICATION && kind != OutputKind.ID) {
      problems.add("train.task classification needs a label of class ids (a vocabulary, bucketize or binarize), but '"
          + label.name() + "' is a float; use task: regression");
    } else if (task == Task.REGRESSION && kind != OutputKind.FLOAT) {
      problems.add("train.task regression needs a float label, but '" + label.name()
          + "' holds class ids; use task: classification");
    } else if (task == Task.CLASSIFICATION && label.cardinality() < 2) {
      problems.add("train.label '" + label.name() + "' has " + label.cardinality() + " classes; classification needs at least 2");
    }
    return task;
  }

  private static Input input(TrainConfig config, FittedFeature f, List<String> problems) {
    String name = f.name();
    Integer own = config.embeddingDims().get(name);
    int dim = own != null ? own : config.embeddingDim();
    switch (f.kind()) {
      case FLOAT:
        return new Input(f, InputEncoding.SCALAR, 1, 0);
      case VECTOR:
        if (f.width() < 1) {
          problems.add("transformed feature '" + name + "' is a vector of width " + f.width());
          return null;
        }
        return new Input(f, InputEncoding.VECTOR, f.width(), 0);
      case ID:
        if (f.cardinality() < 1) {
          problems.add("transformed feature '" + name + "' has no ids (cardinality " + f.cardinality() + ")");
          return null;
        }
        return dim == 0
            ? new Input(f, InputEncoding.ONE_HOT, f.cardinality(), 0)
            : new Input(f, InputEncoding.EMBEDDING, dim, dim);
      case IDS:
        if (f.cardinality() < 1) {
          problems.add("transformed feature '" + name + "' has no ids (cardinality " + f.cardinality() + ")");
          return null;
        }
        int d = dim == 0 ? DEFAULT_IDS_EMBEDDING_DIM : dim;
        FeatureTransform.Embedding embedding = f.spec().effectiveEmbedding();
        if (embedding == null) {
          return new Input(f, InputEncoding.MEAN_EMBEDDING, d, d);
        }
        if (f.vectors() != null) {
          // The pretrained vectors fix the size.
          if (own != null && own != f.vectors().dim()) {
            problems.add("train.embedding_dims: '" + name + "' is " + own + ", but its pretrained vectors (transform embedding.vectors "
                + f.spec().vectors() + ") have " + f.vectors().dim() + " dimensions; leave it out of embedding_dims or set " + f.vectors().dim());
          }
          d = f.vectors().dim();
        }
        InputEncoding pooled = embedding.pooling() == FeatureTransform.Pooling.SUM ? InputEncoding.SUM_EMBEDDING : InputEncoding.MEAN_EMBEDDING;
        return new Input(f, pooled, d, d);
      default:
        throw new AssertionError(f.kind());
    }
  }

  private static List<String> classNames(Task task, FittedFeature label) {
    if (task != Task.CLASSIFICATION) {
      return List.of();
    }
    List<String> names = new ArrayList<>(label.cardinality());
    List<String> vocabulary = label.vocabulary() == null ? List.of() : label.vocabulary();
    for (int id = 0; id < label.cardinality(); id++) {
      names.add(id < vocabulary.size() ? vocabulary.get(id) : Integer.toString(id));
    }
    return names;
  }

  public TrainConfig config() {
    return config;
  }

  /** CLASSIFICATION or REGRESSION, never AUTO. */
  public Task task() {
    return task;
  }

  public boolean classification() {
    return task == Task.CLASSIFICATION;
  }

  public FittedFeature label() {
    return label;
  }

  /** The features the network reads, in input-layer order. */
  public ImmutableList<Input> inputs() {
    return inputs;
  }

  /** The number of classes; 0 for regression. */
  public int numClasses() {
    return classNames.size();
  }

  /** The name of each class id: the label's vocabulary where it has one, else the id as text. */
  public ImmutableList<String> classNames() {
    return classNames;
  }

  /**
   * Regression: how the model's outputs, in the label's transformed units, map back to the label's own
   * units; null for classification.
   */
  public LabelUnits labelUnits() {
    return classification() ? null : LabelUnits.of(label);
  }

  /** The raw features the exported model takes, in the order the model features first read them. */
  public ImmutableList<RawInput> rawInputs() {
    return rawInputs;
  }

  /** The fitted transforms of the model's features, in input order. */
  public List<FittedFeature> features() {
    return inputs.stream().map(Input::feature).toList();
  }

  /** The features the network's input layer reads (the deep part of a wide-and-deep model), in input order. */
  public List<Input> deepInputs() {
    return inputs.stream().filter(i -> deep.contains(i.name())).toList();
  }

  /** The features of the linear part of a wide-and-deep model, in input order; empty for other models. */
  public List<Input> wideInputs() {
    return inputs.stream().filter(i -> wide.contains(i.name())).toList();
  }

  /** The width of the network's input layer: the columns of {@link #deepInputs()}. */
  public int inputColumns() {
    return deepInputs().stream().mapToInt(Input::columns).sum();
  }

  /** The width of the output layer: the number of classes, or 1 for regression. */
  public int outputs() {
    return classification() ? numClasses() : 1;
  }
}
