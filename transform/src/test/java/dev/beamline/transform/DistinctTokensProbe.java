package dev.beamline.transform;

import static dev.beamline.core.FeatureType.STRING;

import dev.beamline.core.ExampleBatch;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * A child JVM's main for {@link AnalyzerMemoryTest}: streams {@code args[0]} distinct tokens, plus ten
 * heavy tokens seen once every 1,000 rows each, through the vocabulary analyzer's CombineFn in two
 * accumulators (as two workers would), merges them, round-trips the result through the accumulator
 * coder and prints the fitted vocabulary's size, first entries and counts' error. The rows are made on
 * the fly, one batch at a time: nothing holds them all.
 */
public final class DistinctTokensProbe {
  private DistinctTokensProbe() {}

  public static void main(String[] args) throws Exception {
    long distinct = Long.parseLong(args[0]);
    ExampleSchema raw = TestData.schema("token", STRING);
    Schema avro = raw.toAvro();
    AnalyzeFn fn = AnalyzeFn.of(raw, TransformSpec.of(List.of(FeatureTransform.string("token").withVocabulary(Vocabulary.defaults()))));
    AnalysisAccumulator[] workers = {fn.createAccumulator(), fn.createAccumulator()};
    List<GenericRecord> batch = new ArrayList<>(1_000);
    long heavy = 0;
    int batches = 0;
    for (long i = 0; i < distinct; i++) {
      batch.add(row(avro, "token-" + i));
      if (i % 100 == 0) {
        batch.add(row(avro, "heavy-" + (i / 100) % 10));
        heavy++;
      }
      if (batch.size() >= 1_000 || i == distinct - 1) {
        AnalysisAccumulator w = workers[batches++ % 2];
        fn.addInput(w, ExampleBatch.of(batch));
        batch = new ArrayList<>(1_000);
      }
    }
    AnalysisAccumulator merged = fn.mergeAccumulators(List.of(workers[0], workers[1]));
    Coder<AnalysisAccumulator> coder = fn.getAccumulatorCoder(CoderRegistry.createDefault(), null);
    AnalysisAccumulator decoded = CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, merged));
    FittedFeature f = fn.extractOutput(decoded).feature("token");
    System.out.println("rows=" + decoded.rows());
    System.out.println("heavy_rows=" + heavy);
    System.out.println("vocabulary_size=" + f.vocabulary().size());
    for (int k = 0; k < 10; k++) {
      System.out.println("top " + f.vocabulary().get(k) + " " + f.counts()[k]);
    }
    System.out.println("max_heap_bytes=" + Runtime.getRuntime().maxMemory());
  }

  private static GenericRecord row(Schema avro, String token) {
    GenericRecord r = new GenericData.Record(avro);
    r.put(0, token);
    return r;
  }
}
