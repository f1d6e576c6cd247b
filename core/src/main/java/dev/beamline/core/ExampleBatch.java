package dev.beamline.core;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.avro.Schema;
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

  /** Encodes a batch as its size followed by each example in Avro's binary encoding. */
  public static final class Coder extends CustomCoder<ExampleBatch> {
    private static final long serialVersionUID = 1L;
    private static final VarIntCoder SIZE = VarIntCoder.of();

    private final String schemaJson;
    // Coders are shared between threads: the schema is parsed once and published in one volatile write;
    // datum writers and readers, which are not documented as thread-safe, are made per call (per batch).
    private transient volatile Schema schema;

    Coder(String schemaJson) {
      this.schemaJson = schemaJson;
    }

    private Schema schema() {
      Schema s = schema;
      if (s == null) {
        s = new Schema.Parser().parse(schemaJson);
        schema = s;
      }
      return s;
    }

    @Override
    public void encode(ExampleBatch batch, OutputStream out) throws IOException {
      GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema());
      SIZE.encode(batch.size(), out);
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
      for (GenericRecord r : batch.examples) {
        writer.write(r, encoder);
      }
      encoder.flush();
    }

    @Override
    public ExampleBatch decode(InputStream in) throws IOException {
      GenericDatumReader<GenericRecord> reader = new GenericDatumReader<>(schema());
      int n = SIZE.decode(in);
      if (n < 0) {
        throw new CoderException("negative batch size " + n);
      }
      BinaryDecoder decoder = DecoderFactory.get().directBinaryDecoder(in, null);
      List<GenericRecord> examples = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        examples.add(reader.read(null, decoder));
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
