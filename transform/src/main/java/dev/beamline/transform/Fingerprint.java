package dev.beamline.transform;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * FarmHash Fingerprint64 of a token's UTF-8 bytes, taken as unsigned: the hash of TensorFlow's {@code
 * StringToHashBucketFast} (Guava's {@code farmHashFingerprint64}).
 */
final class Fingerprint {
  private static final HashFunction FARM = Hashing.farmHashFingerprint64();

  private Fingerprint() {}

  static long fingerprint64(String token) {
    return FARM.hashBytes(token.getBytes(StandardCharsets.UTF_8)).asLong();
  }

  /** {@code fingerprint64(token) mod buckets}, unsigned. */
  static long bucket(String token, long buckets) {
    return Long.remainderUnsigned(fingerprint64(token), buckets);
  }
}
