package dev.beamline.serving.grpc;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.serving.grpc.proto.GetModelStatusRequest;
import dev.beamline.serving.grpc.proto.GetModelStatusResponse;
import dev.beamline.serving.grpc.proto.ModelServiceGrpc;
import dev.beamline.serving.grpc.proto.ModelVersionStatus;
import dev.beamline.serving.grpc.proto.StatusProto;
import dev.beamline.serving.server.Inference;
import dev.beamline.serving.server.Inference.VersionStatus;
import dev.beamline.serving.server.ServableRef;
import dev.beamline.serving.server.ServingException;
import io.grpc.stub.StreamObserver;
import org.tensorflow.proto.error.Code;

/**
 * TF Serving's {@code tensorflow.serving.ModelService} over an {@link Inference}: GetModelStatus
 * answers every version of the model (or the one the spec names) with its state and, for a version
 * that failed, the error code and message. HandleReloadConfigRequest is not served (UNIMPLEMENTED):
 * the server reads its model config itself.
 *
 * <pre>{@code
 * Server server = NettyServerBuilder.forPort(8500)
 *     .addService(new ModelServiceImpl(inference))
 *     .intercept(new RequestIds())
 *     .build().start();
 * }</pre>
 */
public final class ModelServiceImpl extends ModelServiceGrpc.ModelServiceImplBase {
  private final Inference inference;

  public ModelServiceImpl(Inference inference) {
    this.inference = checkNotNull(inference, "inference");
  }

  /** The states are in memory: this runs on the calling gRPC executor thread. */
  @Override
  public void getModelStatus(GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> observer) {
    Answers.sendNow(() -> {
      ServableRef ref = ModelSpecs.ref(request.hasModelSpec(), request.getModelSpec());
      GetModelStatusResponse.Builder b = GetModelStatusResponse.newBuilder();
      for (VersionStatus v : inference.status(ref)) {
        b.addModelVersionStatus(status(v));
      }
      return b.build();
    }, observer, Answers.requestId());
  }

  /** One version's status as TF Serving writes it: OK is an empty {@code StatusProto}. */
  static ModelVersionStatus status(VersionStatus v) {
    StatusProto.Builder status = StatusProto.newBuilder();
    if (!v.ok()) {
      status.setErrorCode(code(v.errorCode())).setErrorMessage(v.errorMessage() == null ? "" : v.errorMessage());
    }
    return ModelVersionStatus.newBuilder()
        .setVersion(v.version())
        .setStateValue(v.state().number())
        .setStatus(status)
        .build();
  }

  /** TensorFlow's error code of the same name as {@code code} (they are the canonical codes). */
  static Code code(ServingException.Code code) {
    try {
      return Code.valueOf(code.name());
    } catch (IllegalArgumentException e) {
      return Code.UNKNOWN;
    }
  }
}
