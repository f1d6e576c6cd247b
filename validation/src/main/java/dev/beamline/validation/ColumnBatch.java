package dev.beamline.validation;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleSchema;
import java.util.Arrays;

/**
 * The values of a run of examples, column by column: what {@link FeatureStatisticsFn#addColumns} takes
 * from readers that decode columns (such as Parquet's) instead of building a record per example.
 *
 * <p>Statistics do not depend on the order of the values of a feature, nor on which values share an
 * example, so a column holds only its values, in any order, and a count of nulls. A numeric column
 * ({@code int}, {@code float}, {@code timestamp}: microseconds since the epoch) holds doubles; a string
 * column ({@code string}, {@code boolean}: {@code "true"} / {@code "false"}) holds values with counts,
 * so that a dictionary-encoded column can be added as counts of its entries. Every column must hold as
 * many values and nulls as the batch has examples. A batch is a reusable buffer: fill it, add it, clear
 * it; it is not thread-safe.
 *
 * <pre>{@code
 * ColumnBatch batch = ColumnBatch.of(schema);           // body_mass_g: float, species: string
 * batch.numbers(0).add(3750.0);
 * batch.numbers(0).addNull();
 * batch.strings(1).add("Adelie", 2);
 * fn.addColumns(accumulator, batch);                    // two examples
 * batch.clear();
 * }</pre>
 */
public final class ColumnBatch {
  private final ExampleSchema schema;
  private final Numbers[] numbers;
  private final Strings[] strings;

  private ColumnBatch(ExampleSchema schema) {
    this.schema = schema;
    this.numbers = new Numbers[schema.size()];
    this.strings = new Strings[schema.size()];
    for (int i = 0; i < schema.size(); i++) {
      if (StatsAccumulator.isNumeric(schema.feature(i).type())) {
        numbers[i] = new Numbers();
      } else {
        strings[i] = new Strings();
      }
    }
  }

  /** An empty batch of examples of {@code schema}. */
  public static ColumnBatch of(ExampleSchema schema) {
    return new ColumnBatch(checkNotNull(schema, "schema"));
  }

  public ExampleSchema schema() {
    return schema;
  }

  /** The column of feature {@code feature} (an index into the schema), which must be numeric. */
  public Numbers numbers(int feature) {
    checkArgument(
        feature >= 0 && feature < schema.size() && numbers[feature] != null,
        "feature %s is not a numeric feature of %s",
        feature,
        schema);
    return numbers[feature];
  }

  /** The column of feature {@code feature} (an index into the schema), which must be a string or boolean one. */
  public Strings strings(int feature) {
    checkArgument(
        feature >= 0 && feature < schema.size() && strings[feature] != null,
        "feature %s is not a string or boolean feature of %s",
        feature,
        schema);
    return strings[feature];
  }

  /**
   * The number of examples in the batch.
   *
   * @throws IllegalStateException when the columns hold different numbers of values and nulls
   */
  public long rows() {
    long rows = rowsOf(0);
    for (int i = 1; i < schema.size(); i++) {
      if (rowsOf(i) != rows) {
        throw new IllegalStateException(
            "columns of a batch differ in length: '" + schema.feature(0).name() + "' has " + rows + " values and nulls, '"
                + schema.feature(i).name() + "' " + rowsOf(i));
      }
    }
    return rows;
  }

  private long rowsOf(int feature) {
    return numbers[feature] != null ? numbers[feature].rows() : strings[feature].rows();
  }

  /** Empties every column, keeping its buffers. */
  public void clear() {
    for (int i = 0; i < schema.size(); i++) {
      if (numbers[i] != null) {
        numbers[i].clear();
      } else {
        strings[i].clear();
      }
    }
  }

  /** The values of a numeric feature, as doubles, and its number of nulls. */
  public static final class Numbers {
    double[] values = new double[1024];
    int size;
    long nulls;

    private Numbers() {}

    public void add(double value) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = value;
    }

    public void addNull() {
      nulls++;
    }

    public void addNulls(long n) {
      checkArgument(n >= 0, "number of nulls must be 0 or more, got %s", n);
      nulls += n;
    }

    /** The number of values (nulls not included). */
    public int size() {
      return size;
    }

    public long nulls() {
      return nulls;
    }

    long rows() {
      return size + nulls;
    }

    void clear() {
      size = 0;
      nulls = 0;
    }
  }

  /** The values of a string or boolean feature, each with how many times it occurs, and its number of nulls. */
  public static final class Strings {
    String[] values = new String[64];
    long[] counts = new long[64];
    int size;
    long total;
    long nulls;

    private Strings() {}

    public void add(String value) {
      add(value, 1);
    }

    /** Adds {@code times} occurrences of {@code value}; a value may be added more than once. */
    public void add(String value, long times) {
      checkNotNull(value, "value (use addNull for a missing value)");
      checkArgument(times > 0, "times must be 1 or more, got %s", times);
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
        counts = Arrays.copyOf(counts, size * 2);
      }
      values[size] = value;
      counts[size++] = times;
      total += times;
    }

    public void addNull() {
      nulls++;
    }

    public void addNulls(long n) {
      checkArgument(n >= 0, "number of nulls must be 0 or more, got %s", n);
      nulls += n;
    }

    /** The number of (value, count) entries. */
    public int size() {
      return size;
    }

    public long nulls() {
      return nulls;
    }

    long rows() {
      return total + nulls;
    }

    void clear() {
      Arrays.fill(values, 0, size, null);
      size = 0;
      total = 0;
      nulls = 0;
    }
  }
}
