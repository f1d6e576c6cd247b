package dev.beamline.ingest;

import java.io.Serializable;
import java.util.List;

/**
 * The identity of one input file as it was read: its path, SHA-256 of its bytes, size, how many rows
 * were accepted and rejected, and how many of the accepted rows went to each split (in split order). A
 * dataset's fingerprint is made of these, so a model can be traced to the exact bytes it was trained on.
 */
public record FileFingerprint(String path, String sha256, long bytes, long rows, long rejected, List<Long> splitRows)
    implements Serializable {}
