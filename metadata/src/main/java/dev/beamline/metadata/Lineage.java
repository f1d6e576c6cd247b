package dev.beamline.metadata;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lineage of an artifact, from the store's events: upstream, what produced it (the execution, its
 * parameters and code version, and recursively its inputs) down to the raw input files; downstream,
 * everything derived from it. Rendered as a readable tree, JSON, or Graphviz DOT.
 *
 * <pre>{@code
 * Lineage.Node tree = Lineage.upstream(store, artifactId);
 * System.out.print(Lineage.toText(tree));
 * }</pre>
 */
public final class Lineage {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Lineage() {}

  /** A node of the lineage tree: an artifact or an execution, with its neighbours in one direction. */
  public record Node(Artifact artifact, Execution execution, String role, List<Node> children) {
    public boolean isArtifact() {
      return artifact != null;
    }
  }

  /** What produced artifact {@code artifactId}, recursively. */
  public static Node upstream(MetadataStore store, long artifactId) {
    return upstream(store, artifactId, null, new HashSet<>());
  }

  private static Node upstream(MetadataStore store, long artifactId, String role, Set<Long> seen) {
    Artifact artifact = store.artifact(artifactId).orElseThrow(() -> new IllegalArgumentException("no artifact " + artifactId));
    List<Node> children = new ArrayList<>();
    if (seen.add(artifactId)) {
      Execution producer = producer(store, artifactId);
      if (producer != null) {
        List<Node> inputs = new ArrayList<>();
        for (Event e : store.eventsOfExecution(producer.id())) {
          if (e.type() == Event.Type.INPUT) {
            inputs.add(upstream(store, e.artifactId(), e.role(), seen));
          }
        }
        children.add(new Node(null, producer, null, inputs));
      }
    }
    return new Node(artifact, null, role, children);
  }

  /**
   * The execution that wrote the artifact: the one that really ran (not a cached reuse of it), the
   * oldest if several did.
   */
  static Execution producer(MetadataStore store, long artifactId) {
    Execution cached = null;
    for (Event e : store.eventsOfArtifact(artifactId)) {
      if (e.type() != Event.Type.OUTPUT) {
        continue;
      }
      Execution x = store.execution(e.executionId()).orElseThrow();
      if (x.state() != ExecutionState.CACHED) {
        return x;
      }
      if (cached == null) {
        cached = x;
      }
    }
    return cached;
  }

  /** Everything derived from artifact {@code artifactId}: the executions that read it and their outputs, recursively. */
  public static Node downstream(MetadataStore store, long artifactId) {
    return downstream(store, artifactId, null, new HashSet<>());
  }

  private static Node downstream(MetadataStore store, long artifactId, String role, Set<Long> seen) {
    Artifact artifact = store.artifact(artifactId).orElseThrow(() -> new IllegalArgumentException("no artifact " + artifactId));
    List<Node> children = new ArrayList<>();
    if (seen.add(artifactId)) {
      for (Event e : store.eventsOfArtifact(artifactId)) {
        if (e.type() != Event.Type.INPUT) {
          continue;
        }
        Execution consumer = store.execution(e.executionId()).orElseThrow();
        List<Node> outputs = new ArrayList<>();
        for (Event out : store.eventsOfExecution(consumer.id())) {
          if (out.type() == Event.Type.OUTPUT) {
            outputs.add(downstream(store, out.artifactId(), out.role(), seen));
          }
        }
        children.add(new Node(null, consumer, e.role(), outputs));
      }
    }
    return new Node(artifact, null, role, children);
  }

  /** Every artifact in the tree, in depth-first order. */
  public static List<Artifact> artifacts(Node root) {
    List<Artifact> out = new ArrayList<>();
    collect(root, out);
    return out;
  }

  private static void collect(Node n, List<Artifact> out) {
    if (n.isArtifact()) {
      out.add(n.artifact());
    }
    n.children().forEach(c -> collect(c, out));
  }

  // ---- rendering

  /** The tree as indented text, one artifact or execution per line, with their key facts below. */
  public static String toText(Node root) {
    StringBuilder s = new StringBuilder();
    text(root, "", "", s);
    return s.toString();
  }

  private static void text(Node n, String firstPrefix, String prefix, StringBuilder s) {
    s.append(firstPrefix).append(title(n)).append('\n');
    for (String detail : details(n)) {
      s.append(prefix).append(n.children().isEmpty() ? "    " : "│   ").append(detail).append('\n');
    }
    for (Iterator<Node> it = n.children().iterator(); it.hasNext(); ) {
      Node c = it.next();
      boolean last = !it.hasNext();
      text(c, prefix + (last ? "└── " : "├── "), prefix + (last ? "    " : "│   "), s);
    }
  }

  private static String title(Node n) {
    if (n.isArtifact()) {
      Artifact a = n.artifact();
      return (n.role() == null ? "" : n.role() + ": ") + "artifact #" + a.id() + " " + a.type() + " [" + a.state() + "] " + a.uri();
    }
    Execution e = n.execution();
    return "execution #" + e.id() + " " + e.stage() + " [" + e.state() + "] pipeline " + e.pipeline() + ", run " + e.runId();
  }

  private static List<String> details(Node n) {
    List<String> d = new ArrayList<>();
    if (n.isArtifact()) {
      Artifact a = n.artifact();
      if (a.fingerprint() != null) {
        d.add("fingerprint: " + a.fingerprint());
      }
      for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = a.properties().fields(); it.hasNext(); ) {
        Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> p = it.next();
        if (!p.getKey().equals("provenance")) {
          d.add(p.getKey() + ": " + p.getValue());
        }
      }
      d.add("created: " + Instant.ofEpochMilli(a.createTime()));
    } else {
      Execution e = n.execution();
      d.add("code version: " + e.codeVersion());
      d.add("parameters: " + e.parameters());
      d.add("started: " + Instant.ofEpochMilli(e.startTime()) + (e.endTime() > 0 ? ", took " + (e.endTime() - e.startTime()) + " ms" : ""));
      if (e.error() != null) {
        d.add("error: " + e.error());
      }
    }
    return d;
  }

  /** The tree as JSON: artifacts and executions with their fields, children under "inputs"/"derived". */
  public static ObjectNode toJson(Node n) {
    ObjectNode o = JSON.createObjectNode();
    if (n.isArtifact()) {
      Artifact a = n.artifact();
      o.put("kind", "artifact");
      if (n.role() != null) {
        o.put("role", n.role());
      }
      o.put("id", a.id());
      o.put("type", a.type());
      o.put("uri", a.uri());
      o.put("state", a.state().name());
      o.put("fingerprint", a.fingerprint());
      o.set("properties", a.properties());
      o.put("create_time", a.createTime());
    } else {
      Execution e = n.execution();
      o.put("kind", "execution");
      o.put("id", e.id());
      o.put("stage", e.stage());
      o.put("pipeline", e.pipeline());
      o.put("run_id", e.runId());
      o.put("state", e.state().name());
      o.put("code_version", e.codeVersion());
      o.set("parameters", e.parameters());
      o.put("start_time", e.startTime());
      o.put("end_time", e.endTime());
      if (e.error() != null) {
        o.put("error", e.error());
      }
    }
    ArrayNode children = o.putArray("children");
    n.children().forEach(c -> children.add(toJson(c)));
    return o;
  }

  /** The tree as a Graphviz digraph: artifacts as boxes, executions as ellipses, edges in data-flow direction. */
  public static String toDot(Node root, boolean upstream) {
    StringBuilder s = new StringBuilder("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    Set<String> declared = new HashSet<>();
    Set<String> edges = new HashSet<>();
    dot(root, upstream, s, declared, edges);
    return s.append("}\n").toString();
  }

  private static String id(Node n) {
    return n.isArtifact() ? "a" + n.artifact().id() : "e" + n.execution().id();
  }

  private static void dot(Node n, boolean upstream, StringBuilder s, Set<String> declared, Set<String> edges) {
    if (declared.add(id(n))) {
      String label =
          n.isArtifact()
              ? "#" + n.artifact().id() + " " + n.artifact().type() + "\\n" + shortUri(n.artifact().uri())
              : "#" + n.execution().id() + " " + n.execution().stage() + "\\n" + n.execution().state();
      s.append("  ").append(id(n)).append(" [shape=").append(n.isArtifact() ? "box" : "ellipse")
          .append(", label=\"").append(label.replace("\"", "\\\"")).append("\"];\n");
    }
    for (Node c : n.children()) {
      String edge = upstream ? id(c) + " -> " + id(n) : id(n) + " -> " + id(c);
      if (edges.add(edge)) {
        s.append("  ").append(edge).append(";\n");
      }
      dot(c, upstream, s, declared, edges);
    }
  }

  private static String shortUri(String uri) {
    String[] parts = uri.split("/");
    int n = parts.length;
    return n <= 3 ? uri : ".../" + parts[n - 3] + "/" + parts[n - 2] + "/" + parts[n - 1];
  }
}
