package dev.beamline.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * A batch of examples that travels through a pipeline as one element.
 *
 * <p>Runners pay a cost per element and per step (the DirectRunner reports metrics after every element
 * of every step); moving examples in batches of a few thousand, as TFX moves Arrow record batches,
 * divides that cost by the batch size. Stages that need single examples flatten the batches.
 *
 * <pre>{@code
 * PCollection<ExampleBatch> batches = ...;
 * batches.setCoder(ExampleBatch.coder(schema.toAvro()));
 * }</pre>
 */
public final class ExampleBatch implements Iterable<GenericRecord> {
  private final List<GenericRecord> examples;

  private ExampleBatch(List<GenericRecord> examples) {
    this.examples = examples;
  }

  /** A batch of {@code examples}, which the batch now owns: the caller must not change the list after. */
  public static ExampleBatch of(List<GenericRecord> examples) {
    return new ExampleBatch(Collections.unmodifiableList(checkNotNull(examples, "examples")));
  }

  public List<GenericRecord> examples() {
    return examples;
  }

  public int size() {
    return examples.size();
  }

  @Override
  public Iterator<GenericRecord> iterator() {
    return examples.iterator();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExampleBatch && ((ExampleBatch) o).examples.equals(examples);
  }

  @Override
  public int hashCode() {
    return examples.hashCode();
  }

  @Override
  public String toString() {
    return "ExampleBatch{" + examples.size() + " examples}";
  }

  /** A coder of batches whose examples have the Avro schema {@code schema}. */
  public static Coder coder(Schema schema) {
    return new Coder(schema.toString());
  }

  /**
   * Encodes a batch as its size, the length in bytes of its examples' encoding, then each example in
   * Avro's binary encoding. The length lets decoding read the whole batch into one array and decode it
   * from there; batches are copied by the runner wherever it buffers them (the DirectRunner encodes and
   * decodes every element it holds back for a side input), so both directions are on the hot path.
   */
  public static final class Coder extends CustomCoder<ExampleBatch> {
    private static final long serialVersionUID = 1L;
    private static final VarIntCoder SIZE = VarIntCoder.of();
    /** Avro's generated-at-runtime record readers, which skip the schema resolution of the default reader. */
    private static final GenericData FAST_READS = fastReads();
    /** Per thread, the codec of each schema it has used (by schema text). */
    private static final ThreadLocal<Map<String, Codec>> CODECS = ThreadLocal.withInitial(HashMap::new);

    private final String schemaJson;

    Coder(String schemaJson) {
      this.schemaJson = schemaJson;
    }

    private static GenericData fastReads() {
      GenericData data = new GenericData();
      data.setFastReaderEnabled(true);
      return data;
    }

    /**
     * What one thread reuses to encode and decode batches of one schema. Avro's datum readers and
     * writers are not documented as thread-safe, so each thread has its own.
     */
    private static final class Codec {
      final GenericDatumWriter<GenericRecord> writer;
      final GenericDatumReader<GenericRecord> reader;
      final Bytes buffer = new Bytes();
      BinaryEncoder encoder;
      BinaryDecoder decoder;

      Codec(String schemaJson) {
        Schema schema = new Schema.Parser().parse(schemaJson);
        this.writer = new GenericDatumWriter<>(schema);
        this.reader = new GenericDatumReader<>(schema, schema, FAST_READS);
      }
    }

    /** A byte buffer that writes its content out without copying it first. */
    private static final class Bytes extends ByteArrayOutputStream {
      void writeContentTo(OutputStream out) throws IOException {
        out.write(buf, 0, count);
      }

      /** Empties the buffer, letting go of an array grown past 16 MiB by an unusually large batch. */
      void clear() {
        reset();
        if (buf.length > (16 << 20)) {
          buf = new byte[8192];
        }
      }
    }

    private Codec codec() {
      return CODECS.get().computeIfAbsent(schemaJson, Codec::new);
    }

    @Override
    public void encode(ExampleBatch batch, OutputStream out) throws IOException {
      Codec c = codec();
      c.buffer.clear();
      c.encoder = EncoderFactory.get().binaryEncoder(c.buffer, c.encoder);
      for (GenericRecord r : batch.examples) {
        c.writer.write(r, c.encoder);
      }
      c.encoder.flush();
      SIZE.encode(batch.size(), out);
      SIZE.encode(c.buffer.size(), out);
      c.buffer.writeContentTo(out);
    }

    @Override
    public ExampleBatch decode(InputStream in) throws IOException {
      int n = SIZE.decode(in);
      int length = SIZE.decode(in);
      if (n < 0 || length < 0) {
        throw new CoderException("corrupt batch header: " + n + " examples in " + length + " bytes");
      }
      byte[] bytes = in.readNBytes(length);
      if (bytes.length != length) {
        throw new CoderException("batch truncated: " + bytes.length + " of " + length + " bytes");
      }
      Codec c = codec();
      c.decoder = DecoderFactory.get().binaryDecoder(bytes, 0, length, c.decoder);
      List<GenericRecord> examples = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        examples.add(c.reader.read(null, c.decoder));
      }
      if (!c.decoder.isEnd()) {
        throw new CoderException("batch of " + n + " examples has bytes left over after them");
      }
      return of(examples);
    }

    /** Examples are flat records of scalars (see {@link ExampleSchema}): their binary encoding is deterministic. */
    @Override
    public void verifyDeterministic() {}

    @Override
    public boolean equals(Object o) {
      return o instanceof Coder && ((Coder) o).schemaJson.equals(schemaJson);
    }

    @Override
    public int hashCode() {
      return schemaJson.hashCode();
    }
  }
}
