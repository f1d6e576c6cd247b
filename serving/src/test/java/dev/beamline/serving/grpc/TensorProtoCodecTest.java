package dev.beamline.serving.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.beamline.serving.server.ServingException;
import dev.beamline.serving.server.TensorData;
import dev.beamline.serving.server.TensorData.DType;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

class TensorProtoCodecTest {
  private static TensorShapeProto shape(long... dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    for (long d : dims) {
      b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return b.build();
  }

  private static TensorProto.Builder tensor(DataType type, long... dims) {
    return TensorProto.newBuilder().setDtype(type).setTensorShape(shape(dims));
  }

  private static ByteString hex(String h) {
    return ByteString.copyFrom(HexFormat.of().parseHex(h));
  }

  private static void assertInvalid(ThrowingCallable call, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(ServingException.class, e -> assertThat(e.code()).isEqualTo(ServingException.Code.INVALID_ARGUMENT))
        .hasMessage(message);
  }

  @Test
  void tensorContentIsLittleEndian() {
    // 1.5f = 0x3fc00000, -2f = 0xc0000000, 3.25f = 0x40500000, each written low byte first.
    TensorData f = TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 3).setTensorContent(hex("0000c03f" + "000000c0" + "00005040")).build());
    assertThat(f.type()).isEqualTo(DType.FLOAT);
    assertThat(f.shape()).containsExactly(3);
    assertThat((float[]) f.values()).containsExactly(1.5f, -2f, 3.25f);

    // 0.5 = 0x3fe0000000000000; -0.25 = 0xbfd0000000000000.
    TensorData d = TensorProtoCodec.decode("x", tensor(DataType.DT_DOUBLE, 2, 1).setTensorContent(hex("000000000000e03f" + "000000000000d0bf")).build());
    assertThat(d.shape()).containsExactly(2, 1);
    assertThat((double[]) d.values()).containsExactly(0.5, -0.25);

    TensorData i = TensorProtoCodec.decode("x", tensor(DataType.DT_INT32, 3).setTensorContent(hex("01000000" + "ffffffff" + "00010000")).build());
    assertThat((int[]) i.values()).containsExactly(1, -1, 256);

    // 2^40 and -2.
    TensorData l = TensorProtoCodec.decode("x", tensor(DataType.DT_INT64, 2).setTensorContent(hex("0000000000010000" + "feffffffffffffff")).build());
    assertThat((long[]) l.values()).containsExactly(1L << 40, -2L);

    TensorData b = TensorProtoCodec.decode("x", tensor(DataType.DT_BOOL, 3).setTensorContent(hex("000102")).build());
    assertThat((boolean[]) b.values()).containsExactly(false, true, true);
  }

  @Test
  void typedFieldsFillTheShapeRowMajor() {
    TensorData f = TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 2, 2).addFloatVal(1f).addFloatVal(2f).addFloatVal(3f).addFloatVal(4f).build());
    assertThat(f.shape()).containsExactly(2, 2);
    assertThat((float[]) f.values()).containsExactly(1f, 2f, 3f, 4f);

    assertThat((double[]) TensorProtoCodec.decode("x", tensor(DataType.DT_DOUBLE, 2).addDoubleVal(39.1).addDoubleVal(46.5).build()).values())
        .containsExactly(39.1, 46.5);
    assertThat((int[]) TensorProtoCodec.decode("x", tensor(DataType.DT_INT32, 2).addIntVal(-7).addIntVal(9).build()).values()).containsExactly(-7, 9);
    assertThat((long[]) TensorProtoCodec.decode("x", tensor(DataType.DT_INT64, 1).addInt64Val(Long.MAX_VALUE).build()).values())
        .containsExactly(Long.MAX_VALUE);
    assertThat((boolean[]) TensorProtoCodec.decode("x", tensor(DataType.DT_BOOL, 2).addBoolVal(true).addBoolVal(false).build()).values())
        .containsExactly(true, false);

    TensorData s = TensorProtoCodec.decode("island", tensor(DataType.DT_STRING, 2)
        .addStringVal(ByteString.copyFromUtf8("Biscoe")).addStringVal(ByteString.copyFromUtf8("Dream")).build());
    assertThat(s.type()).isEqualTo(DType.STRING);
    assertThat(s.stringAt(0)).isEqualTo("Biscoe");
    assertThat(s.stringAt(1)).isEqualTo("Dream");
  }

  @Test
  void oneValueFillsTheWholeShape() {
    TensorData f = TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 2, 3).addFloatVal(7f).build());
    assertThat(f.shape()).containsExactly(2, 3);
    assertThat((float[]) f.values()).containsExactly(7f, 7f, 7f, 7f, 7f, 7f);

    TensorData s = TensorProtoCodec.decode("x", tensor(DataType.DT_STRING, 3).addStringVal(ByteString.copyFromUtf8("a")).build());
    assertThat(s.stringAt(0) + s.stringAt(1) + s.stringAt(2)).isEqualTo("aaa");

    TensorData l = TensorProtoCodec.decode("x", tensor(DataType.DT_INT64, 4).addInt64Val(-3).build());
    assertThat((long[]) l.values()).containsExactly(-3, -3, -3, -3);
  }

  @Test
  void scalarsAndEmptyTensors() {
    // No shape is a scalar: one element.
    TensorData scalar = TensorProtoCodec.decode("x", TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE).addDoubleVal(2.5).build());
    assertThat(scalar.rank()).isZero();
    assertThat((double[]) scalar.values()).containsExactly(2.5);

    TensorData empty = TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 0, 3).build());
    assertThat(empty.shape()).containsExactly(0, 3);
    assertThat(empty.size()).isZero();
  }

  @Test
  void tensorContentWinsOverTypedValues() {
    // As TensorFlow's Tensor::FromProto: the packed bytes are read, the typed field ignored.
    TensorData f = TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 1).setTensorContent(hex("0000803f")).addFloatVal(5f).build());
    assertThat((float[]) f.values()).containsExactly(1f);
  }

  @Test
  void refusesAValueCountThatDoesNotFitTheShape() {
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 2, 2).addFloatVal(1f).addFloatVal(2f).addFloatVal(3f).build()),
        "input 'x' (DT_FLOAT, shape [2, 2]) needs 4 values in float_val or tensor_content, or one for all of them; it has 3");
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_INT64, 2).build()),
        "input 'x' (DT_INT64, shape [2]) needs 2 values in int64_val or tensor_content, or one for all of them; it has 0");
    // Values in the wrong field are not values of this type.
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_DOUBLE, 2).addFloatVal(1f).addFloatVal(2f).build()),
        "input 'x' (DT_DOUBLE, shape [2]) needs 2 values in double_val or tensor_content, or one for all of them; it has 0");
    assertInvalid(() -> TensorProtoCodec.decode("s", tensor(DataType.DT_STRING, 3).addStringVal(ByteString.EMPTY).addStringVal(ByteString.EMPTY).build()),
        "input 's' (DT_STRING, shape [3]) needs 3 values in string_val, or one for all of them; it has 2");
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 2).setTensorContent(hex("0000803f")).build()),
        "input 'x' (DT_FLOAT, shape [2]) needs 8 bytes of tensor_content (2 values of 4 bytes), not 4");
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_STRING, 1).setTensorContent(hex("61")).build()),
        "input 'x' is DT_STRING: its values go in string_val, not tensor_content");
  }

  @Test
  void refusesTypesAndShapesItDoesNotHandle() {
    assertInvalid(() -> TensorProtoCodec.decode("h", tensor(DataType.DT_HALF, 1).addHalfVal(0x3c00).build()),
        "input 'h' has dtype DT_HALF; the server takes DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL, DT_STRING");
    assertInvalid(() -> TensorProtoCodec.decode("h", TensorProto.newBuilder().addFloatVal(1f).build()),
        "input 'h' has dtype DT_INVALID; the server takes DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL, DT_STRING");
    assertInvalid(() -> TensorProtoCodec.decode("x", TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true)).addFloatVal(1f).build()),
        "input 'x' has an unknown rank; a request tensor needs a full shape");
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 2, -1).addFloatVal(1f).build()),
        "input 'x' has dimension 1 of size -1; a request tensor needs a full shape");
    assertInvalid(() -> TensorProtoCodec.decode("x", tensor(DataType.DT_FLOAT, 1L << 20, 1L << 20).addFloatVal(1f).build()),
        "input 'x' of shape [1048576, 1048576] has more than 134217728 elements, the most the server takes");
  }

  @Test
  void encodesAsTfServingAnswersWithTypedFields() {
    assertThat(TensorProtoCodec.encode(TensorData.floats(new float[] {0.25f, 0.75f}, 1, 2)))
        .isEqualTo(tensor(DataType.DT_FLOAT, 1, 2).addFloatVal(0.25f).addFloatVal(0.75f).build());
    assertThat(TensorProtoCodec.encode(TensorData.doubles(new double[] {1.5}, 1)))
        .isEqualTo(tensor(DataType.DT_DOUBLE, 1).addDoubleVal(1.5).build());
    assertThat(TensorProtoCodec.encode(TensorData.of(DType.INT32, new long[] {2}, new int[] {3, -4})))
        .isEqualTo(tensor(DataType.DT_INT32, 2).addIntVal(3).addIntVal(-4).build());
    assertThat(TensorProtoCodec.encode(TensorData.longs(new long[] {1L << 40}, 1)))
        .isEqualTo(tensor(DataType.DT_INT64, 1).addInt64Val(1L << 40).build());
    assertThat(TensorProtoCodec.encode(TensorData.of(DType.BOOL, new long[] {2}, new boolean[] {false, true})))
        .isEqualTo(tensor(DataType.DT_BOOL, 2).addBoolVal(false).addBoolVal(true).build());
    assertThat(TensorProtoCodec.encode(TensorData.strings(new String[] {"Adelie", "Gentoo"}, 2)))
        .isEqualTo(tensor(DataType.DT_STRING, 2).addStringVal(ByteString.copyFromUtf8("Adelie")).addStringVal(ByteString.copyFromUtf8("Gentoo")).build());
    // A scalar has no dims.
    assertThat(TensorProtoCodec.encode(TensorData.doubles(new double[] {2}))).isEqualTo(
        TensorProto.newBuilder().setDtype(DataType.DT_DOUBLE).setTensorShape(TensorShapeProto.getDefaultInstance()).addDoubleVal(2).build());
  }

  @Test
  void encodeThenDecodeGivesTheSameTensor() {
    TensorData[] all = {
      TensorData.floats(new float[] {1, 2, 3, 4, 5, 6}, 3, 2),
      TensorData.doubles(new double[] {Double.MIN_VALUE, -0.0}, 2),
      TensorData.of(DType.INT32, new long[] {1, 1}, new int[] {Integer.MIN_VALUE}),
      TensorData.longs(new long[] {Long.MIN_VALUE, 0}, 2, 1),
      TensorData.of(DType.BOOL, new long[] {3}, new boolean[] {true, false, true}),
      TensorData.of(DType.STRING, new long[] {2}, new byte[][] {"é".getBytes(StandardCharsets.UTF_8), new byte[] {0, (byte) 0xff}}),
    };
    for (TensorData t : all) {
      TensorData back = TensorProtoCodec.decode("t", TensorProtoCodec.encode(t));
      assertThat(back.type()).isEqualTo(t.type());
      assertThat(back.shape()).containsExactly(t.shape());
      assertThat(back.values()).isEqualTo(t.values());
    }
  }
}
