package dev.beamline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.testing.PipelineChecks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * The checks every stage test of this module runs with ({@link PipelineChecks#enable}); transform's
 * PipelineChecksTest proves that they catch a forgotten run(), a mutated input and an element its coder
 * cannot encode. Here, what is particular to this module's elements, if anything.
 */
public class PipelineChecksTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TestPipeline unchecked = TestPipeline.create();

  @Before
  public void setUp() {
    PipelineChecks.enable(p);
  }

  /** The examples this module reads are Avro records: changing one in a DoFn is caught too. */
  @Test
  public void aDoFnThatChangesAnExampleFailsTheRun() {
    Schema schema = SchemaBuilder.record("E").fields().requiredLong("x").endRecord();
    GenericData.Record example = new GenericData.Record(schema);
    example.put("x", 1L);
    p.apply(Create.of(List.<GenericRecord>of(example)).withCoder(AvroCoder.of(schema)))
        .apply(ParDo.of(new ChangeExample()));
    assertThatThrownBy(() -> p.run().waitUntilFinish()).hasStackTraceContaining("IllegalMutationException");
  }

  /** Sets a field of its input record. */
  private static final class ChangeExample extends DoFn<GenericRecord, Long> {
    @ProcessElement
    public void process(@Element GenericRecord in, OutputReceiver<Long> out) {
      in.put("x", 2L);
      out.output((Long) in.get("x"));
    }
  }

}
