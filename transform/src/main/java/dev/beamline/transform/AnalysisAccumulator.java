package dev.beamline.transform;

import dev.beamline.core.ExampleSchema;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.CustomCoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mergeable state of {@link AnalyzeFn}: the number of analysis rows and one {@link FeatureAnalyzer}
 * per transformed feature, in spec order. Encoded deterministically by the coder that {@link
 * AnalyzeFn#getAccumulatorCoder} returns.
 *
 * <pre>{@code
 * AnalyzeFn fn = AnalyzeFn.of(rawSchema, spec);
 * AnalysisAccumulator acc = fn.addInput(fn.createAccumulator(), batch);
 * FittedTransform fitted = fn.extractOutput(acc);
 * }</pre>
 */
public final class AnalysisAccumulator {
  private static final Logger LOG = LoggerFactory.getLogger(AnalysisAccumulator.class);

  private final ExampleSchema raw;
  private final TransformSpec spec;
  /** The raw input of each analyzer. */
  private final String[] inputs;
  /** One per transformed feature that reads a raw feature, in spec order; crosses have none. */
  private final FeatureAnalyzer[] analyzers;
  private long rows;
  private RecordPositions positions;

  private AnalysisAccumulator(ExampleSchema raw, TransformSpec spec) {
    this.raw = raw;
    this.spec = spec;
    List<FeatureTransform> features = spec.features().stream().filter(f -> !f.isCross()).toList();
    this.inputs = new String[features.size()];
    this.analyzers = new FeatureAnalyzer[features.size()];
    for (int i = 0; i < analyzers.length; i++) {
      FeatureTransform f = features.get(i);
      inputs[i] = f.input();
      analyzers[i] = FeatureAnalyzer.of(f, raw.feature(f.input()).orElseThrow().type());
    }
  }

  /** An accumulator that has seen no row; {@code spec} must have passed {@link TransformSpec#check}. */
  static AnalysisAccumulator empty(ExampleSchema raw, TransformSpec spec) {
    return new AnalysisAccumulator(raw, spec);
  }

  /** The number of analysis rows seen. */
  public long rows() {
    return rows;
  }

  /**
   * Adds one raw example.
   *
   * @throws IllegalArgumentException when it lacks an input feature
   */
  void add(GenericRecord record) {
    RecordPositions p = positions;
    if (p == null) {
      p = RecordPositions.of(record.getSchema(), inputs);
    } else {
      p = p.forSchema(record.getSchema(), inputs);
    }
    positions = p;
    int[] pos = p.positions();
    rows++;
    for (int i = 0; i < analyzers.length; i++) {
      analyzers[i].add(record.get(pos[i]));
    }
  }

  /** Adds {@code other} into this; {@code other} is left unchanged. */
  void merge(AnalysisAccumulator other) {
    rows += other.rows;
    for (int i = 0; i < analyzers.length; i++) {
      analyzers[i].merge(other.analyzers[i]);
    }
  }

  /**
   * The fitted transform, in spec order: each analyzed feature, and each cross with the fitted features
   * it crosses; logs each analyzer's {@link #warnings()} once.
   */
  FittedTransform fit() {
    Map<String, FittedFeature> analyzed = new HashMap<>();
    for (FeatureAnalyzer a : analyzers) {
      FittedFeature f = a.fit(rows);
      analyzed.put(f.name(), f);
    }
    List<FittedFeature> fitted = new ArrayList<>(spec.features().size());
    for (FeatureTransform f : spec.features()) {
      fitted.add(f.isCross() ? FittedFeature.cross(f, f.cross().stream().map(analyzed::get).toList(), rows) : analyzed.get(f.output()));
    }
    warnings().forEach(LOG::warn);
    return FittedTransform.of(raw, fitted);
  }

  /** The analyzers' warnings, in spec order: a default cap that cut a vocabulary, estimated counts. */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (FeatureAnalyzer a : analyzers) {
      out.addAll(a.warnings());
    }
    return out;
  }

  /** A deterministic coder of accumulators of {@code spec} over {@code raw}. */
  static Coder coder(ExampleSchema raw, TransformSpec spec) {
    return new Coder(raw, spec);
  }

  /** Encodes the row count, then each analyzer's state in spec order. */
  static final class Coder extends CustomCoder<AnalysisAccumulator> {
    private static final long serialVersionUID = 1L;
    private final ExampleSchema raw;
    private final TransformSpec spec;

    Coder(ExampleSchema raw, TransformSpec spec) {
      this.raw = raw;
      this.spec = spec;
    }

    @Override
    public void encode(AnalysisAccumulator acc, OutputStream outStream) throws IOException {
      // DataOutputStream does not buffer: nothing is left unwritten, nothing is read past the value.
      DataOutputStream out = new DataOutputStream(outStream);
      out.writeLong(acc.rows);
      for (FeatureAnalyzer a : acc.analyzers) {
        a.encode(out);
      }
      out.flush();
    }

    @Override
    public AnalysisAccumulator decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      AnalysisAccumulator acc = new AnalysisAccumulator(raw, spec);
      acc.rows = in.readLong();
      for (FeatureAnalyzer a : acc.analyzers) {
        a.decode(in);
      }
      return acc;
    }

    /** Maps are written sorted by key and sketches as their bytes: equal states encode equally. */
    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof Coder c && c.raw.equals(raw) && c.spec.equals(spec);
    }

    @Override
    public int hashCode() {
      return spec.hashCode();
    }
  }
}
