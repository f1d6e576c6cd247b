package dev.beamline.training;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ConfigException;
import dev.beamline.core.FeatureType;
import dev.beamline.training.TrainConfig.ModelType;
import dev.beamline.training.TrainConfig.Task;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
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
 * label, the features the network reads and how each one enters it, the class names, and the raw
 * features that the exported model takes. {@link #resolve} rejects a configuration that cannot work,
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
    MEAN_EMBEDDING
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

  private ModelSpec(
      TrainConfig config,
      Task task,
      FittedFeature label,
      List<Input> inputs,
      List<String> classNames,
      List<RawInput> rawInputs) {
    this.config = config;
    this.task = task;
    this.label = label;
    this.inputs = ImmutableList.copyOf(inputs);
    this.classNames = ImmutableList.copyOf(classNames);
    this.rawInputs = ImmutableList.copyOf(rawInputs);
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
      if (f.spec().input().equals(label.spec().input())) {
        problems.add("train.features: '" + name + "' reads raw feature '" + f.spec().input()
            + "', which the label '" + label.name() + "' is computed from (the label would leak into the inputs)");
        continue;
      }
      RawFamily family = RawFamily.of(f.inputType());
      RawInput previous = raw.putIfAbsent(f.spec().input(), new RawInput(f.spec().input(), family));
      if (previous != null && previous.family() != family) {
        problems.add("raw feature '" + f.spec().input() + "' is read as " + previous.family() + " and as " + family);
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
    if (config.model() == ModelType.DNN && config.hiddenUnits().isEmpty()) {
      problems.add("train.hidden_units: a DNN needs at least one hidden layer (or use model: linear)");
    }
    if (config.model() == ModelType.LINEAR && config.dropout() > 0) {
      problems.add("train.dropout " + config.dropout() + " applies to the hidden layers of a DNN; a linear model has none (set it to 0)");
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
    return new ModelSpec(config, task, label, inputs, classNames(task, label), List.copyOf(raw.values()));
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
        return new Input(f, InputEncoding.MEAN_EMBEDDING, d, d);
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

  /** The width of the input layer. */
  public int inputColumns() {
    return inputs.stream().mapToInt(Input::columns).sum();
  }

  /** The width of the output layer: the number of classes, or 1 for regression. */
  public int outputs() {
    return classification() ? numClasses() : 1;
  }
}
