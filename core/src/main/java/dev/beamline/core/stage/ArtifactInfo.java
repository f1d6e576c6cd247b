package dev.beamline.core.stage;

import java.io.Serializable;

/**
 * What a consumer needs to know of an artifact to build its part of the graph, before the artifact
 * exists: for examples their schema and split names, for a transform graph its output features.
 * The producing stage states it in its {@link Stage#plan plan} when it runs in this graph, and reads
 * it back from the published folder ({@link Stage#readInfo}) when it comes from the cache, so a
 * consumer sees the same value either way.
 *
 * <pre>{@code
 * ExamplesInfo examples = inputs.get("examples").info(ExamplesInfo.class);
 * }</pre>
 */
public interface ArtifactInfo extends Serializable {}
