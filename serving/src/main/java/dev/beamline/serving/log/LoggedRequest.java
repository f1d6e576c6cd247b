package dev.beamline.serving.log;

import dev.beamline.serving.server.TensorData;
import java.time.Instant;
import java.util.Map;

/**
 * One answered request as the request log records it: which servable answered (model, version and the
 * label the client named, else null), when, under which request id, through which method
 * ({@code predict}, {@code classify}, {@code regress}) and signature, and the signature's input and
 * output tensors (all with one row per instance).
 */
public record LoggedRequest(
    String requestId,
    Instant time,
    String model,
    long version,
    String label,
    String method,
    String signature,
    Map<String, TensorData> inputs,
    Map<String, TensorData> outputs) {}
