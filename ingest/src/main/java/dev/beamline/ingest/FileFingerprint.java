package dev.beamline.ingest;

import java.io.Serializable;

/**
 * The identity of one input file as it was read: its path, SHA-256 of its bytes, size, and how many rows
 * were accepted and rejected. A dataset's fingerprint is made of these, so a model can be traced to the
 * exact bytes it was trained on.
 */
public record FileFingerprint(String path, String sha256, long bytes, long rows, long rejected)
    implements Serializable {}
