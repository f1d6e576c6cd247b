package dev.beamline.transform;

import dev.beamline.core.ExampleSchema;
import dev.beamline.core.FeatureSpec;
import dev.beamline.core.FeatureType;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;

/**
 * The Avro schema of transformed examples: a record {@code dev.beamline.Transformed} with one non-null
 * field per output, in spec order: {@code float} (FLOAT), {@code long} (ID), array of {@code long}
 * (IDS), array of {@code float} (VECTOR). It depends on the declarations only, so it is known before
 * the analyzers run.
 */
final class OutputSchema {
  static final String RECORD_NAME = "Transformed";

  private OutputSchema() {}

  static Schema avro(List<String> names, List<OutputKind> kinds) {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record(RECORD_NAME).namespace(ExampleSchema.NAMESPACE).fields();
    for (int i = 0; i < names.size(); i++) {
      fields = fields.name(names.get(i)).type(avroType(kinds.get(i))).noDefault();
    }
    return fields.endRecord();
  }

  static Schema avro(TransformSpec spec, ExampleSchema raw) {
    List<String> names = new ArrayList<>();
    List<OutputKind> kinds = new ArrayList<>();
    for (FeatureTransform f : spec.features()) {
      names.add(f.output());
      kinds.add(OutputKind.of(f, inputType(f, raw)));
    }
    return avro(names, kinds);
  }

  /**
   * The scalar outputs as an example schema, for statistics: FLOAT as {@code float}, ID as {@code int};
   * null when every output is a list.
   */
  static ExampleSchema scalars(TransformSpec spec, ExampleSchema raw) {
    List<FeatureSpec> out = new ArrayList<>();
    for (FeatureTransform f : spec.features()) {
      OutputKind kind = OutputKind.of(f, inputType(f, raw));
      if (kind == OutputKind.FLOAT) {
        out.add(FeatureSpec.of(f.output(), FeatureType.FLOAT));
      } else if (kind == OutputKind.ID) {
        out.add(FeatureSpec.of(f.output(), FeatureType.INT));
      }
    }
    return out.isEmpty() ? null : ExampleSchema.of(out);
  }

  /** The type of the raw feature {@code f} reads; null for a cross, which reads transformed features. */
  private static FeatureType inputType(FeatureTransform f, ExampleSchema raw) {
    return f.isCross() ? null : raw.feature(f.input()).orElseThrow().type();
  }

  private static Schema avroType(OutputKind kind) {
    switch (kind) {
      case FLOAT:
        return Schema.create(Schema.Type.FLOAT);
      case ID:
        return Schema.create(Schema.Type.LONG);
      case IDS:
        return Schema.createArray(Schema.create(Schema.Type.LONG));
      case VECTOR:
        return Schema.createArray(Schema.create(Schema.Type.FLOAT));
      default:
        throw new AssertionError(kind);
    }
  }
}
