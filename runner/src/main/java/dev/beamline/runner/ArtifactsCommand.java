package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.MetadataStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code beamline artifacts}: the recorded artifacts, newest first. */
@Command(name = "artifacts", mixinStandardHelpOptions = true, description = "Lists recorded artifacts, newest first.")
final class ArtifactsCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;

  @Option(names = "--type", description = "Only artifacts of this type (EXAMPLES, RAW_DATA, SCHEMA, MODEL, ...).")
  String type;

  @Option(names = "--limit", defaultValue = "50", description = "At most this many (default 50).")
  int limit;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (MetadataStore s = store.open()) {
      List<Artifact> artifacts = s.artifacts(type == null ? null : type.toUpperCase(Locale.ROOT), limit);
      if (store.json) {
        ObjectMapper json = new ObjectMapper();
        ArrayNode array = json.createArrayNode();
        for (Artifact a : artifacts) {
          array.addObject()
              .put("id", a.id())
              .put("type", a.type())
              .put("uri", a.uri())
              .put("state", a.state().name())
              .put("fingerprint", a.fingerprint())
              .put("create_time", a.createTime())
              .set("properties", a.properties());
        }
        out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(array));
        return BeamlineCli.OK;
      }
      out.printf("%6s  %-12s %-9s %-19s %-18s %s%n", "ID", "TYPE", "STATE", "CREATED (UTC)", "FINGERPRINT", "URI");
      for (Artifact a : artifacts) {
        String fp = a.fingerprint() == null ? "-" : a.fingerprint().substring(0, Math.min(16, a.fingerprint().length()));
        out.printf(
            "%6d  %-12s %-9s %-19s %-18s %s%n",
            a.id(), a.type(), a.state(), RunsCommand.TIME.format(Instant.ofEpochMilli(a.createTime())), fp, a.uri());
      }
    }
    return BeamlineCli.OK;
  }
}
