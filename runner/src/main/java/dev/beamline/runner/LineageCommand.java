package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamline.core.ConfigException;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Lineage;
import dev.beamline.metadata.MetadataStore;
import java.io.PrintWriter;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline lineage <artifact>}: what an artifact was made from, as a tree down to the input
 * files; with {@code --downstream}, everything made from it.
 */
@Command(
    name = "lineage",
    mixinStandardHelpOptions = true,
    description = {
      "Explains an artifact: the executions, parameters, code versions and inputs that made it.",
      "With --downstream, lists everything derived from it (e.g. from an input data file)."
    })
final class LineageCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Parameters(
      index = "0",
      paramLabel = "<artifact>",
      description = "An artifact id (e.g. 12), a path or URI of an artifact or data file, or name:version of a model.")
  String ref;

  @Option(names = "--downstream", description = "Show what was derived from the artifact instead of what made it.")
  boolean downstream;

  @Option(names = "--dot", description = "Print a Graphviz digraph (render with: dot -Tsvg).")
  boolean dot;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      Artifact artifact = resolve(s, ref);
      Lineage.Node tree = downstream ? Lineage.downstream(s, artifact.id()) : Lineage.upstream(s, artifact.id());
      if (dot) {
        out.print(Lineage.toDot(tree, !downstream));
      } else if (store.json) {
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(Lineage.toJson(tree)));
      } else {
        out.print(Lineage.toText(tree));
      }
      out.flush();
    }
    return BeamlineCli.OK;
  }

  /** The newest artifact that {@code ref} names: an id, a URI or path, or {@code name:version}. */
  static Artifact resolve(MetadataStore s, String ref) {
    if (ref.matches("\\d+")) {
      return s.artifact(Long.parseLong(ref)).orElseThrow(() -> new ConfigException("no artifact #" + ref + " in " + s.url()));
    }
    List<Artifact> byUri = s.artifactsByUri(ref);
    if (byUri.isEmpty() && !ref.contains("://")) {
      byUri = s.artifactsByUri(Paths.get(ref).toAbsolutePath().normalize().toString());
    }
    if (!byUri.isEmpty()) {
      return byUri.get(0);
    }
    int colon = ref.lastIndexOf(':');
    if (colon > 0 && ref.substring(colon + 1).matches("\\d+")) {
      String name = ref.substring(0, colon);
      long version = Long.parseLong(ref.substring(colon + 1));
      // A pushed model: the push stage and rollback record its name and version.
      for (Artifact a : s.artifacts("PUSHED_MODEL", Integer.MAX_VALUE)) {
        if (a.properties().path("model_name").asText().equals(name) && a.properties().path("version").asLong(-1) == version) {
          return a;
        }
      }
    }
    throw new ConfigException("no artifact matches '" + ref + "' in " + s.url() + " (give an id, a path, or name:version)");
  }
}
