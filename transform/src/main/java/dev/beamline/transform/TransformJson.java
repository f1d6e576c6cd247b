package dev.beamline.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.TimePart;
import java.io.UncheckedIOException;
import dev.beamline.core.Storage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON form of a {@link FittedTransform} ({@code transform.json}; the format is described there).
 * Doubles are written in their shortest exact form, so reading gives back the same bits; NaN and
 * infinities, which plain JSON lacks, as the strings {@code "NaN"}, {@code "Infinity"}, {@code
 * "-Infinity"}.
 */
final class TransformJson {
  static final String FORMAT = "beamline-transform";
  static final int VERSION = 1;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TransformJson() {}

  /** The path of the vocabulary file of output {@code name}, relative to the artifact folder. */
  static String vocabularyFile(String name) {
    return FittedTransform.VOCABULARY_DIR + "/" + name + ".tsv";
  }

  /** The path of the pretrained vectors of output {@code name}, relative to the artifact folder. */
  static String vectorsFile(String name) {
    return FittedTransform.VECTORS_DIR + "/" + name + ".txt";
  }

  static String write(FittedTransform t) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    ArrayNode raw = root.putArray("raw_schema");
    for (FeatureSpec f : t.rawSchema().features()) {
      raw.addObject().put("name", f.name()).put("type", f.type().configName());
    }
    ArrayNode features = root.putArray("features");
    for (FittedFeature f : t.features()) {
      features.add(feature(f));
    }
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot write the transform as JSON", e);
    }
  }

  private static ObjectNode feature(FittedFeature f) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("output", f.spec().output());
    if (!f.spec().isCross()) {
      n.put("input", f.spec().input());
      n.put("input_type", f.inputType().configName());
    }
    n.put("kind", name(f.kind()));
    n.put("cardinality", f.cardinality());
    n.put("width", f.width());
    n.put("rows", f.rows());
    n.set("spec", spec(f.spec()));
    putDouble(n, "impute_number", f.imputeNumber());
    if (f.imputeString() != null) {
      n.put("impute_string", f.imputeString());
    }
    putDouble(n, "mean", f.mean());
    putDouble(n, "std", f.std());
    putDouble(n, "min", f.min());
    putDouble(n, "max", f.max());
    putDoubles(n, "boundaries", f.boundaries());
    if (f.vocabulary() != null) {
      n.put("vocabulary_size", f.vocabulary().size());
      n.put("vocabulary_file", vocabularyFile(f.name()));
    }
    putDoubles(n, "idf", f.idf());
    if (f.vectors() != null) {
      n.put("vectors_file", vectorsFile(f.name()));
      n.put("vectors_dim", f.vectors().dim());
      if (f.vectors().sha256() != null) {
        n.put("vectors_sha256", f.vectors().sha256());
      }
    }
    return n;
  }

  private static ObjectNode spec(FeatureTransform s) {
    ObjectNode n = MAPPER.createObjectNode();
    if (s.impute() != null) {
      ObjectNode i = n.putObject("impute");
      i.put("strategy", name(s.impute().strategy()));
      if (s.impute().constant() != null) {
        i.put("constant", s.impute().constant());
      }
    }
    putDouble(n, "clip_min", s.clipMin());
    putDouble(n, "clip_max", s.clipMax());
    putDouble(n, "log_offset", s.logOffset());
    if (s.scale() != null) {
      n.put("scale", name(s.scale()));
    }
    if (s.bucketize() != null) {
      n.put("bucketize", s.bucketize());
    }
    putDouble(n, "binarize", s.binarize());
    if (s.timePart() != null) {
      n.put("time_part", name(s.timePart()));
    }
    n.put("lowercase", s.lowercase());
    if (s.text() != null) {
      n.putObject("text").put("ngram_min", s.text().ngramMin()).put("ngram_max", s.text().ngramMax());
    }
    if (s.separator() != null) {
      n.put("separator", s.separator());
    }
    if (s.vocabulary() != null) {
      ObjectNode v = n.putObject("vocabulary");
      if (s.vocabulary().topK() != null) {
        v.put("top_k", s.vocabulary().topK());
      }
      v.put("frequency_threshold", s.vocabulary().frequencyThreshold());
      v.put("oov_buckets", s.vocabulary().oovBuckets());
    }
    if (s.hashBuckets() != null) {
      n.put("hash_buckets", s.hashBuckets());
    }
    if (s.encode() != null) {
      n.put("encode", name(s.encode()));
    }
    if (s.maxTokens() != null) {
      n.put("max_tokens", s.maxTokens());
    }
    if (s.embedding() != null) {
      ObjectNode e = n.putObject("embedding");
      e.put("pooling", name(s.embedding().pooling()));
      if (s.embedding().vectors() != null) {
        e.put("vectors", s.embedding().vectors());
      }
      e.put("trainable", s.embedding().trainable());
    }
    if (s.isCross()) {
      ArrayNode cross = n.putArray("cross");
      s.cross().forEach(cross::add);
    }
    return n;
  }

  /**
   * Reads {@code json}, taking vocabularies from the files it names under {@code dir}.
   *
   * @throws IllegalArgumentException when {@code json} is not a transform of this format
   */
  static FittedTransform read(String json, String dir) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid transform JSON: " + e.getOriginalMessage(), e);
    }
    if (!FORMAT.equals(root.path("format").asText()) || root.path("version").asInt() != VERSION) {
      throw new IllegalArgumentException(
          "not a transform of format " + FORMAT + " version " + VERSION + ": format '" + root.path("format").asText()
              + "', version " + root.path("version"));
    }
    List<FeatureSpec> raw = new ArrayList<>();
    for (JsonNode f : root.path("raw_schema")) {
      raw.add(FeatureSpec.of(f.path("name").asText(), FeatureType.parse(f.path("type").asText())));
    }
    // Crosses last: they take the fitted features they cross, which may come after them.
    Map<String, FittedFeature> byName = new HashMap<>();
    for (JsonNode f : root.path("features")) {
      if (!f.path("spec").has("cross")) {
        FittedFeature read = readFeature(f, dir);
        byName.put(read.name(), read);
      }
    }
    List<FittedFeature> features = new ArrayList<>();
    for (JsonNode f : root.path("features")) {
      if (f.path("spec").has("cross")) {
        FeatureTransform spec = readSpec(f.path("spec"), f.path("output").asText(), null);
        List<FittedFeature> crossed = new ArrayList<>();
        for (String name : spec.cross()) {
          FittedFeature c = byName.get(name);
          if (c == null) {
            throw new IllegalArgumentException("cross '" + spec.output() + "' crosses '" + name + "', which is not a feature of the transform");
          }
          crossed.add(c);
        }
        features.add(FittedFeature.cross(spec, crossed, f.path("rows").asLong()));
      } else {
        features.add(byName.get(f.path("output").asText()));
      }
    }
    return FittedTransform.of(ExampleSchema.of(raw), features);
  }

  private static FittedFeature readFeature(JsonNode n, String dir) {
    FeatureTransform spec = readSpec(n.path("spec"), n.path("output").asText(), n.path("input").asText());
    List<String> vocabulary = null;
    long[] counts = null;
    if (n.hasNonNull("vocabulary_file")) {
      VocabularyFile.Content v = VocabularyFile.read(Storage.resolve(dir, n.path("vocabulary_file").asText()));
      vocabulary = List.copyOf(v.tokens());
      counts = v.counts();
    }
    WordVectors vectors = null;
    if (n.hasNonNull("vectors_file")) {
      String file = Storage.resolve(dir, n.path("vectors_file").asText());
      int dim = n.path("vectors_dim").asInt();
      vectors = WordVectors.read(file, token -> true);
      if (vectors.dim() != dim) {
        throw new IllegalArgumentException(file + " holds vectors of dim " + vectors.dim() + ", the transform states " + n.path("vectors_dim").asInt());
      }
      vectors = vectors.withSha256(n.hasNonNull("vectors_sha256") ? n.get("vectors_sha256").asText() : null);
    }
    return new FittedFeature(
        spec,
        FeatureType.parse(n.path("input_type").asText()),
        OutputKind.valueOf(n.path("kind").asText().toUpperCase(Locale.ROOT)),
        n.path("cardinality").asInt(),
        getDouble(n, "impute_number"),
        n.hasNonNull("impute_string") ? n.get("impute_string").asText() : null,
        getDouble(n, "mean"),
        getDouble(n, "std"),
        getDouble(n, "min"),
        getDouble(n, "max"),
        getDoubles(n, "boundaries"),
        vocabulary,
        counts,
        getDoubles(n, "idf"),
        n.path("rows").asLong(),
        null,
        vectors);
  }

  private static FeatureTransform readSpec(JsonNode n, String output, String input) {
    Impute impute = null;
    if (n.hasNonNull("impute")) {
      JsonNode i = n.get("impute");
      impute = new Impute(
          Impute.Strategy.valueOf(i.path("strategy").asText().toUpperCase(Locale.ROOT)),
          i.hasNonNull("constant") ? i.get("constant").asText() : null);
    }
    FeatureTransform.Text text = null;
    if (n.hasNonNull("text")) {
      text = new FeatureTransform.Text(n.get("text").path("ngram_min").asInt(), n.get("text").path("ngram_max").asInt());
    }
    FeatureTransform.Vocabulary vocabulary = null;
    if (n.hasNonNull("vocabulary")) {
      JsonNode v = n.get("vocabulary");
      vocabulary = new FeatureTransform.Vocabulary(
          v.hasNonNull("top_k") ? v.get("top_k").asInt() : null,
          v.path("frequency_threshold").asLong(),
          v.path("oov_buckets").asInt());
    }
    FeatureTransform.Embedding embedding = null;
    if (n.hasNonNull("embedding")) {
      JsonNode e = n.get("embedding");
      embedding = new FeatureTransform.Embedding(
          FeatureTransform.Pooling.valueOf(e.path("pooling").asText("mean").toUpperCase(Locale.ROOT)),
          e.hasNonNull("vectors") ? e.get("vectors").asText() : null,
          e.path("trainable").asBoolean(true));
    }
    return new FeatureTransform(
        output,
        input,
        impute,
        getDouble(n, "clip_min"),
        getDouble(n, "clip_max"),
        getDouble(n, "log_offset"),
        n.hasNonNull("scale") ? Scale.valueOf(upper(n, "scale")) : null,
        n.hasNonNull("bucketize") ? n.get("bucketize").asInt() : null,
        getDouble(n, "binarize"),
        n.hasNonNull("time_part") ? TimePart.valueOf(upper(n, "time_part")) : null,
        n.path("lowercase").asBoolean(),
        text,
        n.hasNonNull("separator") ? n.get("separator").asText() : null,
        vocabulary,
        n.hasNonNull("hash_buckets") ? n.get("hash_buckets").asInt() : null,
        n.hasNonNull("encode") ? Encoding.valueOf(upper(n, "encode")) : null,
        n.hasNonNull("max_tokens") ? n.get("max_tokens").asInt() : null,
        embedding,
        n.has("cross") ? strings(n.get("cross")) : null);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static String upper(JsonNode n, String field) {
    return n.get(field).asText().toUpperCase(Locale.ROOT);
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static void putDouble(ObjectNode n, String field, Double value) {
    if (value != null) {
      putNumber(n, field, value);
    }
  }

  private static void putNumber(ObjectNode n, String field, double value) {
    if (Double.isFinite(value)) {
      n.put(field, value);
    } else {
      n.put(field, Double.toString(value));
    }
  }

  private static void putDoubles(ObjectNode n, String field, double[] values) {
    if (values == null) {
      return;
    }
    ArrayNode a = n.putArray(field);
    for (double v : values) {
      if (Double.isFinite(v)) {
        a.add(v);
      } else {
        a.add(Double.toString(v));
      }
    }
  }

  private static Double getDouble(JsonNode n, String field) {
    return n.hasNonNull(field) ? toDouble(n.get(field)) : null;
  }

  private static double[] getDoubles(JsonNode n, String field) {
    if (!n.hasNonNull(field)) {
      return null;
    }
    JsonNode a = n.get(field);
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = toDouble(a.get(i));
    }
    return out;
  }

  private static double toDouble(JsonNode v) {
    return v.isTextual() ? Double.parseDouble(v.asText()) : v.doubleValue();
  }
}
