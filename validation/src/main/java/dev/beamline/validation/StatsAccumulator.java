package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * The mergeable state of {@link FeatureStatisticsFn}: the number of examples and, for each feature of
 * the schema in order, a numeric or a string accumulator. Encoded by {@link #coder(ExampleSchema)}.
 *
 * <pre>{@code
 * FeatureStatisticsFn fn = FeatureStatisticsFn.of(schema, "train");
 * StatsAccumulator acc = fn.addInput(fn.createAccumulator(), batch);
 * }</pre>
 */
public final class StatsAccumulator {
  private final ExampleSchema schema;
  private long numExamples;
  /** Per feature, in schema order: the numeric accumulator of int/float/timestamp features, else null. */
  private final NumericAccumulator[] numeric;
  /** Per feature, in schema order: the string accumulator of string/boolean features, else null. */
  private final StringAccumulator[] strings;
  /** The record schema that {@link #positions} belongs to: records of one schema share its field positions. */
  private Schema positionsOf;
  private int[] positions;

  private StatsAccumulator(ExampleSchema schema) {
    this.schema = schema;
    this.numeric = new NumericAccumulator[schema.size()];
    this.strings = new StringAccumulator[schema.size()];
  }

  /** An accumulator that has seen no example of {@code schema}. */
  static StatsAccumulator empty(ExampleSchema schema) {
    StatsAccumulator a = new StatsAccumulator(schema);
    for (int i = 0; i < schema.size(); i++) {
      if (isNumeric(schema.feature(i).type())) {
        a.numeric[i] = new NumericAccumulator();
      } else {
        a.strings[i] = new StringAccumulator();
      }
    }
    return a;
  }

  static boolean isNumeric(FeatureType type) {
    return type == FeatureType.INT || type == FeatureType.FLOAT || type == FeatureType.TIMESTAMP;
  }

  public long numExamples() {
    return numExamples;
  }

  /**
   * Adds one example.
   *
   * @throws IllegalArgumentException when the record lacks a feature of the schema or holds a value of
   *     the wrong type for it
   */
  void add(GenericRecord record) {
    int[] pos = positionsIn(record.getSchema());
    numExamples++;
    for (int i = 0; i < pos.length; i++) {
      Object value = record.get(pos[i]);
      if (numeric[i] != null) {
        if (value == null) {
          numeric[i].addMissing();
        } else {
          numeric[i].add(toDouble(i, value));
        }
      } else if (value == null) {
        strings[i].addMissing();
      } else {
        // Avro strings arrive as Utf8 or String, enum symbols as GenericEnumSymbol, booleans as Boolean.
        strings[i].add(value.toString());
      }
    }
  }

  /**
   * Adds the examples of {@code batch}, column by column: the same state as adding them one by one, up
   * to the rounding and sketch differences that {@link NumericAccumulator#addAll} and {@link
   * StringAccumulator#add(String, long)} state.
   *
   * @throws IllegalArgumentException when the batch has another schema
   * @throws IllegalStateException when its columns differ in length
   */
  void add(ColumnBatch batch) {
    checkArgument(
        batch.schema().equals(schema), "cannot add a batch of schema %s to statistics of schema %s", batch.schema(), schema);
    numExamples += batch.rows();
    for (int i = 0; i < numeric.length; i++) {
      if (numeric[i] != null) {
        ColumnBatch.Numbers c = batch.numbers(i);
        numeric[i].addAll(c.values, c.size);
        numeric[i].addMissing(c.nulls);
      } else {
        ColumnBatch.Strings c = batch.strings(i);
        for (int k = 0; k < c.size; k++) {
          strings[i].add(c.values[k], c.counts[k]);
        }
        strings[i].addMissing(c.nulls);
      }
    }
  }

  private int[] positionsIn(Schema recordSchema) {
    if (recordSchema != positionsOf) {
      int[] pos = new int[schema.size()];
      for (int i = 0; i < pos.length; i++) {
        String name = schema.feature(i).name();
        Schema.Field field = recordSchema.getField(name);
        checkArgument(
            field != null,
            "example has no field '%s' of the schema %s (its fields: %s)",
            name,
            schema,
            recordSchema.getFields());
        pos[i] = field.pos();
      }
      positions = pos;
      positionsOf = recordSchema;
    }
    return positions;
  }

  private double toDouble(int feature, Object value) {
    if (value instanceof Number n) {
      // Integers above 2^53 lose their last bits here; statistics of such IDs are approximate anyway.
      return n.doubleValue();
    }
    if (value instanceof Instant t) {
      return t.getEpochSecond() * 1e6 + t.getNano() / 1000;
    }
    FeatureSpec f = schema.feature(feature);
    throw new IllegalArgumentException(
        "feature '" + f.name() + "' is declared " + f.type().configName() + " but holds a "
            + value.getClass().getSimpleName() + " (" + value + ")");
  }

  /** Adds {@code other}, an accumulator of the same schema, into this one; {@code other} is left unchanged. */
  void merge(StatsAccumulator other) {
    checkArgument(
        other.schema.equals(schema),
        "cannot merge statistics of schema %s into statistics of schema %s",
        other.schema,
        schema);
    numExamples += other.numExamples;
    for (int i = 0; i < numeric.length; i++) {
      if (numeric[i] != null) {
        numeric[i].merge(other.numeric[i]);
      } else {
        strings[i].merge(other.strings[i]);
      }
    }
  }

  /** The statistics of what this accumulator has seen, as split {@code split}. */
  DatasetStatistics extract(String split) {
    List<FeatureStatistics> features = new ArrayList<>(schema.size());
    for (int i = 0; i < schema.size(); i++) {
      FeatureSpec f = schema.feature(i);
      long count = numeric[i] != null ? numeric[i].count : strings[i].count;
      long missing = numeric[i] != null ? numeric[i].missing : strings[i].missing;
      double presence = count + missing == 0 ? 0.0 : (double) count / (count + missing);
      features.add(
          new FeatureStatistics(
              f.name(),
              f.type().configName(),
              count,
              missing,
              presence,
              numeric[i] != null ? numeric[i].extract() : null,
              strings[i] != null ? strings[i].extract() : null));
    }
    return new DatasetStatistics(split, numExamples, features);
  }

  /** A coder of accumulators of {@code schema}. */
  public static Coder coder(ExampleSchema schema) {
    return new Coder(schema);
  }

  /**
   * Encodes an accumulator compactly: counts as variable-length integers, moments as doubles, and the
   * sketches in their own serialized forms ({@code toByteArray()}, read back with {@code heapify}).
   * Exact value counts are written in value order, so the encoding depends only on the accumulator's
   * state.
   */
  public static final class Coder extends CustomCoder<StatsAccumulator> {
    private static final long serialVersionUID = 1L;

    private final ExampleSchema schema;

    private Coder(ExampleSchema schema) {
      this.schema = schema;
    }

    @Override
    public void encode(StatsAccumulator value, OutputStream outStream) throws IOException {
      DataOutputStream out = new DataOutputStream(outStream);
      Varints.write(out, value.numExamples);
      Varints.write(out, value.numeric.length);
      for (int i = 0; i < value.numeric.length; i++) {
        if (value.numeric[i] != null) {
          value.numeric[i].encode(out);
        } else {
          value.strings[i].encode(out);
        }
      }
      out.flush();
    }

    @Override
    public StatsAccumulator decode(InputStream inStream) throws IOException {
      DataInputStream in = new DataInputStream(inStream);
      StatsAccumulator a = new StatsAccumulator(schema);
      a.numExamples = Varints.read(in);
      long features = Varints.read(in);
      if (features != schema.size()) {
        throw new CoderException(
            "statistics accumulator has " + features + " features, the schema " + schema.size());
      }
      for (int i = 0; i < schema.size(); i++) {
        if (isNumeric(schema.feature(i).type())) {
          a.numeric[i] = NumericAccumulator.decode(in);
        } else {
          a.strings[i] = StringAccumulator.decode(in);
        }
      }
      return a;
    }

    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof Coder && ((Coder) o).schema.equals(schema);
    }

    @Override
    public int hashCode() {
      return schema.hashCode();
    }
  }
}
