package dev.beamline.transform;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.Storage;
import java.io.FileNotFoundException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * A transform fitted on the training split: the raw schema it reads and one {@link FittedFeature} per
 * output, in order. It transforms raw examples (exactly as {@link FeatureTransform} defines it) and is
 * written as a human-readable artifact.
 *
 * <pre>{@code
 * FittedTransform fitted = AnalyzeFn.fitInMemory(rawSchema, spec, trainRecords);
 * GenericRecord features = fitted.apply(rawRecord);      // a record of fitted.outputSchema()
 * fitted.write(dir);
 * FittedTransform same = FittedTransform.read(dir);   // a path or a URI (hdfs://..., gs://...)
 * }</pre>
 *
 * <h2>Artifact</h2>
 *
 * <p>{@value #TRANSFORM_FILE} holds {@code format} ({@code "beamline-transform"}), {@code version} (1),
 * {@code raw_schema} (name and type of every raw feature) and {@code features}, one object per output in
 * order, with snake_case names: {@code output}, {@code input}, {@code input_type}, {@code kind} ({@code
 * float}, {@code id}, {@code ids}, {@code vector}), {@code cardinality}, {@code width}, {@code rows}
 * (analysis rows), {@code spec} (the declaration: {@code impute}, {@code clip_min}, {@code clip_max},
 * {@code log_offset}, {@code scale}, {@code bucketize}, {@code binarize}, {@code time_part}, {@code
 * lowercase}, {@code text}, {@code separator}, {@code vocabulary}, {@code hash_buckets}, {@code encode},
 * {@code max_tokens}, {@code embedding}, {@code cross}; unset ones are left out) and the constants that apply: {@code impute_number},
 * {@code impute_string}, {@code mean}, {@code std}, {@code min}, {@code max}, {@code boundaries}, {@code
 * idf}, and {@code vocabulary_size} with {@code vocabulary_file}. A cross has no {@code input} nor {@code
 * input_type}: its {@code spec.cross} names the features it crosses. Each vocabulary is the file {@code
 * vocabularies/<output>.tsv}: one {@code token<TAB>count} line per token in id order (see {@link
 * VocabularyFile} for the escapes). Pretrained vectors ({@code encode: embedding} with {@code
 * embedding.vectors}) are the file {@code vectors/<output>.txt}, one line per vocabulary token in id
 * order, the token and its floats ({@link WordVectors}' format), named by {@code vectors_file}, with
 * {@code vectors_dim} and {@code vectors_sha256}, the SHA-256 of the user's file they were read from.
 * Non-finite doubles are the strings {@code "NaN"}, {@code
 * "Infinity"}, {@code "-Infinity"}. For example:
 *
 * <pre>{@code
 * { "format" : "beamline-transform", "version" : 1,
 *   "raw_schema" : [ { "name" : "mass", "type" : "float" }, { "name" : "island", "type" : "string" } ],
 *   "features" : [ {
 *     "output" : "mass", "input" : "mass", "input_type" : "float", "kind" : "float",
 *     "cardinality" : 0, "width" : 1, "rows" : 4,
 *     "spec" : { "scale" : "z_score", "lowercase" : false },
 *     "impute_number" : 2.0, "mean" : 2.0, "std" : 0.816496580927726
 *   }, {
 *     "output" : "island", "input" : "island", "input_type" : "string", "kind" : "vector",
 *     "cardinality" : 3, "width" : 3, "rows" : 4,
 *     "spec" : { "scale" : "none", "lowercase" : false,
 *                "vocabulary" : { "frequency_threshold" : 1, "oov_buckets" : 1 }, "encode" : "one_hot" },
 *     "vocabulary_size" : 2, "vocabulary_file" : "vocabularies/island.tsv"
 *   } ] }
 * }</pre>
 */
public final class FittedTransform implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The file, in an artifact folder, with the features and their constants. */
  public static final String TRANSFORM_FILE = "transform.json";
  /** The folder, in an artifact folder, with one vocabulary file per output that has a vocabulary. */
  public static final String VOCABULARY_DIR = "vocabularies";
  /** The folder, in an artifact folder, with the pretrained vectors of each output that has them. */
  public static final String VECTORS_DIR = "vectors";

  private final ExampleSchema raw;
  private final ImmutableList<FittedFeature> features;
  private transient volatile Compiled compiled;

  private FittedTransform(ExampleSchema raw, List<FittedFeature> features) {
    this.raw = raw;
    this.features = ImmutableList.copyOf(features);
  }

  /**
   * A transform of examples of {@code raw} into {@code features}, whose names must be distinct and whose
   * inputs must be in {@code raw}.
   */
  public static FittedTransform of(ExampleSchema raw, List<FittedFeature> features) {
    checkNotNull(raw, "raw");
    checkArgument(!features.isEmpty(), "a fitted transform needs at least one feature");
    Set<String> seen = new HashSet<>();
    for (FittedFeature f : features) {
      checkArgument(seen.add(f.name()), "output '%s' appears twice", f.name());
      for (FeatureSpec in : f.rawInputs()) {
        checkArgument(raw.indexOf(in.name()) >= 0, "output '%s' reads '%s', which is not in %s", f.name(), in.name(), raw);
      }
    }
    return new FittedTransform(raw, features);
  }

  /** The schema of the raw examples it reads. */
  public ExampleSchema rawSchema() {
    return raw;
  }

  /** The outputs, in order. */
  public ImmutableList<FittedFeature> features() {
    return features;
  }

  /**
   * The output called {@code name}.
   *
   * @throws IllegalArgumentException naming the outputs when there is none of that name
   */
  public FittedFeature feature(String name) {
    for (FittedFeature f : features) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no transformed feature '" + name + "'; the outputs are " + names());
  }

  /** The output names, in order. */
  public List<String> names() {
    return features.stream().map(FittedFeature::name).toList();
  }

  /** The Avro schema of transformed examples: record {@code dev.beamline.Transformed}, see {@link OutputKind}. */
  public Schema outputSchema() {
    return compiled().schema;
  }

  /**
   * Transforms one raw example.
   *
   * @throws IllegalArgumentException when it lacks an input feature
   */
  public GenericRecord apply(GenericRecord example) {
    Compiled c = compiled();
    RecordPositions p = c.positions.forSchema(example.getSchema(), c.inputs);
    c.positions = p;
    return c.apply(example, p.positions());
  }

  /** Transforms a batch of raw examples; the result has the same size and order. */
  public ExampleBatch apply(ExampleBatch batch) {
    Compiled c = compiled();
    RecordPositions p = c.positions;
    List<GenericRecord> out = new ArrayList<>(batch.size());
    for (GenericRecord r : batch) {
      p = p.forSchema(r.getSchema(), c.inputs);
      out.add(c.apply(r, p.positions()));
    }
    c.positions = p;
    return ExampleBatch.of(out);
  }

  /**
   * Writes {@value #TRANSFORM_FILE}, the vocabulary and the vectors files into the folder {@code dir} (a path or a
   * URI of any file system Beam supports, through {@link Storage}).
   */
  public void write(String dir) {
    for (FittedFeature f : features) {
      if (f.vocabulary() != null) {
        VocabularyFile.write(Storage.resolve(dir, TransformJson.vocabularyFile(f.name())), f.vocabulary(), f.counts());
      }
      if (f.vectors() != null) {
        f.vectors().write(Storage.resolve(dir, TransformJson.vectorsFile(f.name())));
      }
    }
    Storage.writeString(Storage.resolve(dir, TRANSFORM_FILE), TransformJson.write(this));
  }

  /** {@link #write(String)} into a local folder. */
  public void write(Path dir) {
    write(dir.toString());
  }

  /**
   * Reads a transform written by {@link #write(String)} from the folder {@code dir} (a path or URI).
   *
   * @throws UncheckedIOException when a file is missing or unreadable
   * @throws IllegalArgumentException when the files are not a transform of this format
   */
  public static FittedTransform read(String dir) {
    String file = Storage.resolve(dir, TRANSFORM_FILE);
    String json;
    try {
      json = Storage.readString(file);
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof FileNotFoundException) {
        throw new UncheckedIOException(dir + " holds no transform: " + file + " is missing", e.getCause());
      }
      throw e;
    }
    return TransformJson.read(json, dir);
  }

  /** {@link #read(String)} from a local folder. */
  public static FittedTransform read(Path dir) {
    return read(dir.toString());
  }

  /** The JSON of {@value #TRANSFORM_FILE}. */
  public String toJson() {
    return TransformJson.write(this);
  }

  private Compiled compiled() {
    Compiled c = compiled;
    if (c == null) {
      c = new Compiled(this);
      compiled = c;
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FittedTransform t && t.raw.equals(raw) && t.features.equals(features);
  }

  @Override
  public int hashCode() {
    return features.hashCode();
  }

  @Override
  public String toString() {
    return "FittedTransform" + names();
  }

  /** The appliers, built once per instance: applying must not look anything up by name per row. */
  private static final class Compiled {
    final Schema schema;
    /** The raw features read, each once. */
    final String[] inputs;
    /** Per output, the indices in {@link #inputs} of what it reads: one, or a cross's several. */
    final int[][] reads;
    final boolean[] cross;
    final FeatureApplier[] appliers;
    /** The positions for the last record schema seen; immutable, replaced when the schema changes. */
    volatile RecordPositions positions;

    Compiled(FittedTransform t) {
      int n = t.features.size();
      List<String> names = new ArrayList<>();
      reads = new int[n][];
      cross = new boolean[n];
      appliers = new FeatureApplier[n];
      List<OutputKind> kinds = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        FittedFeature f = t.features.get(i);
        List<String> read = f.spec().isCross() ? f.crossed().stream().map(c -> c.spec().input()).toList() : List.of(f.spec().input());
        reads[i] = new int[read.size()];
        for (int k = 0; k < read.size(); k++) {
          int at = names.indexOf(read.get(k));
          if (at < 0) {
            at = names.size();
            names.add(read.get(k));
          }
          reads[i][k] = at;
        }
        cross[i] = f.spec().isCross();
        appliers[i] = FeatureApplier.of(f);
        kinds.add(f.kind());
      }
      inputs = names.toArray(new String[0]);
      schema = OutputSchema.avro(t.names(), kinds);
      positions = RecordPositions.of(t.raw.toAvro(), inputs);
    }

    GenericRecord apply(GenericRecord example, int[] pos) {
      GenericData.Record out = new GenericData.Record(schema);
      for (int i = 0; i < appliers.length; i++) {
        int[] read = reads[i];
        Object raw;
        if (cross[i]) {
          Object[] values = new Object[read.length];
          for (int k = 0; k < read.length; k++) {
            values[k] = example.get(pos[read[k]]);
          }
          raw = values;
        } else {
          raw = example.get(pos[read[0]]);
        }
        try {
          out.put(i, appliers[i].apply(raw));
        } catch (ClassCastException e) {
          StringBuilder values = new StringBuilder();
          for (int k : read) {
            Object v = example.get(pos[k]);
            values.append(values.length() == 0 ? "" : ", ").append("feature '").append(inputs[k]).append("' holds ")
                .append(v == null ? "null" : v.getClass().getSimpleName() + " value '" + v + "'");
          }
          throw new IllegalArgumentException(values + (read.length == 1 ? ", not of its declared type" : ": one is not of its declared type"), e);
        }
      }
      return out;
    }
  }
}
