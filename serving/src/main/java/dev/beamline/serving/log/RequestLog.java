package dev.beamline.serving.log;

/**
 * Where the server hands answered requests for the feedback loop. {@link #offer} never blocks and
 * never throws: a request is never slowed or failed by its log.
 */
public interface RequestLog extends AutoCloseable {
  /** A log that records nothing. */
  RequestLog NONE = new RequestLog() {
    @Override
    public void offer(LoggedRequest request) {}

    @Override
    public void close() {}
  };

  /** Records {@code request} if the sample takes it and there is room; returns at once. */
  void offer(LoggedRequest request);

  /** Writes what is queued, closes the open segments (publishing them) and stops. */
  @Override
  void close();
}
