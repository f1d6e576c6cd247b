package dev.beamline.metadata;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One artifact in the store: what it is ({@code type}, an {@code ArtifactKind} name or {@code
 * RAW_DATA}), where it lies ({@code uri}), its content fingerprint, state and properties (provenance,
 * counts and the like, as JSON). Times are milliseconds since the epoch.
 */
public record Artifact(
    long id,
    String type,
    String uri,
    String fingerprint,
    ArtifactState state,
    ObjectNode properties,
    long createTime,
    long updateTime) {}
