package dev.beamline.validation.privacy;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.beamline.core.ExampleBatch;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Computes the exact aggregates of one split that a {@link DpQueryPlan} releases: when a user is the
 * unit of privacy, groups the rows by user and keeps at most {@code max_rows_per_user} of each
 * ({@link UserBounding}), then sums them ({@link DpSumsFn}). One {@link DpSums} per split, zero for
 * an empty one. Noise is added later, once, by {@link NoisyRelease}.
 *
 * <pre>{@code
 * PCollection<DpSums> sums = trainBatches.apply("DpSums-train", ComputeDpSums.of(plan, "train", avroSchema));
 * }</pre>
 */
public final class ComputeDpSums extends PTransform<PCollection<ExampleBatch>, PCollection<DpSums>> {
  private static final long serialVersionUID = 1L;

  private final DpQueryPlan plan;
  private final String split;
  private final Schema avro;

  private ComputeDpSums(DpQueryPlan plan, String split, Schema avro) {
    this.plan = plan;
    this.split = split;
    this.avro = avro;
  }

  /** The sums of split {@code split} of examples whose Avro schema is {@code avro}. */
  public static ComputeDpSums of(DpQueryPlan plan, String split, Schema avro) {
    return new ComputeDpSums(checkNotNull(plan, "plan"), checkNotNull(split, "split"), checkNotNull(avro, "avro"));
  }

  @Override
  public PCollection<DpSums> expand(PCollection<ExampleBatch> batches) {
    PCollection<ExampleBatch> bounded = batches;
    if (plan.userIndex() >= 0) {
      bounded = batches
          .apply("KeyByUser", ParDo.of(new KeyByUserFn(plan.userIndex())))
          .setCoder(KvCoder.of(StringUtf8Coder.of(), AvroCoder.of(avro)))
          .apply("GroupByUser", GroupByKey.create())
          .apply("BoundRowsPerUser", ParDo.of(new BoundFn(plan.config().maxRowsPerUser())))
          .setCoder(ExampleBatch.coder(avro));
    }
    return bounded.apply("Sum", Combine.globally(new DpSumsFn(plan, split))).setCoder(SerializableCoder.of(DpSums.class));
  }

  private static final class KeyByUserFn extends DoFn<ExampleBatch, KV<String, GenericRecord>> {
    private static final long serialVersionUID = 1L;
    private final int userIndex;

    KeyByUserFn(int userIndex) {
      this.userIndex = userIndex;
    }

    @ProcessElement
    public void process(@Element ExampleBatch batch, OutputReceiver<KV<String, GenericRecord>> out) {
      for (GenericRecord r : batch) {
        out.output(KV.of(UserBounding.userOf(r.get(userIndex)), r));
      }
    }
  }

  private static final class BoundFn extends DoFn<KV<String, Iterable<GenericRecord>>, ExampleBatch> {
    private static final long serialVersionUID = 1L;
    private final int maxRows;

    BoundFn(int maxRows) {
      this.maxRows = maxRows;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<GenericRecord>> user, OutputReceiver<ExampleBatch> out) {
      out.output(ExampleBatch.of(UserBounding.keep(user.getValue(), maxRows)));
    }
  }
}
