package dev.beamline.serving.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import dev.beamline.serving.grpc.GrpcHarness;
import dev.beamline.serving.grpc.proto.ClassificationRequest;
import dev.beamline.serving.grpc.proto.ClassificationResponse;
import dev.beamline.serving.grpc.proto.ExampleList;
import dev.beamline.serving.grpc.proto.GetModelMetadataRequest;
import dev.beamline.serving.grpc.proto.GetModelMetadataResponse;
import dev.beamline.serving.grpc.proto.GetModelStatusRequest;
import dev.beamline.serving.grpc.proto.GetModelStatusResponse;
import dev.beamline.serving.grpc.proto.Input;
import dev.beamline.serving.grpc.proto.ModelSpec;
import dev.beamline.serving.grpc.proto.ModelVersionStatus;
import dev.beamline.serving.grpc.proto.PredictRequest;
import dev.beamline.serving.grpc.proto.PredictResponse;
import dev.beamline.serving.grpc.proto.SignatureDefMap;
import dev.beamline.serving.log.RequestLog;
import dev.beamline.training.ServingModel;
import dev.beamline.training.TrainedModelFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * TF Serving's gRPC API on the real server and a real model, through a client generated from the
 * project's protos: Predict with typed tensors, Classify with {@code tf.Example}s, metadata, status,
 * labels and errors. The answers are the model's own ({@link ServingModel#score}).
 */
class GrpcApiIT {
  @TempDir static Path dir;
  private static TrainedModelFixture fixture;
  private static ModelServer server;
  private static GrpcHarness client;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServerFixture.model();
    ServerFixture.push(fixture.modelDir(), dir.resolve("serving"), "penguins", 1);
    ServerFixture.push(fixture.modelDir(), dir.resolve("serving"), "penguins", 2);
    Path config = dir.resolve("models.yaml");
    Files.writeString(config, "models:\n  - name: penguins\n    base_path: serving/penguins\n    version_policy: all\n    labels: {stable: 1}\n");
    server = ModelServer.start(ModelSource.file(config), ServerOptions.defaults().withPorts(0, 0), new ServerMetrics(), RequestLog.NONE);
    client = GrpcHarness.connect(server.grpcPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The fixture's raw columns as tensors of the serving signature's types, {@code rows} rows. */
  private static PredictRequest.Builder predict(List<GenericRecord> rows) {
    PredictRequest.Builder b = PredictRequest.newBuilder();
    Schema schema = rows.get(0).getSchema();
    for (Schema.Field f : schema.getFields()) {
      if (f.name().equals("species")) {
        continue;
      }
      TensorProto.Builder t = TensorProto.newBuilder()
          .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(rows.size())));
      Schema.Type type = f.schema().getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow().getType();
      for (GenericRecord r : rows) {
        Object v = r.get(f.name());
        switch (type) {
          case DOUBLE -> t.setDtype(DataType.DT_DOUBLE).addDoubleVal(v == null ? Double.NaN : (Double) v);
          case LONG -> t.setDtype(DataType.DT_INT64).addInt64Val(v == null ? Long.MIN_VALUE : (Long) v);
          default -> t.setDtype(DataType.DT_STRING).addStringVal(ByteString.copyFromUtf8(v == null ? "" : v.toString()));
        }
      }
      b.putInputs(f.name(), t.build());
    }
    return b;
  }

  @Test
  void predictAnswersTheModelsProbabilitiesAndNamesTheVersion() {
    List<GenericRecord> rows = fixture.evalRows().subList(10, 16);
    PredictResponse r = client.prediction("grpc-7").predict(predict(rows)
        .setModelSpec(ModelSpec.newBuilder().setName("penguins").setVersionLabel("stable")).build());
    assertThat(r.getModelSpec().getName()).isEqualTo("penguins");
    assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(1);
    assertThat(r.getModelSpec().getSignatureName()).isEqualTo("serving_default");
    assertThat(client.lastRequestId()).isEqualTo("grpc-7");
    TensorProto p = r.getOutputsOrThrow("probabilities");
    assertThat(p.getDtype()).isEqualTo(DataType.DT_FLOAT);
    assertThat(p.getTensorShape().getDimList()).extracting(TensorShapeProto.Dim::getSize).containsExactly(6L, 3L);
    try (ServingModel m = ServingModel.load(fixture.modelDir().toString())) {
      ServingModel.Scores s = m.score(rows);
      for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 3; k++) {
          assertThat(p.getFloatVal(i * 3 + k)).isEqualTo(s.probability(i, k));
        }
      }
    }
    PredictResponse latest = client.prediction().predict(predict(rows).setModelSpec(ModelSpec.newBuilder().setName("penguins"))
        .addOutputFilter("classes").build());
    assertThat(latest.getModelSpec().getVersion().getValue()).isEqualTo(2);
    assertThat(latest.getOutputsMap()).containsOnlyKeys("classes");
    assertThat(latest.getOutputsOrThrow("classes").getStringValList()).allSatisfy(c -> assertThat(c.toStringUtf8()).isIn(TrainedModelFixture.CLASSES));
  }

  @Test
  void classifyTakesExamplesWithMissingFeatures() {
    Example full = Example.newBuilder().setFeatures(Features.newBuilder()
        .putFeature("bill", Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(40.5f)).build())
        .putFeature("island", Feature.newBuilder().setBytesList(BytesList.newBuilder().addValue(ByteString.copyFromUtf8("Biscoe"))).build())
        .putFeature("seen", Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(1_700_000_000_000_000L)).build()))
        .build();
    ClassificationResponse r = client.prediction().classify(ClassificationRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(1)))
        .setInput(Input.newBuilder().setExampleList(ExampleList.newBuilder().addExamples(full).addExamples(Example.getDefaultInstance())))
        .build());
    assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(1);
    assertThat(r.getResult().getClassificationsCount()).isEqualTo(2);
    for (var c : r.getResult().getClassificationsList()) {
      assertThat(c.getClassesList()).extracting(x -> x.getLabel()).containsExactlyElementsOf(TrainedModelFixture.CLASSES);
      assertThat(c.getClassesList().stream().mapToDouble(x -> x.getScore()).sum()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    }
  }

  @Test
  void metadataAndStatus() throws Exception {
    GetModelMetadataResponse m = client.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("penguins")).addMetadataField("signature_def").build());
    assertThat(m.getModelSpec().getVersion().getValue()).isEqualTo(2);
    SignatureDefMap defs = m.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    assertThat(defs.getSignatureDefMap()).containsKeys("serving_default", "transformed");
    assertThat(defs.getSignatureDefOrThrow("serving_default").getInputsOrThrow("seen").getDtype()).isEqualTo(DataType.DT_INT64);
    GetModelStatusResponse s = client.models().getModelStatus(GetModelStatusRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("penguins")).build());
    assertThat(s.getModelVersionStatusList()).extracting(ModelVersionStatus::getVersion).containsExactly(2L, 1L);
    assertThat(s.getModelVersionStatusList()).allSatisfy(v -> assertThat(v.getState()).isEqualTo(ModelVersionStatus.State.AVAILABLE));
  }

  @Test
  void errorsAreStatusCodesWithTheirReason() {
    assertThatThrownBy(() -> client.prediction().predict(predict(fixture.evalRows().subList(0, 1))
        .setModelSpec(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(7))).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).isEqualTo("Servable not found for request: Specific(penguins, 7)");
        });
    PredictRequest.Builder noBill = predict(fixture.evalRows().subList(0, 1)).removeInputs("bill");
    assertThatThrownBy(() -> client.prediction().predict(noBill.setModelSpec(ModelSpec.newBuilder().setName("penguins")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).isEqualTo("missing input 'bill' of signature 'serving_default' of model penguins version 2");
        });
  }
}
