package dev.beamline.serving.grpc;

import io.grpc.stub.StreamObserver;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a unary call's answer or its error status, from whichever thread has it. */
final class Answers {
  private static final Logger LOG = LoggerFactory.getLogger(Answers.class);

  /** What {@link dev.beamline.serving.server.Inference.RequestInfo#api()} says for a gRPC call. */
  static final String API = "grpc";

  private Answers() {}

  /** The call's request id ({@link RequestIds}), or a new one when the service runs without it. */
  static String requestId() {
    String id = RequestIds.current();
    return id != null ? id : UUID.randomUUID().toString();
  }

  /**
   * Sends the answer when {@code answer} completes, on the thread that completes it (a worker, never a
   * transport thread); its failure as its status.
   */
  static <R> void send(CompletableFuture<R> answer, StreamObserver<R> observer, String requestId) {
    answer.whenComplete((response, error) -> {
      if (error != null) {
        fail(observer, error, requestId);
      } else {
        try {
          observer.onNext(response);
          observer.onCompleted();
        } catch (RuntimeException e) {
          // The client went away (cancelled, deadline): nobody is left to tell.
          LOG.debug("gRPC request {}: answer not sent", requestId, e);
        }
      }
    });
  }

  /** Computes the answer now, on this thread, and sends it or its failure. */
  static <R> void sendNow(Supplier<R> answer, StreamObserver<R> observer, String requestId) {
    R response;
    try {
      response = answer.get();
    } catch (RuntimeException e) {
      fail(observer, e, requestId);
      return;
    }
    send(CompletableFuture.completedFuture(response), observer, requestId);
  }

  /** The future of {@code answer}, failed with what it throws (a refused request, a bug). */
  static <R> CompletableFuture<R> start(Supplier<CompletableFuture<R>> answer) {
    try {
      return answer.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static void fail(StreamObserver<?> observer, Throwable error, String requestId) {
    try {
      observer.onError(ErrorStatus.of(error, requestId).asRuntimeException());
    } catch (RuntimeException e) {
      LOG.debug("gRPC request {}: error not sent", requestId, e);
    }
  }
}
