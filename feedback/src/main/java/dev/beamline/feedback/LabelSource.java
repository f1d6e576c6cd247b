package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.ingest.IngestExamples;
import java.io.Serializable;

/**
 * Where the labels that arrive later land, and how to read them: files in any format ingestion reads
 * ({@link IngestExamples.Config}: the pattern, format, CSV options, declared types and the largest
 * fraction of bad rows allowed), the column that joins them to logged requests ({@code key}: the request
 * id, or another column that the requests carry as an input), the label's column, and the column of
 * the time each label was recorded (null: its file's modification time).
 *
 * <pre>{@code
 * LabelSource labels = LabelSource.of(IngestExamples.Config.of("labels/*.csv"), "species")
 *     .withKey("order_id").withTime("labelled_at");
 * }</pre>
 *
 * @param files the label files and how to read them
 * @param key the column holding the join key, in the label files and in the request log
 * @param label the column holding the label
 * @param time the timestamp column of when each label was recorded; null for the file's modification time
 */
public record LabelSource(IngestExamples.Config files, String key, String label, String time) implements Serializable {
  /** The join key unless declared: the request id the server answered with ({@code X-Request-Id}). */
  public static final String DEFAULT_KEY = TrafficSchema.REQUEST_ID;

  public LabelSource {
    checkNotNull(files, "files");
    checkArgument(key != null && !key.isBlank(), "key must name a column, got '%s'", key);
    checkArgument(label != null && !label.isBlank(), "label must name a column, got '%s'", label);
    checkArgument(time == null || !time.isBlank(), "time must name a column or be null, got '%s'", time);
    checkArgument(!label.equals(key), "the label column '%s' cannot also be the key", label);
    checkArgument(time == null || (!time.equals(key) && !time.equals(label)), "the time column '%s' must be neither the key nor the label", time);
  }

  /** The labels in column {@code label} of {@code files}, joined by request id, timed by their files. */
  public static LabelSource of(IngestExamples.Config files, String label) {
    return new LabelSource(files, DEFAULT_KEY, label, null);
  }

  /** The same labels joined by column {@code key}, which the label files and the logged requests both have. */
  public LabelSource withKey(String key) {
    return new LabelSource(files, key, label, time);
  }

  /** The same labels timed by their timestamp column {@code time} (null: by their file's modification time). */
  public LabelSource withTime(String time) {
    return new LabelSource(files, key, label, time);
  }

  public LabelSource withFiles(IngestExamples.Config files) {
    return new LabelSource(files, key, label, time);
  }
}
