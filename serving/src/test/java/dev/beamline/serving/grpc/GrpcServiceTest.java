package dev.beamline.serving.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import dev.beamline.serving.grpc.proto.ClassificationRequest;
import dev.beamline.serving.grpc.proto.ClassificationResponse;
import dev.beamline.serving.grpc.proto.ExampleList;
import dev.beamline.serving.grpc.proto.ExampleListWithContext;
import dev.beamline.serving.grpc.proto.GetModelMetadataRequest;
import dev.beamline.serving.grpc.proto.GetModelMetadataResponse;
import dev.beamline.serving.grpc.proto.GetModelStatusRequest;
import dev.beamline.serving.grpc.proto.GetModelStatusResponse;
import dev.beamline.serving.grpc.proto.Input;
import dev.beamline.serving.grpc.proto.ModelSpec;
import dev.beamline.serving.grpc.proto.ModelVersionStatus;
import dev.beamline.serving.grpc.proto.PredictRequest;
import dev.beamline.serving.grpc.proto.PredictResponse;
import dev.beamline.serving.grpc.proto.PredictionServiceGrpc;
import dev.beamline.serving.grpc.proto.RegressionRequest;
import dev.beamline.serving.grpc.proto.RegressionResponse;
import dev.beamline.serving.grpc.proto.SignatureDefMap;
import dev.beamline.serving.server.ServableRef;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.error.Code;

/**
 * The gRPC side over a real {@link GrpcServer} on a free port, called through stubs generated from the
 * same protos, against {@link ScriptedInference}: only the translation is checked here (specs,
 * tensors, examples, status codes, request ids), not a model.
 */
class GrpcServiceTest {
  private static final String UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  private ScriptedInference inference;
  private GrpcHarness grpc;

  @BeforeEach
  void start() {
    inference = new ScriptedInference();
    grpc = GrpcHarness.start(inference);
  }

  @AfterEach
  void stop() throws InterruptedException {
    inference.release.countDown();
    grpc.close();
  }

  static ModelSpec.Builder spec(String model) {
    return ModelSpec.newBuilder().setName(model);
  }

  static TensorProto floats(long rows, float... values) {
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(rows)));
    for (float v : values) {
      b.addFloatVal(v);
    }
    return b.build();
  }

  static PredictRequest predict(ModelSpec.Builder spec) {
    return PredictRequest.newBuilder().setModelSpec(spec).putInputs("x", floats(2, 1.5f, -2f)).build();
  }

  static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  @Test
  void predictTranslatesTheRequestAndAnswersWithTheVersionThatRan() {
    PredictResponse r = grpc.prediction().predict(predict(spec("penguins")));

    ScriptedInference.Call call = inference.last();
    assertThat(call.ref()).isEqualTo(ServableRef.latest("penguins"));
    assertThat(call.signature()).isNull();
    assertThat(call.inputs()).containsOnlyKeys("x");
    assertThat(call.inputs().get("x").shape()).containsExactly(2);
    assertThat((float[]) call.inputs().get("x").values()).containsExactly(1.5f, -2f);
    assertThat(call.info().api()).isEqualTo("grpc");

    assertThat(r.getModelSpec()).isEqualTo(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(7)).setSignatureName("serving_default").build());
    assertThat(r.getOutputsMap()).containsOnlyKeys("doubled", "label");
    assertThat(r.getOutputsOrThrow("doubled")).isEqualTo(floats(2, 3f, -4f));
    assertThat(r.getOutputsOrThrow("label").getStringValList()).containsExactly(ByteString.copyFromUtf8("row0"), ByteString.copyFromUtf8("row1"));
  }

  @Test
  void versionLabelAndSignatureNameReachTheInference() {
    PredictResponse byVersion = grpc.prediction().predict(predict(spec("penguins").setVersion(Int64Value.of(5))));
    assertThat(inference.last().ref()).isEqualTo(ServableRef.version("penguins", 5));
    assertThat(byVersion.getModelSpec().getVersion().getValue()).isEqualTo(5);

    PredictResponse byLabel = grpc.prediction().predict(predict(spec("penguins").setVersionLabel("stable").setSignatureName("scores")));
    assertThat(inference.last().ref()).isEqualTo(ServableRef.label("penguins", "stable"));
    assertThat(inference.last().signature()).isEqualTo("scores");
    assertThat(byLabel.getModelSpec()).isEqualTo(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(3)).setSignatureName("scores").build());

    // An empty label names no label: the latest version.
    grpc.prediction().predict(predict(spec("penguins").setVersionLabel("")));
    assertThat(inference.last().ref()).isEqualTo(ServableRef.latest("penguins"));
  }

  @Test
  void outputFilterKeepsOnlyTheNamedOutputs() {
    PredictResponse r = grpc.prediction().predict(predict(spec("penguins")).toBuilder().addOutputFilter("label").build());
    assertThat(r.getOutputsMap()).containsOnlyKeys("label");

    assertStatus(() -> grpc.prediction().predict(predict(spec("penguins")).toBuilder().addOutputFilter("probabilities").build()),
        Status.Code.INVALID_ARGUMENT, "output tensor alias not found in signature: probabilities Outputs expected to be in the set {doubled,label}.");
    assertStatus(() -> grpc.prediction().predict(predict(spec("penguins")).toBuilder().addOutputFilter("label").addOutputFilter("label").build()),
        Status.Code.INVALID_ARGUMENT, "duplicate output tensor alias: label");
  }

  @Test
  void refusalsBecomeTheirStatusCodes() {
    assertStatus(() -> grpc.prediction().predict(PredictRequest.newBuilder().putInputs("x", floats(1, 1f)).build()),
        Status.Code.INVALID_ARGUMENT, "Missing ModelSpec");
    assertStatus(() -> grpc.prediction().predict(predict(spec(""))),
        Status.Code.INVALID_ARGUMENT, "model_spec.name is empty: a request must name a model");
    assertStatus(() -> grpc.prediction().predict(predict(spec("unknown"))),
        Status.Code.NOT_FOUND, "Servable not found for request: Latest(unknown)");
    assertStatus(() -> grpc.prediction().predict(predict(spec("penguins").setVersionLabel("blue"))),
        Status.Code.INVALID_ARGUMENT, "model penguins has no version labelled 'blue'");
    assertStatus(() -> grpc.prediction().predict(predict(spec("refusing"))),
        Status.Code.RESOURCE_EXHAUSTED, "the batch queue of refusing is full");
    assertStatus(() -> grpc.prediction().predict(PredictRequest.newBuilder().setModelSpec(spec("penguins")).putInputs("x", floats(3, 1f, 2f)).build()),
        Status.Code.INVALID_ARGUMENT, "input 'x' (DT_FLOAT, shape [3]) needs 3 values in float_val or tensor_content, or one for all of them; it has 2");
    // Failed inside the inference, on its worker.
    assertStatus(() -> grpc.prediction().predict(PredictRequest.newBuilder().setModelSpec(spec("penguins")).build()),
        Status.Code.INVALID_ARGUMENT, "signature serving_default needs input 'x'");
  }

  @Test
  void aBugIsAGenericInternalErrorWithTheRequestId() {
    assertThatThrownBy(() -> grpc.prediction("bug-1").predict(predict(spec("broken"))))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).isEqualTo("internal error (request id bug-1)").doesNotContain("secret");
          assertThat(e.getTrailers().get(RequestIds.HEADER)).isEqualTo("bug-1");
        });
  }

  @Test
  void theRequestIdGoesBothWays() {
    grpc.prediction("client-id-1").predict(predict(spec("penguins")));
    assertThat(inference.last().info().requestId()).isEqualTo("client-id-1");
    assertThat(grpc.lastHeaders().get(RequestIds.HEADER)).isEqualTo("client-id-1");

    grpc.prediction().predict(predict(spec("penguins")));
    String made = inference.last().info().requestId();
    assertThat(made).matches(UUID_PATTERN);
    assertThat(grpc.lastRequestId()).isEqualTo(made);

    grpc.prediction("x".repeat(201)).predict(predict(spec("penguins")));
    assertThat(inference.last().info().requestId()).matches(UUID_PATTERN);
    assertThat(grpc.lastRequestId()).isEqualTo(inference.last().info().requestId());

    // A call refused before any answer carries it in its trailers.
    assertThatThrownBy(() -> grpc.prediction("failing-2").predict(predict(spec("unknown")))).isInstanceOf(StatusRuntimeException.class);
    assertThat(grpc.lastRequestId()).isEqualTo("failing-2");
    assertThatThrownBy(() -> grpc.models().getModelStatus(GetModelStatusRequest.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class);
    assertThat(grpc.lastRequestId()).matches(UUID_PATTERN);
  }

  static Input examples() {
    return Input.newBuilder().setExampleListWithContext(ExampleListWithContext.newBuilder()
            .setContext(ExampleCodecTest.example("year", ExampleCodecTest.int64s(2009)))
            .addExamples(ExampleCodecTest.example("island", ExampleCodecTest.bytes("Biscoe"), "bill_length_mm", ExampleCodecTest.floats(39.5f)))
            .addExamples(ExampleCodecTest.example("island", ExampleCodecTest.bytes("Dream"), "bill_length_mm", ExampleCodecTest.floats(41f))))
        .build();
  }

  @Test
  void classifyTranslatesExamplesAndAnswersClassesPerExample() {
    ClassificationResponse r = grpc.prediction().classify(ClassificationRequest.newBuilder()
        .setModelSpec(spec("penguins").setVersionLabel("canary").setSignatureName("classification")).setInput(examples()).build());

    ScriptedInference.Call call = inference.last();
    assertThat(call.ref()).isEqualTo(ServableRef.label("penguins", "canary"));
    assertThat(call.signature()).isEqualTo("classification");
    assertThat(call.examples()).extracting(ExampleCodecTest::readable).containsExactly(
        java.util.Map.of("year", List.of(2009L), "island", List.of("bytes:Biscoe"), "bill_length_mm", List.of(39.5f)),
        java.util.Map.of("year", List.of(2009L), "island", List.of("bytes:Dream"), "bill_length_mm", List.of(41f)));

    assertThat(r.getModelSpec()).isEqualTo(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(4)).setSignatureName("classification").build());
    assertThat(r.getResult().getClassificationsList()).hasSize(2);
    assertThat(r.getResult().getClassifications(1).getClassesList())
        .extracting(c -> c.getLabel() + "=" + c.getScore())
        .containsExactly("Dream=0.75", "other=0.25");

    assertStatus(() -> grpc.prediction().classify(ClassificationRequest.newBuilder().setModelSpec(spec("penguins")).build()),
        Status.Code.INVALID_ARGUMENT, "Input is empty.");
  }

  @Test
  void regressAnswersOneValuePerExample() {
    RegressionResponse r = grpc.prediction().regress(RegressionRequest.newBuilder()
        .setModelSpec(spec("penguins"))
        .setInput(Input.newBuilder().setExampleList(ExampleList.newBuilder()
            .addExamples(ExampleCodecTest.example("a", ExampleCodecTest.floats(1.5f, 2f)))
            .addExamples(ExampleCodecTest.example("a", ExampleCodecTest.int64s(4)))))
        .build());

    assertThat(inference.last().method()).isEqualTo("regress");
    assertThat(r.getModelSpec()).isEqualTo(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(7)).setSignatureName("serving_default").build());
    assertThat(r.getResult().getRegressionsList()).extracting(x -> x.getValue()).containsExactly(3.5f, 4f);
  }

  @Test
  void metadataAnswersTheSignatureDefMapInAnAny() throws Exception {
    GetModelMetadataResponse r = grpc.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder()
        .setModelSpec(spec("penguins")).addMetadataField("signature_def").build());

    assertThat(r.getModelSpec()).isEqualTo(ModelSpec.newBuilder().setName("penguins").setVersion(Int64Value.of(7)).build());
    assertThat(r.getMetadataMap()).containsOnlyKeys("signature_def");
    assertThat(r.getMetadataOrThrow("signature_def").getTypeUrl()).isEqualTo("type.googleapis.com/tensorflow.serving.SignatureDefMap");
    SignatureDefMap signatures = r.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    assertThat(signatures.getSignatureDefMap()).containsOnlyKeys("serving_default", "classification");
    assertThat(signatures.getSignatureDefOrThrow("classification").getMethodName()).isEqualTo("tensorflow/serving/classify");

    assertStatus(() -> grpc.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder().setModelSpec(spec("penguins")).build()),
        Status.Code.INVALID_ARGUMENT, "GetModelMetadataRequest must specify at least one metadata_field");
    assertStatus(() -> grpc.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder().setModelSpec(spec("penguins"))
            .addMetadataField("signature_def").addMetadataField("graph_def").build()),
        Status.Code.INVALID_ARGUMENT, "Metadata field graph_def is not supported");
    assertStatus(() -> grpc.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder().addMetadataField("signature_def").build()),
        Status.Code.INVALID_ARGUMENT, "Missing ModelSpec");
    assertStatus(() -> grpc.prediction().getModelMetadata(GetModelMetadataRequest.newBuilder().setModelSpec(spec("unknown")).addMetadataField("signature_def").build()),
        Status.Code.NOT_FOUND, "Servable not found for request: Latest(unknown)");
  }

  @Test
  void modelStatusListsVersionsWithStateAndStatus() {
    GetModelStatusResponse all = grpc.models().getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec("penguins")).build());

    assertThat(all.getModelVersionStatusList()).containsExactly(
        ModelVersionStatus.newBuilder().setVersion(7).setState(ModelVersionStatus.State.AVAILABLE)
            .setStatus(dev.beamline.serving.grpc.proto.StatusProto.getDefaultInstance()).build(),
        ModelVersionStatus.newBuilder().setVersion(6).setState(ModelVersionStatus.State.END)
            .setStatus(dev.beamline.serving.grpc.proto.StatusProto.newBuilder().setErrorCode(Code.FAILED_PRECONDITION).setErrorMessage("version 6 has no saved_model.pb"))
            .build());

    GetModelStatusResponse one = grpc.models().getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec("penguins").setVersion(Int64Value.of(7))).build());
    assertThat(inference.last().ref()).isEqualTo(ServableRef.version("penguins", 7));
    assertThat(one.getModelVersionStatusList()).extracting(ModelVersionStatus::getVersion).containsExactly(7L);

    assertStatus(() -> grpc.models().getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec("penguins").setVersion(Int64Value.of(9))).build()),
        Status.Code.NOT_FOUND, "Could not find version 9 of model penguins");
    assertStatus(() -> grpc.models().getModelStatus(GetModelStatusRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT, "Missing ModelSpec");
  }

  @Test
  void aWaitingPredictionHoldsUpNoOtherCall() throws Exception {
    Future<PredictResponse> slow = PredictionServiceGrpc.newFutureStub(grpc.channel()).predict(predict(spec("slow")));
    assertThat(inference.slowStarted.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(grpc.prediction().predict(predict(spec("penguins"))).getModelSpec().getVersion().getValue()).isEqualTo(7);
    assertThat(slow).isNotDone();

    inference.release.countDown();
    assertThat(slow.get(30, TimeUnit.SECONDS).getModelSpec().getName()).isEqualTo("slow");
  }

  @Test
  void closeLetsACallInFlightFinish() throws Exception {
    Future<PredictResponse> slow = PredictionServiceGrpc.newFutureStub(grpc.channel()).predict(predict(spec("slow")));
    assertThat(inference.slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
    // The harness closes its channel first; close the server alone, as the model server does.
    Thread closing = new Thread(() -> closeServerOf(grpc));
    closing.start();

    inference.release.countDown();
    assertThat(slow.get(30, TimeUnit.SECONDS).getOutputsMap()).containsOnlyKeys("doubled", "label");
    closing.join(30_000);
    assertThat(closing.isAlive()).isFalse();
  }

  @Test
  void closeCancelsWhatOutlastsTheDrainTimeout() throws Exception {
    ScriptedInference stuck = new ScriptedInference();
    try (GrpcHarness short_ = GrpcHarness.start(stuck, GrpcServer.Options.defaults().withPort(0).withDrainTimeout(Duration.ofMillis(200)))) {
      Future<PredictResponse> never = PredictionServiceGrpc.newFutureStub(short_.channel()).predict(predict(spec("slow")));
      assertThat(stuck.slowStarted.await(30, TimeUnit.SECONDS)).isTrue();

      long start = System.nanoTime();
      closeServerOf(short_);

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertThatThrownBy(() -> never.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class);
    } finally {
      stuck.release.countDown();
    }
  }

  @Test
  void aMessageOverTheLimitIsRefused() throws Exception {
    try (GrpcHarness small = GrpcHarness.start(new ScriptedInference(), GrpcServer.Options.defaults().withPort(0).withMaxInboundMessageBytes(1024))) {
      float[] many = new float[1000];
      PredictRequest big = PredictRequest.newBuilder().setModelSpec(spec("penguins")).putInputs("x", floats(1000, many)).build();

      assertThatThrownBy(() -> small.prediction().predict(big))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
      assertThat(small.prediction().predict(predict(spec("penguins"))).getOutputsMap()).containsKey("doubled");
    }
  }

  @Test
  void portZeroPicksAFreePort() {
    assertThat(grpc.port()).isPositive();
  }

  @Test
  void methodsNotServedAreUnimplemented() {
    for (String method : List.of("tensorflow.serving.PredictionService/MultiInference", "tensorflow.serving.ModelService/HandleReloadConfigRequest")) {
      MethodDescriptor<byte[], byte[]> m = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(method)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(grpc.channel(), m, CallOptions.DEFAULT, new byte[0]))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }
  }

  /** Messages as their bytes, for calls the generated stubs do not have. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static void closeServerOf(GrpcHarness h) {
    h.server().close();
  }
}
