package dev.beamline.serving.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beamline.serving.grpc.proto.ModelVersionStatus;
import dev.beamline.serving.server.Inference.State;
import dev.beamline.serving.server.Inference.VersionStatus;
import dev.beamline.serving.server.ServingException;
import io.grpc.Status;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.error.Code;

class ErrorStatusTest {
  @Test
  void everyServingCodeIsTheGrpcCodeOfItsName() {
    assertThat(ErrorStatus.code(ServingException.Code.INVALID_ARGUMENT)).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(ErrorStatus.code(ServingException.Code.NOT_FOUND)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(ErrorStatus.code(ServingException.Code.FAILED_PRECONDITION)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(ErrorStatus.code(ServingException.Code.RESOURCE_EXHAUSTED)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(ErrorStatus.code(ServingException.Code.UNAVAILABLE)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(ErrorStatus.code(ServingException.Code.INTERNAL)).isEqualTo(Status.Code.INTERNAL);
    for (ServingException.Code c : ServingException.Code.values()) {
      assertThat(ErrorStatus.code(c).name()).isEqualTo(c.name());
      // And TensorFlow's error code of the same name, for GetModelStatus.
      assertThat(ModelServiceImpl.code(c).name()).isEqualTo(c.name());
    }
  }

  @Test
  void aServingExceptionKeepsItsMessageWrappedOrNot() {
    ServingException e = ServingException.notFound("Servable not found for request: Specific(penguins, 9)");
    for (Throwable t : new Throwable[] {e, new CompletionException(e), new ExecutionException(e), new CompletionException(new ExecutionException(e))}) {
      Status s = ErrorStatus.of(t, "r1");
      assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(s.getDescription()).isEqualTo("Servable not found for request: Specific(penguins, 9)");
      assertThat(s.getCause()).isNull();
    }
  }

  @Test
  void anythingElseIsAGenericInternalError() {
    Status s = ErrorStatus.of(new CompletionException(new IllegalStateException("secret path /models/x")), "req-42");
    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription()).isEqualTo("internal error (request id req-42)");
    assertThat(s.getCause()).isNull();

    assertThat(ErrorStatus.of(new CancellationException(), "r").getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(ErrorStatus.of(Status.DEADLINE_EXCEEDED.withDescription("late").asRuntimeException(), "r"))
        .satisfies(x -> assertThat(x.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void versionStatusesAsTfServingWritesThem() {
    ModelVersionStatus ok = ModelServiceImpl.status(new VersionStatus(3, State.AVAILABLE, null, null));
    assertThat(ok.getVersion()).isEqualTo(3);
    assertThat(ok.getState()).isEqualTo(ModelVersionStatus.State.AVAILABLE);
    assertThat(ok.getStateValue()).isEqualTo(30);
    assertThat(ok.getStatus().getErrorCode()).isEqualTo(Code.OK);
    assertThat(ok.getStatus().getErrorMessage()).isEmpty();

    ModelVersionStatus failed = ModelServiceImpl.status(new VersionStatus(4, State.END, ServingException.Code.FAILED_PRECONDITION, "no saved_model.pb in 4"));
    assertThat(failed.getStateValue()).isEqualTo(50);
    assertThat(failed.getStatus().getErrorCode()).isEqualTo(Code.FAILED_PRECONDITION);
    assertThat(failed.getStatus().getErrorCodeValue()).isEqualTo(9);
    assertThat(failed.getStatus().getErrorMessage()).isEqualTo("no saved_model.pb in 4");
  }

  @Test
  void aClientsRequestIdIsKeptOnlyWhenUsable() {
    assertThat(RequestIds.usable("3f2a-req_1")).isTrue();
    assertThat(RequestIds.usable("x".repeat(RequestIds.MAX_LENGTH))).isTrue();
    assertThat(RequestIds.usable("x".repeat(RequestIds.MAX_LENGTH + 1))).isFalse();
    assertThat(RequestIds.usable("")).isFalse();
    assertThat(RequestIds.usable(null)).isFalse();
    assertThat(RequestIds.usable("   ")).isFalse();
  }
}
