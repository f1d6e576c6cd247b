package dev.beamline.core.crypto;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The encrypted roots of a run, carried to the workers inside the pipeline options (set by {@link
 * Encryption#into} just before the pipeline runs): the roots, their namespaces, the wrapped keysets (not
 * secret) and the names of the master key's variables. The master key itself never travels: each worker
 * reads it from its own environment ({@link EncryptionRegistrar}).
 */
public interface EncryptionPipelineOptions extends PipelineOptions {
  @Description("Beamline's encrypted roots (set by Beamline itself; JSON)")
  String getBeamlineEncryptedRoots();

  void setBeamlineEncryptedRoots(String value);
}
