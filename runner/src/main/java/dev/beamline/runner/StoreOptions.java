package dev.beamline.runner;

import dev.beamline.metadata.MetadataStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the query commands find the metadata store. */
final class StoreOptions {
  @Option(
      names = "--pipeline-root",
      defaultValue = "beamline-runs",
      description = "Folder of all runs, holding metadata.sqlite (default: ./beamline-runs).")
  Path pipelineRoot;

  @Option(names = "--metadata-url", description = "JDBC URL of the metadata store; overrides --pipeline-root.")
  String metadataUrl;

  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;

  MetadataStore open() {
    return MetadataStore.open(metadataUrl != null ? metadataUrl : PipelineSpec.defaultMetadataUrl(pipelineRoot));
  }
}
