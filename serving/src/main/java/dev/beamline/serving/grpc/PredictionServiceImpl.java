package dev.beamline.serving.grpc;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import dev.beamline.serving.grpc.proto.ClassificationRequest;
import dev.beamline.serving.grpc.proto.ClassificationResponse;
import dev.beamline.serving.grpc.proto.ClassificationResult;
import dev.beamline.serving.grpc.proto.Classifications;
import dev.beamline.serving.grpc.proto.GetModelMetadataRequest;
import dev.beamline.serving.grpc.proto.GetModelMetadataResponse;
import dev.beamline.serving.grpc.proto.ModelSpec;
import dev.beamline.serving.grpc.proto.PredictRequest;
import dev.beamline.serving.grpc.proto.PredictResponse;
import dev.beamline.serving.grpc.proto.PredictionServiceGrpc;
import dev.beamline.serving.grpc.proto.RegressionRequest;
import dev.beamline.serving.grpc.proto.RegressionResponse;
import dev.beamline.serving.grpc.proto.RegressionResult;
import dev.beamline.serving.grpc.proto.SignatureDefMap;
import dev.beamline.serving.server.Inference;
import dev.beamline.serving.server.Inference.Classification;
import dev.beamline.serving.server.Inference.Metadata;
import dev.beamline.serving.server.Inference.Prediction;
import dev.beamline.serving.server.Inference.Regression;
import dev.beamline.serving.server.Inference.RequestInfo;
import dev.beamline.serving.server.Inference.ScoredClass;
import dev.beamline.serving.server.ServableRef;
import dev.beamline.serving.server.ServingException;
import dev.beamline.serving.server.TensorData;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.TensorProto;

/**
 * TF Serving's {@code tensorflow.serving.PredictionService} (Predict, Classify, Regress,
 * GetModelMetadata) over an {@link Inference}: translates the request, lets the inference run on its
 * workers and answers from the future's callback, so no gRPC thread waits for a model. Answers carry
 * the model, the version that answered and the signature in {@code model_spec}, as TF Serving's do;
 * a refused request ends with its {@link ErrorStatus}. MultiInference is not served (UNIMPLEMENTED).
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(8500)
 *     .addService(new PredictionServiceImpl(inference))
 *     .intercept(new RequestIds())
 *     .build().start();
 * }</pre>
 * {@link GrpcServer} does this wiring.
 */
public final class PredictionServiceImpl extends PredictionServiceGrpc.PredictionServiceImplBase {
  /** The only metadata field there is, as TF Serving names it. */
  public static final String SIGNATURE_DEF = "signature_def";

  private final Inference inference;

  public PredictionServiceImpl(Inference inference) {
    this.inference = checkNotNull(inference, "inference");
  }

  @Override
  public void predict(PredictRequest request, StreamObserver<PredictResponse> observer) {
    String id = Answers.requestId();
    Answers.send(Answers.start(() -> {
      ServableRef ref = ModelSpecs.ref(request.hasModelSpec(), request.getModelSpec());
      List<String> filter = outputFilter(request.getOutputFilterList());
      Map<String, TensorData> inputs = new LinkedHashMap<>();
      for (Map.Entry<String, TensorProto> in : request.getInputsMap().entrySet()) {
        inputs.put(in.getKey(), TensorProtoCodec.decode(in.getKey(), in.getValue()));
      }
      return inference.predict(ref, ModelSpecs.signature(request.getModelSpec()), inputs, new RequestInfo(id, Answers.API))
          .thenApply(p -> response(p, filter, request.getModelSpec()));
    }), observer, id);
  }

  @Override
  public void classify(ClassificationRequest request, StreamObserver<ClassificationResponse> observer) {
    String id = Answers.requestId();
    Answers.send(Answers.start(() -> {
      ServableRef ref = ModelSpecs.ref(request.hasModelSpec(), request.getModelSpec());
      List<Map<String, List<Object>>> examples = ExampleCodec.decode(request.getInput());
      return inference.classify(ref, ModelSpecs.signature(request.getModelSpec()), examples, new RequestInfo(id, Answers.API))
          .thenApply(c -> response(c, request.getModelSpec()));
    }), observer, id);
  }

  @Override
  public void regress(RegressionRequest request, StreamObserver<RegressionResponse> observer) {
    String id = Answers.requestId();
    Answers.send(Answers.start(() -> {
      ServableRef ref = ModelSpecs.ref(request.hasModelSpec(), request.getModelSpec());
      List<Map<String, List<Object>>> examples = ExampleCodec.decode(request.getInput());
      return inference.regress(ref, ModelSpecs.signature(request.getModelSpec()), examples, new RequestInfo(id, Answers.API))
          .thenApply(r -> response(r, request.getModelSpec()));
    }), observer, id);
  }

  /**
   * Answers {@code metadata["signature_def"]}, a {@code SignatureDefMap} packed in an {@code Any}, and
   * the model and version in {@code model_spec} (TF Serving names no signature there). The signatures
   * are in memory: this runs on the calling gRPC executor thread.
   */
  @Override
  public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> observer) {
    String id = Answers.requestId();
    Answers.sendNow(() -> {
      ServableRef ref = ModelSpecs.ref(request.hasModelSpec(), request.getModelSpec());
      // TF Serving's checks and messages.
      if (request.getMetadataFieldCount() == 0) {
        throw ServingException.invalid("GetModelMetadataRequest must specify at least one metadata_field");
      }
      for (String field : request.getMetadataFieldList()) {
        if (!field.equals(SIGNATURE_DEF)) {
          throw ServingException.invalid("Metadata field " + field + " is not supported");
        }
      }
      Metadata m = inference.metadata(ref);
      SignatureDefMap signatures = SignatureDefMap.newBuilder().putAllSignatureDef(m.signatures()).build();
      return GetModelMetadataResponse.newBuilder()
          .setModelSpec(ModelSpec.newBuilder().setName(m.model()).setVersion(Int64Value.of(m.version())))
          .putMetadata(SIGNATURE_DEF, Any.pack(signatures))
          .build();
    }, observer, id);
  }

  /** The filter's aliases in order, refusing duplicates as TF Serving does; empty means all outputs. */
  private static List<String> outputFilter(List<String> filter) {
    Set<String> seen = new LinkedHashSet<>();
    for (String alias : filter) {
      if (!seen.add(alias)) {
        throw ServingException.invalid("duplicate output tensor alias: " + alias);
      }
    }
    return List.copyOf(seen);
  }

  private static PredictResponse response(Prediction p, List<String> filter, ModelSpec requested) {
    PredictResponse.Builder b = PredictResponse.newBuilder().setModelSpec(ModelSpecs.answered(p.model(), p.version(), p.signature(), requested));
    if (filter.isEmpty()) {
      p.outputs().forEach((alias, t) -> b.putOutputs(alias, TensorProtoCodec.encode(t)));
      return b.build();
    }
    for (String alias : filter) {
      TensorData t = p.outputs().get(alias);
      if (t == null) {
        // The signature's outputs are what the prediction returns; TF Serving's message.
        throw ServingException.invalid("output tensor alias not found in signature: " + alias
            + " Outputs expected to be in the set {" + String.join(",", p.outputs().keySet()) + "}.");
      }
      b.putOutputs(alias, TensorProtoCodec.encode(t));
    }
    return b.build();
  }

  private static ClassificationResponse response(Classification c, ModelSpec requested) {
    ClassificationResult.Builder result = ClassificationResult.newBuilder();
    for (List<ScoredClass> example : c.results()) {
      Classifications.Builder classes = Classifications.newBuilder();
      for (ScoredClass s : example) {
        classes.addClasses(dev.beamline.serving.grpc.proto.Class.newBuilder().setLabel(s.label()).setScore(s.score()));
      }
      result.addClassifications(classes);
    }
    return ClassificationResponse.newBuilder()
        .setModelSpec(ModelSpecs.answered(c.model(), c.version(), c.signature(), requested))
        .setResult(result)
        .build();
  }

  private static RegressionResponse response(Regression r, ModelSpec requested) {
    RegressionResult.Builder result = RegressionResult.newBuilder();
    for (float v : r.values()) {
      result.addRegressions(dev.beamline.serving.grpc.proto.Regression.newBuilder().setValue(v));
    }
    return RegressionResponse.newBuilder()
        .setModelSpec(ModelSpecs.answered(r.model(), r.version(), r.signature(), requested))
        .setResult(result)
        .build();
  }
}
