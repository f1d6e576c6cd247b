package dev.beamline.core;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.ImmutableList;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The ordered list of features that every example of a dataset has, with its Avro form.
 *
 * <p>Examples travel through Beamline pipelines as Avro {@code GenericRecord}s whose schema is {@link
 * #toAvro()}: one nullable field per feature, in order.
 *
 * <pre>{@code
 * ExampleSchema schema = ExampleSchema.of(List.of(
 *     FeatureSpec.of("species", FeatureType.STRING),
 *     FeatureSpec.of("body_mass_g", FeatureType.FLOAT)));
 * Schema avro = schema.toAvro();
 * }</pre>
 */
public final class ExampleSchema implements Serializable {
  /** The Avro record name of examples. */
  public static final String RECORD_NAME = "Example";
  /** The Avro namespace of examples. */
  public static final String NAMESPACE = "dev.beamline";

  private final ImmutableList<FeatureSpec> features;

  private ExampleSchema(List<FeatureSpec> features) {
    this.features = ImmutableList.copyOf(features);
  }

  /** A schema of {@code features}, whose names must be distinct. */
  public static ExampleSchema of(List<FeatureSpec> features) {
    checkArgument(!features.isEmpty(), "a schema needs at least one feature");
    Set<String> seen = new HashSet<>();
    for (FeatureSpec f : features) {
      checkArgument(seen.add(f.name()), "feature '%s' appears twice in the schema", f.name());
    }
    return new ExampleSchema(features);
  }

  /**
   * The schema held by an Avro record schema. Every field must have a scalar type (optionally in a
   * union with null).
   *
   * @throws IllegalArgumentException naming the first field whose type Beamline cannot hold
   */
  public static ExampleSchema fromAvro(Schema record) {
    checkArgument(
        record.getType() == Schema.Type.RECORD, "expected an Avro record schema, got %s", record.getType());
    List<FeatureSpec> features = new ArrayList<>();
    for (Schema.Field field : record.getFields()) {
      Schema type = nonNullType(field.schema());
      FeatureType featureType = type == null ? null : FeatureType.fromAvro(type);
      checkArgument(
          featureType != null,
          "field '%s' has Avro type %s, which is not a scalar feature type"
              + " (int, long, float, double, string, enum, boolean, timestamp)",
          field.name(),
          field.schema());
      features.add(FeatureSpec.of(field.name(), featureType));
    }
    return of(features);
  }

  /** The non-null branch of a nullable union, the type itself when it is not a union, else null. */
  public static Schema nonNullType(Schema type) {
    if (type.getType() != Schema.Type.UNION) {
      return type;
    }
    Schema found = null;
    for (Schema branch : type.getTypes()) {
      if (branch.getType() == Schema.Type.NULL) {
        continue;
      }
      if (found != null) {
        return null;
      }
      found = branch;
    }
    return found;
  }

  public ImmutableList<FeatureSpec> features() {
    return features;
  }

  public int size() {
    return features.size();
  }

  public FeatureSpec feature(int index) {
    return features.get(index);
  }

  /** The feature called {@code name}, if any. */
  public Optional<FeatureSpec> feature(String name) {
    return features.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /** The position of {@code name}, or -1. */
  public int indexOf(String name) {
    for (int i = 0; i < features.size(); i++) {
      if (features.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  public List<String> names() {
    return features.stream().map(FeatureSpec::name).toList();
  }

  /** The Avro record schema of examples: one field per feature, each a union of null and its type. */
  public Schema toAvro() {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record(RECORD_NAME).namespace(NAMESPACE).fields();
    for (FeatureSpec f : features) {
      Schema nullable = Schema.createUnion(Schema.create(Schema.Type.NULL), f.type().avroType());
      fields = fields.name(f.name()).type(nullable).withDefault(null);
    }
    return fields.endRecord();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExampleSchema && ((ExampleSchema) o).features.equals(features);
  }

  @Override
  public int hashCode() {
    return features.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ExampleSchema{");
    for (int i = 0; i < features.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(features.get(i).name()).append(':').append(features.get(i).type().configName());
    }
    return s.append('}').toString();
  }
}
