package dev.beamline.training;

import dev.beamline.core.Storage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The global model of each round of federated averaging, as the train stage records it beside the
 * exported model: {@code rounds/round-0001.weights}, ... (encrypted like every artifact file when {@code
 * pipeline.encryption} is on). A file holds the weights by slot, in the model's layout order: the magic
 * {@code BLRW1}, the number of slots, then per slot its name (modified UTF-8), its length and its float32
 * values, big-endian ({@link java.io.DataOutputStream}'s encoding).
 *
 * <pre>{@code
 * Map<String, float[]> w = RoundWeights.read(modelDir, 3);   // the global model after round 3
 * }</pre>
 */
public final class RoundWeights {
  /** The folder of the files, inside the model's folder. */
  public static final String DIR = "rounds";

  private static final String MAGIC = "BLRW1";

  private RoundWeights() {}

  /** {@code rounds/round-0003.weights} for round 3. */
  public static String file(int round) {
    return String.format(Locale.ROOT, "%s/round-%04d.weights", DIR, round);
  }

  /** The weights of round {@code round} of the federated model in {@code modelDir}. */
  public static LinkedHashMap<String, float[]> read(String modelDir, int round) {
    String uri = Storage.resolve(modelDir, file(round));
    return decode(Storage.read(uri), uri);
  }

  static byte[] encode(Map<String, float[]> weights) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(MAGIC);
      out.writeInt(weights.size());
      for (Map.Entry<String, float[]> e : weights.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        for (float v : e.getValue()) {
          out.writeFloat(v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static LinkedHashMap<String, float[]> decode(byte[] content, String source) {
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(content))) {
      if (!MAGIC.equals(in.readUTF())) {
        throw new IllegalArgumentException(source + " is not a round's weights file (no " + MAGIC + " header)");
      }
      int slots = in.readInt();
      for (int i = 0; i < slots; i++) {
        String name = in.readUTF();
        float[] values = new float[in.readInt()];
        for (int j = 0; j < values.length; j++) {
          values[j] = in.readFloat();
        }
        out.put(name, values);
      }
      if (in.read() >= 0) {
        throw new IllegalArgumentException(source + " holds bytes after its last slot");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is cut short: " + e.getMessage(), e);
    }
    return out;
  }

  /** The L2 norm of {@code a − b} over every slot (for checks). */
  static double distance(Map<String, float[]> a, Map<String, float[]> b) {
    double sum = 0;
    for (Map.Entry<String, float[]> e : a.entrySet()) {
      float[] x = e.getValue();
      float[] y = b.get(e.getKey());
      if (y == null || y.length != x.length) {
        throw new IllegalArgumentException("slot " + e.getKey() + " differs in shape: " + x.length + " vs " + (y == null ? "none" : Arrays.toString(new int[] {y.length})));
      }
      for (int i = 0; i < x.length; i++) {
        double d = (double) x[i] - y[i];
        sum += d * d;
      }
    }
    return Math.sqrt(sum);
  }
}
