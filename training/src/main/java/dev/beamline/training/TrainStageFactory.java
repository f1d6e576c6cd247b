package dev.beamline.training;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.stage.ConfigSection;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The {@code train:} section of a pipeline file: binds it to a {@link TrainConfig} (whose defaults
 * fill in what the file leaves out) and makes the {@link TrainStage}. The same documents give the
 * stage's canonical parameters ({@link #parameters}), so that what is recorded binds back to an equal
 * configuration.
 *
 * <pre>{@code
 * train:
 *   label: species
 *   model: dnn
 *   hidden_units: [16, 8]
 *   optimizer: sgd            # learning_rate 0.01 unless given
 *   early_stopping: {patience: 5}
 * }</pre>
 */
public final class TrainStageFactory implements StageFactory {
  /** The section's key. */
  public static final String SECTION = "train";
  /** {@code train.privacy.l2_norm_clip} unless told otherwise. */
  public static final double DEFAULT_L2_NORM_CLIP = 1.0;

  /** Writes every key, null ones too: the canonical form has the same keys whatever is set. */
  private static final ObjectMapper JSON = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.ALWAYS);

  // The section's shape. Field names are the YAML keys.

  /** {@code train:} */
  public static final class TrainDoc {
    public String label;
    public List<String> features;
    public String task;
    public String model;
    public List<Integer> hidden_units;
    public String activation;
    public Boolean batch_norm;
    public ScheduleDoc learning_rate_schedule;
    public List<String> wide_features;
    public List<String> deep_features;
    public Double dropout;
    public Integer embedding_dim;
    public LinkedHashMap<String, Integer> embedding_dims;
    public Integer batch_size;
    public Integer epochs;
    public Long steps;
    public String optimizer;
    public Double learning_rate;
    public Double l2;
    public EarlyStoppingDoc early_stopping;
    public Integer shuffle_buffer;
    public Long seed;
    public String train_split;
    public String eval_split;
    /** {@code balanced} or {@code {class: weight}}: {@link ClassRates}. */
    public Object class_weights;
    /** {@code balanced} or {@code {class: rate}}: {@link ClassRates}. */
    public Object resample;
    public String on_label_drift;
    /** Left out of the canonical form when off, so that the cache keys of models trained without it stay as they were. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public PrivacyDoc privacy;
    /** Left out of the canonical form when off, so that the cache keys of models trained centrally stay as they were. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public FederatedDoc federated;
  }

  /** {@code train.federated:} federated averaging ({@link FederatedConfig}); client_column is required. */
  public static final class FederatedDoc {
    public String client_column;
    public Integer rounds;
    public Integer clients_per_round;
    public Integer local_epochs;
    public Integer local_batch_size;
    public Double server_learning_rate;
    public Long seed;
    public Integer patience;
    /** Left out of the canonical form when off, so that the cache keys of federated models without it stay as they were. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public SecureAggregationDoc secure_aggregation;
  }

  /** {@code train.federated.secure_aggregation:} ({@link SecureAggregationConfig}). */
  public static final class SecureAggregationDoc {
    public Double threshold;
    public Double clip_range;
    public Integer fractional_bits;
    public Integer modulus_bits;
    public Double simulated_dropout;
  }

  /** {@code train.privacy:} DP-SGD ({@link DpSgdConfig}): exactly one of noise_multiplier and target_epsilon. */
  public static final class PrivacyDoc {
    public Double l2_norm_clip;
    public Double noise_multiplier;
    public Double target_epsilon;
    public Double delta;
  }

  /** {@code train.learning_rate_schedule:} exactly one of its keys. */
  public static final class ScheduleDoc {
    public ExponentialDoc exponential;
    public CosineDoc cosine;
  }

  /** {@code train.learning_rate_schedule.exponential:} */
  public static final class ExponentialDoc {
    public Long decay_steps;
    public Double decay_rate;
    public Boolean staircase;
  }

  /** {@code train.learning_rate_schedule.cosine:} */
  public static final class CosineDoc {
    public Long decay_steps;
    public Double alpha;
  }

  /** {@code train.early_stopping:} */
  public static final class EarlyStoppingDoc {
    public Integer patience;
    public Double min_delta;
  }

  @Override
  public String section() {
    return SECTION;
  }

  @Override
  public List<Stage<?>> create(ConfigSection section) {
    return List.of(new TrainStage(bind(section)));
  }

  /**
   * The configuration that {@code section} describes: {@link TrainConfig#defaults} with what the
   * section sets.
   *
   * @throws dev.beamline.core.ConfigException naming the file, line and key of a missing or bad value
   */
  public static TrainConfig bind(ConfigSection section) {
    TrainDoc d = section.bind(TrainDoc.class);
    if (d.label == null) {
      throw section.error("", "'" + section.key("label") + "' is required: the transformed feature to predict");
    }
    TrainConfig c = TrainConfig.defaults(d.label);
    if (d.features != null) {
      c = c.withFeatures(d.features);
    }
    if (d.task != null) {
      c = c.withTask(section.choice("task", d.task, TrainConfig.Task.class));
    }
    if (d.model != null) {
      c = c.withModel(section.choice("model", d.model, TrainConfig.ModelType.class));
    }
    if (d.activation != null) {
      c = c.withActivation(section.choice("activation", d.activation, TrainConfig.Activation.class));
    }
    if (d.hidden_units != null) {
      c = checked(section, "hidden_units", c, x -> x.withHiddenUnits(d.hidden_units));
    }
    if (d.batch_norm != null) {
      c = c.withBatchNorm(d.batch_norm);
    }
    if (d.learning_rate_schedule != null) {
      LearningRateSchedule schedule = schedule(section, d.learning_rate_schedule);
      c = c.withLearningRateSchedule(schedule);
    }
    if (d.wide_features != null || d.deep_features != null) {
      List<String> wide = d.wide_features != null ? d.wide_features : c.wideFeatures();
      List<String> deep = d.deep_features != null ? d.deep_features : c.deepFeatures();
      c = checked(section, d.wide_features != null ? "wide_features" : "deep_features", c, x -> x.withWideAndDeepFeatures(wide, deep));
    }
    if (d.dropout != null) {
      c = checked(section, "dropout", c, x -> x.withDropout(d.dropout));
    }
    if (d.embedding_dim != null) {
      c = checked(section, "embedding_dim", c, x -> x.withEmbeddingDim(d.embedding_dim));
    }
    if (d.embedding_dims != null) {
      c = checked(section, "embedding_dims", c, x -> x.withEmbeddingDims(d.embedding_dims));
    }
    if (d.batch_size != null) {
      c = checked(section, "batch_size", c, x -> x.withBatchSize(d.batch_size));
    }
    if (d.epochs != null) {
      c = checked(section, "epochs", c, x -> x.withEpochs(d.epochs));
    }
    if (d.steps != null) {
      c = checked(section, "steps", c, x -> x.withSteps(d.steps));
    }
    if (d.optimizer != null) {
      // At the optimizer's own default rate unless the section gives one.
      c = c.withOptimizer(section.choice("optimizer", d.optimizer, TrainConfig.Optimizer.class));
    }
    if (d.learning_rate != null) {
      c = checked(section, "learning_rate", c, x -> x.withLearningRate(d.learning_rate));
    }
    if (d.l2 != null) {
      c = checked(section, "l2", c, x -> x.withL2(d.l2));
    }
    if (d.early_stopping != null) {
      int patience = d.early_stopping.patience != null ? d.early_stopping.patience : TrainConfig.DEFAULT_EARLY_STOPPING_PATIENCE;
      double minDelta = d.early_stopping.min_delta != null ? d.early_stopping.min_delta : TrainConfig.DEFAULT_MIN_DELTA;
      c = checked(section, "early_stopping", c, x -> x.withEarlyStopping(patience, minDelta));
    }
    if (d.shuffle_buffer != null) {
      c = checked(section, "shuffle_buffer", c, x -> x.withShuffleBuffer(d.shuffle_buffer));
    }
    if (d.seed != null) {
      c = c.withSeed(d.seed);
    }
    if (d.train_split != null || d.eval_split != null) {
      c = c.withSplits(d.train_split != null ? d.train_split : c.trainSplit(), d.eval_split != null ? d.eval_split : c.evalSplit());
    }
    if (d.class_weights != null) {
      c = checked(section, "class_weights", c, x -> x.withClassWeights(ClassRates.parse(d.class_weights)));
    }
    if (d.resample != null) {
      c = checked(section, "resample", c, x -> x.withResample(ClassRates.parse(d.resample)));
    }
    if (d.on_label_drift != null) {
      c = c.withOnLabelDrift(section.choice("on_label_drift", d.on_label_drift, TrainConfig.LabelDriftAction.class));
    }
    if (d.privacy != null) {
      PrivacyDoc p = d.privacy;
      if ((p.noise_multiplier == null) == (p.target_epsilon == null)) {
        throw section.error("privacy", "'" + section.key("privacy") + "' needs exactly one of noise_multiplier (the noise's standard deviation over"
            + " l2_norm_clip) and target_epsilon (the noise is then found by the accountant)");
      }
      double clip = p.l2_norm_clip != null ? p.l2_norm_clip : DEFAULT_L2_NORM_CLIP;
      double delta = p.delta != null ? p.delta : DpSgdConfig.DEFAULT_DELTA;
      DpSgdConfig privacy = section.check("privacy", () -> new DpSgdConfig(clip, p.noise_multiplier, p.target_epsilon, delta));
      c = c.withPrivacy(privacy);
    }
    if (d.federated != null) {
      FederatedConfig federated = federated(section, d.federated);
      c = c.withFederated(federated);
    }
    return c;
  }

  /** The federated averaging that {@code d} describes: its client_column, and defaults for what it leaves out. */
  private static FederatedConfig federated(ConfigSection section, FederatedDoc d) {
    if (d.client_column == null) {
      throw section.error("federated", "'" + section.key("federated.client_column") + "' is required: the transformed feature whose value"
          + " names a row's client");
    }
    FederatedConfig f = section.check("federated.client_column", () -> FederatedConfig.defaults(d.client_column));
    if (d.rounds != null) {
      FederatedConfig x = f;
      f = section.check("federated.rounds", () -> x.withRounds(d.rounds));
    }
    if (d.clients_per_round != null) {
      FederatedConfig x = f;
      f = section.check("federated.clients_per_round", () -> x.withClientsPerRound(d.clients_per_round));
    }
    if (d.local_epochs != null) {
      FederatedConfig x = f;
      f = section.check("federated.local_epochs", () -> x.withLocalEpochs(d.local_epochs));
    }
    if (d.local_batch_size != null) {
      FederatedConfig x = f;
      f = section.check("federated.local_batch_size", () -> x.withLocalBatchSize(d.local_batch_size));
    }
    if (d.server_learning_rate != null) {
      FederatedConfig x = f;
      f = section.check("federated.server_learning_rate", () -> x.withServerLearningRate(d.server_learning_rate));
    }
    if (d.seed != null) {
      f = f.withSeed(d.seed);
    }
    if (d.patience != null) {
      FederatedConfig x = f;
      f = section.check("federated.patience", () -> x.withPatience(d.patience));
    }
    if (d.secure_aggregation != null) {
      SecureAggregationDoc a = d.secure_aggregation;
      SecureAggregationConfig s = SecureAggregationConfig.defaults();
      if (a.threshold != null) {
        SecureAggregationConfig x = s;
        s = section.check("federated.secure_aggregation.threshold", () -> x.withThreshold(a.threshold));
      }
      if (a.clip_range != null) {
        SecureAggregationConfig x = s;
        s = section.check("federated.secure_aggregation.clip_range", () -> x.withClipRange(a.clip_range));
      }
      if (a.fractional_bits != null) {
        SecureAggregationConfig x = s;
        s = section.check("federated.secure_aggregation.fractional_bits", () -> x.withFractionalBits(a.fractional_bits));
      }
      if (a.modulus_bits != null) {
        SecureAggregationConfig x = s;
        s = section.check("federated.secure_aggregation.modulus_bits", () -> x.withModulusBits(a.modulus_bits));
      }
      if (a.simulated_dropout != null) {
        SecureAggregationConfig x = s;
        s = section.check("federated.secure_aggregation.simulated_dropout", () -> x.withSimulatedDropout(a.simulated_dropout));
      }
      f = f.withSecureAggregation(s);
    }
    return f;
  }

  /** The schedule that {@code d} describes: exactly one of exponential and cosine, with its decay_steps. */
  private static LearningRateSchedule schedule(ConfigSection section, ScheduleDoc d) {
    String key = "learning_rate_schedule";
    if ((d.exponential == null) == (d.cosine == null)) {
      throw section.error(key, "'" + section.key(key) + "' needs exactly one of exponential ({decay_steps, decay_rate, staircase})"
          + " and cosine ({decay_steps, alpha})");
    }
    if (d.exponential != null) {
      ExponentialDoc e = d.exponential;
      if (e.decay_steps == null || e.decay_rate == null) {
        throw section.error(key + ".exponential", "'" + section.key(key + ".exponential") + "' needs decay_steps and decay_rate");
      }
      return section.check(key + ".exponential", () -> LearningRateSchedule.exponential(e.decay_steps, e.decay_rate, Boolean.TRUE.equals(e.staircase)));
    }
    CosineDoc cos = d.cosine;
    if (cos.decay_steps == null) {
      throw section.error(key + ".cosine", "'" + section.key(key + ".cosine") + "' needs decay_steps");
    }
    return section.check(key + ".cosine", () -> LearningRateSchedule.cosine(cos.decay_steps, cos.alpha != null ? cos.alpha : 0.0));
  }

  private static TrainConfig checked(ConfigSection section, String key, TrainConfig c, UnaryOperator<TrainConfig> with) {
    return section.check(key, () -> with.apply(c));
  }

  /**
   * The canonical form of {@code config}: every key of the section in snake_case with its value,
   * defaults filled in ({@code steps}, {@code early_stopping} and {@code learning_rate_schedule} null
   * when off, {@code features} empty for all but the label, {@code wide_features} and {@code
   * deep_features} empty for their defaults, {@code embedding_dims} sorted by name; {@code class_weights} and {@code
   * resample} null when off, else {@code "balanced"} or their classes sorted by name); binding it gives back an equal
   * configuration. The stage's cache key and its recorded parameters.
   */
  public static ObjectNode parameters(TrainConfig config) {
    return JSON.valueToTree(document(config));
  }

  /** The document that binds to {@code config}. */
  static TrainDoc document(TrainConfig c) {
    TrainDoc d = new TrainDoc();
    d.label = c.label();
    d.features = new ArrayList<>(c.features());
    d.task = name(c.task());
    d.model = name(c.model());
    d.hidden_units = new ArrayList<>(c.hiddenUnits());
    d.activation = name(c.activation());
    d.batch_norm = c.batchNorm();
    LearningRateSchedule s = c.learningRateSchedule();
    if (s != null) {
      d.learning_rate_schedule = new ScheduleDoc();
      if (s.kind() == LearningRateSchedule.Kind.EXPONENTIAL) {
        d.learning_rate_schedule.exponential = new ExponentialDoc();
        d.learning_rate_schedule.exponential.decay_steps = s.decaySteps();
        d.learning_rate_schedule.exponential.decay_rate = s.decayRate();
        d.learning_rate_schedule.exponential.staircase = s.staircase();
      } else {
        d.learning_rate_schedule.cosine = new CosineDoc();
        d.learning_rate_schedule.cosine.decay_steps = s.decaySteps();
        d.learning_rate_schedule.cosine.alpha = s.alpha();
      }
    }
    d.wide_features = new ArrayList<>(c.wideFeatures());
    d.deep_features = new ArrayList<>(c.deepFeatures());
    d.dropout = c.dropout();
    d.embedding_dim = c.embeddingDim();
    // Sorted: the configuration holds a map without order, the canonical form has one.
    d.embedding_dims = new LinkedHashMap<>(new TreeMap<>(c.embeddingDims()));
    d.batch_size = c.batchSize();
    d.epochs = c.epochs();
    d.steps = c.steps();
    d.optimizer = name(c.optimizer());
    d.learning_rate = c.learningRate();
    d.l2 = c.l2();
    if (c.earlyStoppingPatience() != null) {
      d.early_stopping = new EarlyStoppingDoc();
      d.early_stopping.patience = c.earlyStoppingPatience();
      d.early_stopping.min_delta = c.minDelta();
    }
    d.shuffle_buffer = c.shuffleBuffer();
    d.seed = c.seed();
    d.train_split = c.trainSplit();
    d.eval_split = c.evalSplit();
    d.class_weights = c.classWeights().canonical();
    d.resample = c.resample().canonical();
    d.on_label_drift = name(c.onLabelDrift());
    if (c.privacy() != null) {
      d.privacy = new PrivacyDoc();
      d.privacy.l2_norm_clip = c.privacy().l2NormClip();
      d.privacy.noise_multiplier = c.privacy().noiseMultiplier();
      d.privacy.target_epsilon = c.privacy().targetEpsilon();
      d.privacy.delta = c.privacy().delta();
    }
    if (c.federated() != null) {
      FederatedConfig f = c.federated();
      d.federated = new FederatedDoc();
      d.federated.client_column = f.clientColumn();
      d.federated.rounds = f.rounds();
      d.federated.clients_per_round = f.clientsPerRound();
      d.federated.local_epochs = f.localEpochs();
      d.federated.local_batch_size = f.localBatchSize();
      d.federated.server_learning_rate = f.serverLearningRate();
      d.federated.seed = f.seed();
      d.federated.patience = f.patience();
      if (f.secureAggregation() != null) {
        SecureAggregationConfig a = f.secureAggregation();
        d.federated.secure_aggregation = new SecureAggregationDoc();
        d.federated.secure_aggregation.threshold = a.threshold();
        d.federated.secure_aggregation.clip_range = a.clipRange();
        d.federated.secure_aggregation.fractional_bits = a.fractionalBits();
        d.federated.secure_aggregation.modulus_bits = a.modulusBits();
        d.federated.secure_aggregation.simulated_dropout = a.simulatedDropout();
      }
    }
    return d;
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
