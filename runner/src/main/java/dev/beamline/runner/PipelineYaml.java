package dev.beamline.runner;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.core.YamlFiles;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestExamples;
import dev.beamline.ingest.InputFiles;
import dev.beamline.ingest.InputFormat;
import dev.beamline.ingest.SplitConfig;
import dev.beamline.training.TrainConfig;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.TransformSpec;
import dev.beamline.validation.DataSchema;
import dev.beamline.validation.DriftThresholds;
import dev.beamline.validation.ValidationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Reads a pipeline configuration file (YAML) into a {@link PipelineSpec}.
 *
 * <p>Strict: an unknown or misspelled key, a value of the wrong type, or a value out of range is rejected
 * with a message naming the file, the line and the key (and the closest known key for a misspelling).
 * Relative paths in the file are relative to the file's folder. The format is documented in the README.
 *
 * <pre>{@code
 * PipelineSpec spec = PipelineYaml.load(Paths.get("examples/penguins/pipeline.yaml"));
 * }</pre>
 */
public final class PipelineYaml {
  private PipelineYaml() {}

  // The file's shape. Field names are the YAML keys.

  /** The whole file. */
  public static final class FileDoc {
    public PipelineDoc pipeline;
    public IngestDoc ingest;
    public ValidationDoc validation;
    public TransformDoc transform;
    public TrainDoc train;
  }

  /** {@code transform:} */
  public static final class TransformDoc {
    public String analyze_split;
    public LinkedHashMap<String, FeatureDoc> features;
  }

  /** {@code transform.features.<output>:} one transformed feature. */
  public static final class FeatureDoc {
    public String input;
    public String impute;
    public String impute_value;
    public ClipDoc clip;
    public Boolean log;
    public Double log_offset;
    public String scale;
    public Integer bucketize;
    public Double binarize;
    public String time_part;
    public Boolean lowercase;
    public TextDoc text;
    public String separator;
    public VocabularyDoc vocabulary;
    public Integer hash_buckets;
    public String encode;
    public Integer max_tokens;
  }

  /** {@code transform.features.<output>.clip:} */
  public static final class ClipDoc {
    public Double min;
    public Double max;
  }

  /** {@code transform.features.<output>.text:} */
  public static final class TextDoc {
    public List<Integer> ngrams;
  }

  /** {@code transform.features.<output>.vocabulary:} */
  public static final class VocabularyDoc {
    public Integer top_k;
    public Long frequency_threshold;
    public Integer oov_buckets;
  }

  /** {@code train:} */
  public static final class TrainDoc {
    public String label;
    public List<String> features;
    public String task;
    public String model;
    public List<Integer> hidden_units;
    public String activation;
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
  }

  /** {@code train.early_stopping:} */
  public static final class EarlyStoppingDoc {
    public Integer patience;
    public Double min_delta;
  }

  /** {@code validation:} */
  public static final class ValidationDoc {
    public String schema;
    public String infer_from;
    public Integer max_domain_size;
    public Boolean drift;
    public String skew_statistics;
    public ThresholdsDoc thresholds;
  }

  /** {@code validation.thresholds:} */
  public static final class ThresholdsDoc {
    public Double categorical;
    public Double numeric;
  }

  /** {@code pipeline:} */
  public static final class PipelineDoc {
    public String name;
    public String root;
    public String metadata;
  }

  /** {@code ingest:} */
  public static final class IngestDoc {
    public String input;
    public String format;
    public CsvDoc csv;
    public LinkedHashMap<String, String> schema;
    public Long infer_rows;
    public Object span;
    public LinkedHashMap<String, Integer> splits;
    public String partition_feature;
    public Double max_rejected_fraction;
    public Integer shards;
  }

  /** {@code ingest.csv:} */
  public static final class CsvDoc {
    public String delimiter;
    public String quote;
    public Boolean header;
    public List<String> null_values;
    public List<String> columns;
  }

  /** Reads {@code file}. */
  public static PipelineSpec load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException("pipeline file not found: " + file);
    } catch (IOException e) {
      throw new ConfigException("cannot read pipeline file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString(), file.toAbsolutePath().getParent());
  }

  /**
   * Reads the YAML {@code text}; {@code source} names it in messages and {@code baseDir} anchors its
   * relative paths.
   */
  public static PipelineSpec parse(String text, String source, Path baseDir) {
    YamlFiles.Parsed<FileDoc> doc = YamlFiles.read(text, source, FileDoc.class);
    return new Converter(doc, baseDir).convert(doc.value());
  }

  /** Turns the parsed document into a spec, naming the line of any value that the stages refuse. */
  private static final class Converter {
    private final YamlFiles.Parsed<FileDoc> doc;
    private final String source;
    private final Path baseDir;

    Converter(YamlFiles.Parsed<FileDoc> doc, Path baseDir) {
      this.doc = doc;
      this.source = doc.source();
      this.baseDir = baseDir;
    }

    PipelineSpec convert(FileDoc doc) {
      if (doc.pipeline == null || doc.pipeline.name == null) {
        throw new ConfigException(source + ": 'pipeline.name' is required");
      }
      PipelineSpec spec = check("pipeline.name", () -> PipelineSpec.named(doc.pipeline.name));
      if (doc.pipeline.root != null) {
        spec = spec.withRoot(baseDir.resolve(doc.pipeline.root).normalize());
      }
      if (doc.pipeline.metadata != null) {
        String url = doc.pipeline.metadata;
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
          throw new ConfigException(
              at("pipeline.metadata") + "'pipeline.metadata' must be a jdbc:sqlite: or jdbc:postgresql: URL, got '" + url + "'");
        }
        if (url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:sqlite:/")) {
          url = "jdbc:sqlite:" + baseDir.resolve(url.substring("jdbc:sqlite:".length())).normalize();
        }
        spec = spec.withMetadataUrl(url);
      }
      if (doc.ingest != null) {
        spec = spec.withIngest(ingest(doc.ingest));
      }
      if (doc.validation != null) {
        spec = spec.withValidation(validation(doc.validation));
      }
      if (doc.transform != null) {
        spec = spec.withTransform(transform(doc.transform));
      }
      if (doc.train != null) {
        spec = spec.withTrain(train(doc.train));
      }
      return spec;
    }

    private IngestExamples.Config ingest(IngestDoc d) {
      if (d.input == null) {
        throw new ConfigException(at("ingest") + "'ingest.input' is required: the file or pattern to read");
      }
      String input = d.input.contains("://") ? d.input : baseDir.resolve(d.input).normalize().toString();
      IngestExamples.Config c = IngestExamples.Config.of(input);
      if (d.format != null) {
        InputFormat format = check("ingest.format", () -> InputFormat.parse(d.format));
        c = c.withFormat(format);
        if (d.format.equalsIgnoreCase("tsv") && (d.csv == null || d.csv.delimiter == null)) {
          c = c.withCsv(c.csv().withDelimiter('\t'));
        }
      }
      if (d.csv != null) {
        c = c.withCsv(csv(c.csv(), d.csv));
      }
      if (d.schema != null) {
        List<FeatureSpec> features = new ArrayList<>();
        d.schema.forEach(
            (name, type) ->
                features.add(check("ingest.schema." + name, () -> FeatureSpec.of(name, FeatureType.parse(type)))));
        c = c.withSchema(check("ingest.schema", () -> ExampleSchema.of(features)));
      }
      if (d.infer_rows != null) {
        IngestExamples.Config before = c;
        c = check("ingest.infer_rows", () -> before.withInferRows(d.infer_rows));
      }
      if (d.span != null) {
        IngestExamples.Config before = c;
        c = check("ingest.span", () -> before.withSpans(span(d.span)));
      }
      if (d.splits != null || d.partition_feature != null) {
        SplitConfig splits =
            d.splits == null ? SplitConfig.defaults() : check("ingest.splits", () -> SplitConfig.of(d.splits));
        if (d.partition_feature != null) {
          splits = splits.withPartitionFeature(d.partition_feature);
        }
        c = c.withSplits(splits);
      }
      if (d.max_rejected_fraction != null) {
        IngestExamples.Config before = c;
        c = check("ingest.max_rejected_fraction", () -> before.withMaxRejectedFraction(d.max_rejected_fraction));
      }
      if (d.shards != null) {
        IngestExamples.Config before = c;
        c = check("ingest.shards", () -> before.withShards(d.shards));
      }
      return c;
    }

    private ValidationConfig validation(ValidationDoc d) {
      ValidationConfig v = ValidationConfig.defaults();
      if (d.schema != null) {
        Path file = baseDir.resolve(d.schema).normalize();
        try {
          DataSchema.load(file);
        } catch (ConfigException e) {
          throw new ConfigException(at("validation.schema") + "'validation.schema': " + e.getMessage(), e);
        }
        v = v.withSchemaFile(file.toString());
      }
      if (d.infer_from != null) {
        v = v.withInferFrom(d.infer_from);
      }
      if (d.max_domain_size != null) {
        ValidationConfig before = v;
        v = check("validation.max_domain_size", () -> before.withMaxDomainSize(d.max_domain_size));
      }
      if (d.drift != null) {
        v = v.withDrift(d.drift);
      }
      if (d.skew_statistics != null) {
        v = v.withSkewStatistics(baseDir.resolve(d.skew_statistics).normalize().toString());
      }
      if (d.thresholds != null) {
        DriftThresholds t = v.thresholds();
        double categorical = d.thresholds.categorical != null ? d.thresholds.categorical : t.categorical();
        double numeric = d.thresholds.numeric != null ? d.thresholds.numeric : t.numeric();
        ValidationConfig before = v;
        v = check("validation.thresholds", () -> before.withThresholds(new DriftThresholds(categorical, numeric)));
      }
      return v;
    }

    private TransformConfig transform(TransformDoc d) {
      if (d.features == null || d.features.isEmpty()) {
        throw new ConfigException(at("transform") + "'transform.features' is required: one entry per transformed feature");
      }
      List<FeatureTransform> features = new ArrayList<>();
      d.features.forEach((name, f) -> features.add(feature(name, f == null ? new FeatureDoc() : f)));
      TransformSpec spec = check("transform.features", () -> TransformSpec.of(features));
      TransformConfig c = TransformConfig.of(spec);
      return d.analyze_split == null ? c : c.withAnalyzeSplit(d.analyze_split);
    }

    private FeatureTransform feature(String name, FeatureDoc d) {
      String key = "transform.features." + name;
      FeatureTransform f = FeatureTransform.numeric(d.input != null ? d.input : name).withOutput(name);
      if (d.impute != null) {
        FeatureTransform.Impute.Strategy s = choice(key + ".impute", d.impute, FeatureTransform.Impute.Strategy.class);
        if (s == FeatureTransform.Impute.Strategy.CONSTANT && d.impute_value == null) {
          throw new ConfigException(at(key + ".impute") + "'" + key + ".impute: constant' needs 'impute_value'");
        }
        f = f.withImpute(new FeatureTransform.Impute(s, d.impute_value));
      } else if (d.impute_value != null) {
        f = f.withImpute(new FeatureTransform.Impute(FeatureTransform.Impute.Strategy.CONSTANT, d.impute_value));
      }
      if (d.clip != null) {
        f = f.withClip(d.clip.min, d.clip.max);
      }
      if (Boolean.TRUE.equals(d.log) || d.log_offset != null) {
        f = f.withLog(d.log_offset != null ? d.log_offset : 1.0);
      }
      if (d.scale != null) {
        f = f.withScale(choice(key + ".scale", d.scale, FeatureTransform.Scale.class));
      }
      f = f.withBucketize(d.bucketize).withBinarize(d.binarize).withSeparator(d.separator).withHashBuckets(d.hash_buckets).withMaxTokens(d.max_tokens);
      if (d.time_part != null) {
        f = f.withTimePart(choice(key + ".time_part", d.time_part, FeatureTransform.TimePart.class));
      }
      if (d.text != null) {
        List<Integer> n = d.text.ngrams == null ? List.of(1, 1) : d.text.ngrams;
        if (n.size() == 1) {
          n = List.of(n.get(0), n.get(0));
        }
        if (n.size() != 2 || n.contains(null)) {
          throw new ConfigException(at(key + ".text.ngrams") + "'" + key + ".text.ngrams' must be [min, max], got " + d.text.ngrams);
        }
        f = f.withText(new FeatureTransform.Text(n.get(0), n.get(1)));
      }
      // Text is lower-cased unless the file says otherwise.
      f = f.withLowercase(d.lowercase != null ? d.lowercase : d.text != null);
      if (d.vocabulary != null) {
        FeatureTransform.Vocabulary v = FeatureTransform.Vocabulary.defaults();
        f = f.withVocabulary(
            new FeatureTransform.Vocabulary(
                d.vocabulary.top_k,
                d.vocabulary.frequency_threshold != null ? d.vocabulary.frequency_threshold : v.frequencyThreshold(),
                d.vocabulary.oov_buckets != null ? d.vocabulary.oov_buckets : v.oovBuckets()));
      }
      if (d.encode != null) {
        f = f.withEncode(choice(key + ".encode", d.encode, FeatureTransform.Encoding.class));
      }
      return f;
    }

    private TrainConfig train(TrainDoc d) {
      if (d.label == null) {
        throw new ConfigException(at("train") + "'train.label' is required: the transformed feature to predict");
      }
      TrainConfig c = TrainConfig.defaults(d.label);
      if (d.features != null) {
        c = c.withFeatures(d.features);
      }
      if (d.task != null) {
        c = c.withTask(choice("train.task", d.task, TrainConfig.Task.class));
      }
      if (d.model != null) {
        c = c.withModel(choice("train.model", d.model, TrainConfig.ModelType.class));
      }
      if (d.activation != null) {
        c = c.withActivation(choice("train.activation", d.activation, TrainConfig.Activation.class));
      }
      TrainConfig t = c;
      if (d.hidden_units != null) {
        t = checked("train.hidden_units", t, x -> x.withHiddenUnits(d.hidden_units));
      }
      if (d.dropout != null) {
        t = checked("train.dropout", t, x -> x.withDropout(d.dropout));
      }
      if (d.embedding_dim != null) {
        t = checked("train.embedding_dim", t, x -> x.withEmbeddingDim(d.embedding_dim));
      }
      if (d.embedding_dims != null) {
        t = checked("train.embedding_dims", t, x -> x.withEmbeddingDims(d.embedding_dims));
      }
      if (d.batch_size != null) {
        t = checked("train.batch_size", t, x -> x.withBatchSize(d.batch_size));
      }
      if (d.epochs != null) {
        t = checked("train.epochs", t, x -> x.withEpochs(d.epochs));
      }
      if (d.steps != null) {
        t = checked("train.steps", t, x -> x.withSteps(d.steps));
      }
      if (d.optimizer != null || d.learning_rate != null) {
        TrainConfig.Optimizer o = d.optimizer != null ? choice("train.optimizer", d.optimizer, TrainConfig.Optimizer.class) : t.optimizer();
        double lr = d.learning_rate != null ? d.learning_rate : (o == TrainConfig.Optimizer.SGD ? 0.01 : 0.001);
        t = checked(d.learning_rate != null ? "train.learning_rate" : "train.optimizer", t, x -> x.withOptimizer(o, lr));
      }
      if (d.l2 != null) {
        t = checked("train.l2", t, x -> x.withL2(d.l2));
      }
      if (d.early_stopping != null) {
        int patience = d.early_stopping.patience != null ? d.early_stopping.patience : 3;
        double minDelta = d.early_stopping.min_delta != null ? d.early_stopping.min_delta : 0.0;
        t = checked("train.early_stopping", t, x -> x.withEarlyStopping(patience, minDelta));
      }
      if (d.shuffle_buffer != null) {
        t = checked("train.shuffle_buffer", t, x -> x.withShuffleBuffer(d.shuffle_buffer));
      }
      if (d.seed != null) {
        t = t.withSeed(d.seed);
      }
      if (d.train_split != null || d.eval_split != null) {
        t = t.withSplits(d.train_split != null ? d.train_split : t.trainSplit(), d.eval_split != null ? d.eval_split : t.evalSplit());
      }
      return t;
    }

    private TrainConfig checked(String key, TrainConfig c, java.util.function.UnaryOperator<TrainConfig> with) {
      return check(key, () -> with.apply(c));
    }

    /** The constant of {@code type} written as {@code value} (case-insensitive, {@code z_score} for Z_SCORE). */
    private <E extends Enum<E>> E choice(String key, String value, Class<E> type) {
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        String name = e.name().toLowerCase(java.util.Locale.ROOT);
        if (name.equals(value.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_'))) {
          return e;
        }
        names.add(name);
      }
      String closest = YamlFiles.closest(value, names);
      throw new ConfigException(
          at(key) + "unknown value '" + value + "' for '" + key + "'"
              + (closest == null ? "" : "; did you mean '" + closest + "'?")
              + " (one of: " + String.join(", ", names) + ")");
    }

    private CsvFormat csv(CsvFormat base, CsvDoc d) {
      CsvFormat f = base;
      if (d.delimiter != null) {
        char delimiter = singleChar("ingest.csv.delimiter", d.delimiter);
        f = f.withDelimiter(delimiter);
      }
      if (d.quote != null) {
        CsvFormat before = f;
        char quote = singleChar("ingest.csv.quote", d.quote);
        f = check("ingest.csv.quote", () -> before.withQuote(quote));
      }
      if (d.header != null) {
        f = f.withHeader(d.header);
      }
      if (d.null_values != null) {
        f = f.withNullValues(d.null_values);
      }
      if (d.columns != null) {
        f = f.withColumnNames(d.columns);
      }
      if (f.header() && !f.columnNames().isEmpty()) {
        throw new ConfigException(
            at("ingest.csv.columns") + "'ingest.csv.columns' is only for files without a header: set 'header: false'");
      }
      return f;
    }

    private char singleChar(String key, String value) {
      String v = value.equals("\\t") ? "\t" : value;
      if (v.length() != 1) {
        throw new ConfigException(at(key) + "'" + key + "' must be one character, got '" + value + "'");
      }
      return v.charAt(0);
    }

    private InputFiles.SpanSelection span(Object value) {
      if ("latest".equals(value)) {
        return InputFiles.SpanSelection.latest();
      }
      if (value instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k.equals("from") || k.equals("to"))
          && m.get("from") instanceof Number from && m.get("to") instanceof Number to) {
        return InputFiles.SpanSelection.range(from.longValue(), to.longValue());
      }
      throw new IllegalArgumentException("expected 'latest' or {from: <span>, to: <span>}, got " + value);
    }

    private <T> T check(String key, Supplier<T> build) {
      try {
        return build.get();
      } catch (IllegalArgumentException e) {
        throw new ConfigException(at(key) + "bad value for '" + key + "': " + e.getMessage());
      }
    }

    private String at(String key) {
      return doc.at(key);
    }
  }

}
