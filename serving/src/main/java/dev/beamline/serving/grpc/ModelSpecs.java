package dev.beamline.serving.grpc;

import com.google.protobuf.Int64Value;
import dev.beamline.serving.grpc.proto.ModelSpec;
import dev.beamline.serving.server.Inference;
import dev.beamline.serving.server.ServableRef;
import dev.beamline.serving.server.ServingException;

/** TF Serving's {@code ModelSpec} to the servable it names, and the spec an answer carries. */
final class ModelSpecs {
  private ModelSpecs() {}

  /**
   * The servable a request's spec names: the version, or the label, or (neither, or an empty label)
   * the latest available version.
   *
   * @param present whether the request has a {@code model_spec} at all
   */
  static ServableRef ref(boolean present, ModelSpec spec) {
    if (!present) {
      // TF Serving's message.
      throw ServingException.invalid("Missing ModelSpec");
    }
    if (spec.getName().isEmpty()) {
      throw ServingException.invalid("model_spec.name is empty: a request must name a model");
    }
    return switch (spec.getVersionChoiceCase()) {
      case VERSION -> ServableRef.version(spec.getName(), spec.getVersion().getValue());
      case VERSION_LABEL -> spec.getVersionLabel().isEmpty() ? ServableRef.latest(spec.getName()) : ServableRef.label(spec.getName(), spec.getVersionLabel());
      case VERSIONCHOICE_NOT_SET -> ServableRef.latest(spec.getName());
    };
  }

  /** The signature a request's spec names, null for the default one. */
  static String signature(ModelSpec spec) {
    return spec.getSignatureName().isEmpty() ? null : spec.getSignatureName();
  }

  /**
   * The spec of an answer, as TF Serving fills it: the model, the version that answered and the
   * signature that ran (the default one's key when neither the answer nor the request names one).
   */
  static ModelSpec answered(String model, long version, String signature, ModelSpec requested) {
    String key = signature != null && !signature.isEmpty() ? signature
        : !requested.getSignatureName().isEmpty() ? requested.getSignatureName() : Inference.DEFAULT_SIGNATURE;
    return ModelSpec.newBuilder().setName(model).setVersion(Int64Value.of(version)).setSignatureName(key).build();
  }
}
