package dev.beamline.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamline.core.Storage;
import dev.beamline.ingest.CsvFormat;
import dev.beamline.ingest.IngestOutput;
import dev.beamline.ingest.InputFormat;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.ArtifactState;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.Execution;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.runner.subject.ScanTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The files a data-subject request scans, from the metadata store: each raw input file an ingestion
 * read (with that ingestion's format, CSV settings and schema, and its input pattern), each request-log
 * segment a feedback join read, the Parquet shards of every {@code LIVE} {@code EXAMPLES} (ingested or
 * transformed) and {@code JOINED_TRAFFIC} output, and the published segments under a request-log folder
 * the store may not know.
 */
final class SubjectTargets {
  /** The type of request-log segments found in a folder, not in the store (artifact id 0). */
  static final String REQUEST_LOG = "REQUEST_LOG";

  /** A raw input file's dataset: the ingestion's input pattern. */
  record Raw(String pattern) {}

  /** One artifact scanned: its record (null for a request-log folder's segment), the pipeline it belongs to, and its files' targets. */
  record Scanned(Artifact artifact, String type, String uri, String role, String pipeline, List<Integer> targets, Raw raw,
      List<Long> sameUri) {}

  final List<ScanTarget> targets = new ArrayList<>();
  final List<Scanned> artifacts = new ArrayList<>();
  /** Recorded inputs that are not scanned: label files, and raw files whose ingestion output is gone; with the reason. */
  final Map<String, String> skipped = new LinkedHashMap<>();
  final TreeSet<String> pipelines = new TreeSet<>();

  static SubjectTargets collect(MetadataStore s, String pipeline, Path requestLog) {
    SubjectTargets t = new SubjectTargets();
    t.raw(s, pipeline);
    for (String type : List.of("EXAMPLES", "JOINED_TRAFFIC")) {
      for (Artifact a : oldestFirst(s.artifacts(type, Integer.MAX_VALUE))) {
        if (a.state() != ArtifactState.LIVE) {
          continue;
        }
        String p = pipelineOf(s, a, Event.Type.OUTPUT);
        if (p == null || (pipeline != null && !pipeline.equals(p))) {
          continue;
        }
        String role = type.equals("JOINED_TRAFFIC") ? "traffic" : a.properties().path("transformed").asBoolean() ? "transformed_examples" : "examples";
        List<Integer> idx = new ArrayList<>();
        for (String f : Storage.listRecursively(a.uri())) {
          String name = Storage.fileName(f);
          if (name.endsWith(".parquet") && !name.startsWith(".") && !f.contains("/.")) {
            idx.add(t.add(ScanTarget.parquet(a.id(), type, role, f)));
          }
        }
        t.pipelines.add(p);
        t.artifacts.add(new Scanned(a, type, a.uri(), role, p, idx, null, List.of(a.id())));
      }
    }
    if (requestLog != null) {
      t.requestLog(requestLog, pipeline);
    }
    return t;
  }

  private int add(ScanTarget target) {
    targets.add(target);
    return targets.size() - 1;
  }

  /** Each raw file once (the newest artifact of its path), read as the newest ingestion that read it. */
  private void raw(MetadataStore s, String pipeline) {
    Map<String, List<Artifact>> byUri = new LinkedHashMap<>();
    for (Artifact a : oldestFirst(s.artifacts("RAW_DATA", Integer.MAX_VALUE))) {
      byUri.computeIfAbsent(a.uri(), u -> new ArrayList<>()).add(a);
    }
    for (Map.Entry<String, List<Artifact>> e : byUri.entrySet()) {
      List<Artifact> all = e.getValue();
      Artifact newest = all.get(all.size() - 1);
      List<Long> ids = all.stream().map(Artifact::id).toList();
      Execution reader = null;
      String role = null;
      for (Artifact a : all) {
        for (Event ev : s.eventsOfArtifact(a.id())) {
          if (ev.type() == Event.Type.INPUT) {
            Execution x = s.execution(ev.executionId()).orElseThrow();
            if (pipeline == null || pipeline.equals(x.pipeline())) {
              reader = x;
              role = ev.role();
            }
          }
        }
      }
      if (reader == null) {
        continue;
      }
      String uri = e.getKey();
      if (!Storage.exists(uri)) {
        skipped.put(uri, "the file is gone");
        continue;
      }
      pipelines.add(reader.pipeline());
      if (role.equals("request_log")) {
        int i = add(ScanTarget.parquet(newest.id(), "RAW_DATA", role, uri));
        artifacts.add(new Scanned(newest, "RAW_DATA", uri, role, reader.pipeline(), List.of(i), null, ids));
      } else if (role.equals("raw_data")) {
        Artifact examples = outputOf(s, reader, "examples");
        if (examples == null || !IngestOutput.isPublished(examples.uri())) {
          skipped.put(uri, "its ingestion's output (the schema it was read with) is gone");
          continue;
        }
        JsonNode p = reader.parameters();
        String format = p.path("format").isTextual() ? p.get("format").asText() : null;
        InputFormat f = format != null ? InputFormat.parse(format) : InputFormat.fromFileName(uri);
        String name = f.name().toLowerCase(java.util.Locale.ROOT);
        CsvFormat csv = f == InputFormat.CSV ? csvOf(p.path("csv")) : null;
        String schema = (f == InputFormat.CSV || f == InputFormat.JSONL) ? IngestOutput.open(examples.uri()).avroSchema().toString() : null;
        int i = add(new ScanTarget(newest.id(), "RAW_DATA", role, uri, name, csv, schema));
        artifacts.add(new Scanned(newest, "RAW_DATA", uri, role, reader.pipeline(), List.of(i),
            new Raw(examples.properties().path("input_pattern").asText(p.path("input").asText())), ids));
      } else {
        skipped.put(uri, "a " + role + " input of " + reader.stage() + " is not scanned");
      }
    }
  }

  private void requestLog(Path dir, String pipeline) {
    if (!Files.isDirectory(dir)) {
      throw new dev.beamline.core.ConfigException("no request log folder " + dir);
    }
    java.util.Set<String> known = new java.util.HashSet<>();
    targets.forEach(tg -> known.add(tg.file()));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        String path = f.toAbsolutePath().normalize().toString();
        if (Files.isRegularFile(f) && name.startsWith("requests-") && name.endsWith(".parquet") && !known.contains(path)) {
          int i = add(ScanTarget.parquet(0, REQUEST_LOG, "request_log", path));
          artifacts.add(new Scanned(null, REQUEST_LOG, path, "request_log", pipeline, List.of(i), null, List.of()));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static CsvFormat csvOf(JsonNode c) {
    CsvFormat f = CsvFormat.defaults();
    if (c.hasNonNull("delimiter")) {
      f = f.withDelimiter(c.get("delimiter").asText().charAt(0));
    }
    if (c.hasNonNull("quote")) {
      f = f.withQuote(c.get("quote").asText().charAt(0));
    }
    if (c.hasNonNull("header")) {
      f = f.withHeader(c.get("header").asBoolean());
    }
    if (c.has("null_values")) {
      List<String> nulls = new ArrayList<>();
      c.get("null_values").forEach(n -> nulls.add(n.asText()));
      f = f.withNullValues(nulls);
    }
    if (c.has("columns") && c.get("columns").size() > 0) {
      List<String> cols = new ArrayList<>();
      c.get("columns").forEach(n -> cols.add(n.asText()));
      f = f.withColumnNames(cols);
    }
    if (c.hasNonNull("max_record_bytes")) {
      f = f.withMaxRecordBytes(c.get("max_record_bytes").asLong());
    }
    return f;
  }

  private static Artifact outputOf(MetadataStore s, Execution x, String role) {
    for (Event ev : s.eventsOfExecution(x.id())) {
      if (ev.type() == Event.Type.OUTPUT && ev.role().equals(role)) {
        return s.artifact(ev.artifactId()).orElse(null);
      }
    }
    return null;
  }

  /** The pipeline of the first execution linked to {@code a} by an event of {@code type}. */
  static String pipelineOf(MetadataStore s, Artifact a, Event.Type type) {
    for (Event ev : s.eventsOfArtifact(a.id())) {
      if (ev.type() == type) {
        return s.execution(ev.executionId()).map(Execution::pipeline).orElse(null);
      }
    }
    return null;
  }

  private static List<Artifact> oldestFirst(List<Artifact> newestFirst) {
    List<Artifact> l = new ArrayList<>(newestFirst);
    java.util.Collections.reverse(l);
    return l;
  }
}
