package dev.beamline.serving.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Int64Value;
import dev.beamline.serving.grpc.proto.ClassificationProtos;
import dev.beamline.serving.grpc.proto.ExampleList;
import dev.beamline.serving.grpc.proto.GetModelMetadataProtos;
import dev.beamline.serving.grpc.proto.GetModelStatusProtos;
import dev.beamline.serving.grpc.proto.InputProtos;
import dev.beamline.serving.grpc.proto.ModelProtos;
import dev.beamline.serving.grpc.proto.ModelServiceGrpc;
import dev.beamline.serving.grpc.proto.ModelServiceProtos;
import dev.beamline.serving.grpc.proto.ModelSpec;
import dev.beamline.serving.grpc.proto.PredictProtos;
import dev.beamline.serving.grpc.proto.PredictRequest;
import dev.beamline.serving.grpc.proto.PredictionServiceGrpc;
import dev.beamline.serving.grpc.proto.PredictionServiceProtos;
import dev.beamline.serving.grpc.proto.RegressionProtos;
import dev.beamline.serving.grpc.proto.SignatureDefMap;
import dev.beamline.serving.grpc.proto.StatusProto;
import dev.beamline.serving.grpc.proto.StatusProtos;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.ExampleProtos;
import org.tensorflow.proto.MetaGraphProtos;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorProtos;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.error.Code;

/**
 * The generated TF Serving classes: their descriptors build against TensorFlow Java's real ones (the
 * stand-ins in src/main/proto-imports match them), and their wire format is TF Serving's.
 */
class TfServingProtosTest {
  @Test
  void descriptorsDependOnTensorFlowJavasFiles() {
    assertThat(names(PredictProtos.getDescriptor().getDependencies()))
        .containsExactly(TensorProtos.getDescriptor().getName(), "tensorflow_serving/apis/model.proto");
    assertThat(TensorProtos.getDescriptor().getName()).isEqualTo("tensorflow/core/framework/tensor.proto");
    assertThat(names(InputProtos.getDescriptor().getDependencies())).containsExactly(ExampleProtos.getDescriptor().getName());
    assertThat(ExampleProtos.getDescriptor().getName()).isEqualTo("tensorflow/core/example/example.proto");
    assertThat(names(GetModelMetadataProtos.getDescriptor().getDependencies()))
        .containsExactly("google/protobuf/any.proto", MetaGraphProtos.getDescriptor().getName(), "tensorflow_serving/apis/model.proto");
    assertThat(MetaGraphProtos.getDescriptor().getName()).isEqualTo("tensorflow/core/protobuf/meta_graph.proto");
    assertThat(names(StatusProtos.getDescriptor().getDependencies()))
        .containsExactly(org.tensorflow.proto.error.dummy.ErrorCodes.getDescriptor().getName());
    assertThat(org.tensorflow.proto.error.dummy.ErrorCodes.getDescriptor().getName()).isEqualTo("tensorflow/core/protobuf/error_codes.proto");
    assertThat(org.tensorflow.proto.error.dummy.ErrorCodes.getDescriptor().getPublicDependencies())
        .containsExactly(Code.getDescriptor().getFile());
  }

  @Test
  void fieldsOfTensorFlowTypesAreTensorFlowJavasMessages() {
    FieldDescriptor inputs = PredictRequest.getDescriptor().findFieldByName("inputs");
    assertThat(inputs.isMapField()).isTrue();
    assertThat(inputs.getMessageType().findFieldByName("value").getMessageType()).isSameAs(TensorProto.getDescriptor());
    assertThat(ExampleList.getDescriptor().findFieldByName("examples").getMessageType()).isSameAs(Example.getDescriptor());
    assertThat(SignatureDefMap.getDescriptor().findFieldByName("signature_def").getMessageType().findFieldByName("value").getMessageType())
        .isSameAs(SignatureDef.getDescriptor());
    assertThat(StatusProto.getDescriptor().findFieldByName("error_code").getEnumType()).isSameAs(Code.getDescriptor());
    assertThat(ModelSpec.getDescriptor().findFieldByName("version").getMessageType()).isSameAs(Int64Value.getDescriptor());
  }

  @Test
  void predictRequestRoundTripsWithATensor() throws Exception {
    TensorProto x = TensorProto.newBuilder()
        .setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
        .addFloatVal(1.5f)
        .addFloatVal(-2f)
        .build();
    PredictRequest request = PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("penguins").setVersionLabel("stable").setSignatureName("serving_default"))
        .putInputs("x", x)
        .addOutputFilter("probabilities")
        .build();

    PredictRequest back = PredictRequest.parseFrom(request.toByteArray());

    assertThat(back).isEqualTo(request);
    assertThat(back.getInputsOrThrow("x").getFloatValList()).containsExactly(1.5f, -2f);
    assertThat(back.getInputsOrThrow("x").getUnknownFields().asMap()).isEmpty();
    assertThat(back.getModelSpec().getVersionLabel()).isEqualTo("stable");
  }

  @Test
  void predictRequestBytesAreTfServings() throws Exception {
    // Encoded by hand from TF Serving's numbers: PredictRequest.model_spec = 1, .inputs = 2 (entry key 1,
    // value 2); ModelSpec.name = 1, .version = 2 (Int64Value.value = 1); TensorProto.dtype = 1,
    // .float_val = 5 (packed); DT_FLOAT = 1; 1.0f = 0x3f800000.
    byte[] wire = HexFormat.of().parseHex("0a07" + "0a016d" + "12020803" + "120d" + "0a0178" + "1208" + "0801" + "2a040000803f");
    PredictRequest request = PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("m").setVersion(Int64Value.of(3)))
        .putInputs("x", TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).addFloatVal(1f).build())
        .build();

    assertThat(request.toByteArray()).isEqualTo(wire);
    assertThat(PredictRequest.parseFrom(wire)).isEqualTo(request);
  }

  /** TF Serving's field numbers and types (read off its protos) for every field kept. */
  private static final String TF_SERVING_FIELDS = """
      tensorflow.serving.ModelSpec.name 1 optional string
      tensorflow.serving.ModelSpec.version 2 optional .google.protobuf.Int64Value
      tensorflow.serving.ModelSpec.version_label 4 optional string
      tensorflow.serving.ModelSpec.signature_name 3 optional string
      tensorflow.serving.PredictRequest.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.PredictRequest.inputs 2 map<string,.tensorflow.TensorProto>
      tensorflow.serving.PredictRequest.output_filter 3 repeated string
      tensorflow.serving.PredictResponse.model_spec 2 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.PredictResponse.outputs 1 map<string,.tensorflow.TensorProto>
      tensorflow.serving.ExampleList.examples 1 repeated .tensorflow.Example
      tensorflow.serving.ExampleListWithContext.examples 1 repeated .tensorflow.Example
      tensorflow.serving.ExampleListWithContext.context 2 optional .tensorflow.Example
      tensorflow.serving.Input.example_list 1 optional .tensorflow.serving.ExampleList
      tensorflow.serving.Input.example_list_with_context 2 optional .tensorflow.serving.ExampleListWithContext
      tensorflow.serving.Class.label 1 optional string
      tensorflow.serving.Class.score 2 optional float
      tensorflow.serving.Classifications.classes 1 repeated .tensorflow.serving.Class
      tensorflow.serving.ClassificationResult.classifications 1 repeated .tensorflow.serving.Classifications
      tensorflow.serving.ClassificationRequest.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.ClassificationRequest.input 2 optional .tensorflow.serving.Input
      tensorflow.serving.ClassificationResponse.model_spec 2 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.ClassificationResponse.result 1 optional .tensorflow.serving.ClassificationResult
      tensorflow.serving.Regression.value 1 optional float
      tensorflow.serving.RegressionResult.regressions 1 repeated .tensorflow.serving.Regression
      tensorflow.serving.RegressionRequest.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.RegressionRequest.input 2 optional .tensorflow.serving.Input
      tensorflow.serving.RegressionResponse.model_spec 2 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.RegressionResponse.result 1 optional .tensorflow.serving.RegressionResult
      tensorflow.serving.SignatureDefMap.signature_def 1 map<string,.tensorflow.SignatureDef>
      tensorflow.serving.GetModelMetadataRequest.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.GetModelMetadataRequest.metadata_field 2 repeated string
      tensorflow.serving.GetModelMetadataResponse.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.GetModelMetadataResponse.metadata 2 map<string,.google.protobuf.Any>
      tensorflow.serving.StatusProto.error_code 1 optional .tensorflow.error.Code
      tensorflow.serving.StatusProto.error_message 2 optional string
      tensorflow.serving.GetModelStatusRequest.model_spec 1 optional .tensorflow.serving.ModelSpec
      tensorflow.serving.ModelVersionStatus.version 1 optional int64
      tensorflow.serving.ModelVersionStatus.state 2 optional .tensorflow.serving.ModelVersionStatus.State
      tensorflow.serving.ModelVersionStatus.status 3 optional .tensorflow.serving.StatusProto
      tensorflow.serving.GetModelStatusResponse.model_version_status 1 repeated .tensorflow.serving.ModelVersionStatus
      """;

  @Test
  void everyFieldHasTfServingsNumberAndType() {
    List<String> ours = new ArrayList<>();
    Stream.of(ModelProtos.getDescriptor(), PredictProtos.getDescriptor(), InputProtos.getDescriptor(), ClassificationProtos.getDescriptor(),
            RegressionProtos.getDescriptor(), GetModelMetadataProtos.getDescriptor(), StatusProtos.getDescriptor(), GetModelStatusProtos.getDescriptor())
        .flatMap(f -> f.getMessageTypes().stream())
        .forEach(m -> describe(m, ours));

    assertThat(ours).containsExactlyInAnyOrderElementsOf(TF_SERVING_FIELDS.lines().toList());
  }

  @Test
  void versionStatesAndErrorCodesHaveTfServingsNumbers() {
    assertThat(dev.beamline.serving.grpc.proto.ModelVersionStatus.State.getDescriptor().getValues())
        .extracting(v -> v.getName() + "=" + v.getNumber())
        .containsExactly("UNKNOWN=0", "START=10", "LOADING=20", "AVAILABLE=30", "UNLOADING=40", "END=50");
    for (dev.beamline.serving.server.Inference.State s : dev.beamline.serving.server.Inference.State.values()) {
      assertThat(dev.beamline.serving.grpc.proto.ModelVersionStatus.State.valueOf(s.name()).getNumber()).isEqualTo(s.number());
    }
  }

  @Test
  void servicesHaveTfServingsMethodNames() {
    assertThat(PredictionServiceGrpc.getServiceDescriptor().getMethods())
        .extracting(m -> m.getFullMethodName())
        .containsExactlyInAnyOrder("tensorflow.serving.PredictionService/Classify", "tensorflow.serving.PredictionService/Regress",
            "tensorflow.serving.PredictionService/Predict", "tensorflow.serving.PredictionService/GetModelMetadata");
    assertThat(ModelServiceGrpc.getServiceDescriptor().getMethods())
        .extracting(m -> m.getFullMethodName())
        .containsExactly("tensorflow.serving.ModelService/GetModelStatus");
    assertThat(PredictionServiceProtos.getDescriptor().getPackage()).isEqualTo("tensorflow.serving");
    assertThat(ModelServiceProtos.getDescriptor().getPackage()).isEqualTo("tensorflow.serving");
  }

  private static void describe(Descriptor m, List<String> out) {
    if (m.getOptions().getMapEntry()) {
      return;
    }
    for (FieldDescriptor f : m.getFields()) {
      String type;
      if (f.isMapField()) {
        Descriptor entry = f.getMessageType();
        type = "map<" + typeName(entry.findFieldByName("key")) + "," + typeName(entry.findFieldByName("value")) + ">";
      } else {
        type = (f.isRepeated() ? "repeated " : "optional ") + typeName(f);
      }
      out.add(m.getFullName() + "." + f.getName() + " " + f.getNumber() + " " + type);
    }
    m.getNestedTypes().forEach(n -> describe(n, out));
  }

  private static String typeName(FieldDescriptor f) {
    return switch (f.getType()) {
      case MESSAGE, GROUP -> "." + f.getMessageType().getFullName();
      case ENUM -> "." + f.getEnumType().getFullName();
      default -> f.getType().name().toLowerCase();
    };
  }

  private static List<String> names(List<FileDescriptor> files) {
    return files.stream().map(FileDescriptor::getName).toList();
  }
}
