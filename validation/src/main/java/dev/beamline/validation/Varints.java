package dev.beamline.validation;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/** Variable-length integers and length-prefixed byte arrays, for the accumulator coder. */
final class Varints {
  private Varints() {}

  static void write(DataOutputStream out, long value) throws IOException {
    VarInt.encode(value, out);
  }

  static long read(DataInputStream in) throws IOException {
    long value = VarInt.decodeLong(in);
    if (value < 0) {
      throw new CoderException("negative count " + value + " in a statistics accumulator");
    }
    return value;
  }

  static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    VarInt.encode(bytes.length, out);
    out.write(bytes);
  }

  static byte[] readBytes(DataInputStream in) throws IOException {
    int n = VarInt.decodeInt(in);
    if (n < 0) {
      throw new CoderException("negative length " + n + " in a statistics accumulator");
    }
    byte[] bytes = new byte[n];
    in.readFully(bytes);
    return bytes;
  }
}
