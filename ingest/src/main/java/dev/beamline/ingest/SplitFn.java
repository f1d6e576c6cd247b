package dev.beamline.ingest;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.transforms.Partition;

/**
 * Assigns an example to a split: the FarmHash fingerprint (64 bits, stable across machines and
 * releases) of the example's canonical text, modulo the total number of buckets, picks a bucket, and
 * buckets are handed to splits in order.
 *
 * <p>The canonical text is the values in schema order, each as {@code String.valueOf}, separated by
 * U+001F, with U+0000 for a missing value; with a partition feature, only that feature's value.
 */
public final class SplitFn implements Partition.PartitionFn<GenericRecord> {
  private static final long serialVersionUID = 1L;
  private static final HashFunction FINGERPRINT = Hashing.farmHashFingerprint64();

  private final int[] splitOfBucket;
  private final int partitionField;

  /**
   * @param partitionField the schema position of the partition feature, or -1 to hash whole examples
   */
  public SplitFn(SplitConfig config, int partitionField) {
    this.splitOfBucket = new int[config.totalBuckets()];
    int b = 0;
    for (int split = 0; split < config.buckets().size(); split++) {
      for (int i = 0; i < config.buckets().get(split); i++) {
        splitOfBucket[b++] = split;
      }
    }
    this.partitionField = partitionField;
  }

  @Override
  public int partitionFor(GenericRecord example, int numPartitions) {
    return splitOf(canonicalKey(example));
  }

  /** The split index of an example whose canonical key is {@code key}. */
  public int splitOf(CharSequence key) {
    long fingerprint = FINGERPRINT.hashString(key, StandardCharsets.UTF_8).asLong();
    return splitOfBucket[(int) Long.remainderUnsigned(fingerprint, splitOfBucket.length)];
  }

  /** The text that is hashed for {@code example}. */
  public String canonicalKey(GenericRecord example) {
    if (partitionField >= 0) {
      return valueText(example.get(partitionField));
    }
    StringBuilder key = new StringBuilder();
    int n = example.getSchema().getFields().size();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        key.append('\u001f');
      }
      key.append(valueText(example.get(i)));
    }
    return key.toString();
  }

  private static String valueText(Object value) {
    return value == null ? "\u0000" : String.valueOf(value);
  }
}
