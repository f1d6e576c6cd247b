package dev.beamline.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hashing;
import dev.beamline.core.ConfigException;
import dev.beamline.core.RunLayout;
import dev.beamline.core.Storage;
import dev.beamline.ingest.InputFiles;
import dev.beamline.metadata.Artifact;
import dev.beamline.metadata.Event;
import dev.beamline.metadata.MetadataStore;
import dev.beamline.runner.subject.DatasetVersion;
import dev.beamline.runner.subject.FileMatches;
import dev.beamline.runner.subject.RowEraser;
import dev.beamline.runner.subject.ScanTarget;
import dev.beamline.runner.subject.SubjectKey;
import dev.beamline.runner.subject.SubjectScan;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code beamline subject <column>=<value>}: a data-subject request (GDPR articles 15 and 17). Finds
 * every recorded dataset holding the subject's rows with one Beam job ({@link SubjectScan}), and the
 * models trained downstream of them ({@link #derivedFrom}); with {@code --erase}, writes the next
 * version of each raw dataset without those rows, rewrites request-log segments without them, marks the
 * models {@code trained_on_erased_data}, and with {@code --retrain} runs the pipeline again. The request
 * is recorded as a {@code subject} execution whose {@code SUBJECT_REQUEST} artifact is the published
 * folder {@code <root>/<pipeline>/subject/<request id>/} holding {@code report.json}, which names the
 * column and the SHA-256 of the value, never the value or any row.
 */
@Command(
    name = "subject",
    mixinStandardHelpOptions = true,
    description = {
      "A data-subject request: lists every recorded dataset (raw files, examples, transformed examples, joined traffic,",
      "request-log segments) with rows whose <column> holds <value>, and the models trained on them; --erase writes new",
      "versions of the raw data without those rows, marks the models, and --retrain runs the pipeline again.",
      "The request's report (column and SHA-256 of the value only) is kept as a SUBJECT_REQUEST artifact."
    })
final class SubjectCommand implements Callable<Integer> {
  /** The stage name of the executions recorded. */
  static final String STAGE = "subject";
  /** The artifact type of the published report. */
  static final String SUBJECT_REQUEST = "SUBJECT_REQUEST";
  /** The property that marks a model trained on rows since erased. */
  static final String TRAINED_ON_ERASED = "trained_on_erased_data";
  /** The property listing the erasure requests that concern an artifact. */
  static final String ERASURE_REQUESTS = "erasure_requests";

  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @CommandLine.Mixin StoreOptions store;
  @CommandLine.Mixin EncryptionOptions encryption;

  @Parameters(index = "0", paramLabel = "<column>=<value>", description = "The key column (a feature name) and the subject's value, e.g. user_id=42.")
  String subject;

  @Option(names = "--pipeline", paramLabel = "<name>", description = "Only this pipeline's datasets (required when the store holds several).")
  String pipeline;

  @Option(names = "--request-log", paramLabel = "<dir>", description = "Also scan the model server's request log folder (<dir>/<model>/<version>/requests-*.parquet).")
  Path requestLog;

  @Option(names = "--erase", description = "Write the raw data anew without the subject's rows, rewrite request-log segments, mark the models.")
  boolean erase;

  @Option(names = "--in-place", description = "With --erase: rewrite raw files whose input pattern has no {VERSION} in place (else refused).")
  boolean inPlace;

  @Option(names = "--retrain", paramLabel = "<pipeline.yaml>", description = "With --erase: run this pipeline file afterwards, into the same pipeline root and store.")
  Path retrain;

  @Override
  public Integer call() throws Exception {
    FileSystems.setDefaultPipelineOptions(PipelineOptionsFactory.create());
    PrintWriter out = spec.commandLine().getOut();
    SubjectKey key = SubjectKey.parse(subject);
    if ((retrain != null || inPlace) && !erase) {
      throw new ConfigException((retrain != null ? "--retrain" : "--in-place") + " goes with --erase");
    }
    if (retrain != null && !Files.isRegularFile(retrain)) {
      throw new ConfigException("no pipeline file " + retrain + " (--retrain)");
    }
    // An encrypted root's examples, transformed examples and joined traffic are read through its keyset.
    encryption.openFor(store.pipelineRoot.toAbsolutePath().normalize().toString());
    Path sqlite = store.pipelineRoot.toAbsolutePath().normalize().resolve("metadata.sqlite");
    if (store.metadataUrl == null && !Files.isRegularFile(sqlite)) {
      throw new ConfigException("no metadata store " + sqlite + "; give the runs' --pipeline-root or --metadata-url");
    }
    Request r;
    try (MetadataStore s = store.open()) {
      SubjectTargets found = SubjectTargets.collect(s, pipeline, requestLog);
      String name = pipelineName(found);
      String requestId = RunLayout.newRunId();
      ObjectNode parameters = JSON.createObjectNode().put("column", key.column()).put("value_sha256", key.valueSha256())
          .put("request_id", requestId).put("erase", erase).put("in_place", inPlace)
          .put("retrain", retrain == null ? null : retrain.toAbsolutePath().toString())
          .put("request_log", requestLog == null ? null : requestLog.toAbsolutePath().toString());
      String dir = Storage.resolve(Storage.resolve(Storage.resolve(store.pipelineRoot.toAbsolutePath().normalize().toString(), name), STAGE), requestId);
      CommandExecution.Recorded<Request> rec = CommandExecution.record(s, name, STAGE, parameters, Optional.empty(),
          () -> handle(s, found, key, requestId, dir),
          req -> new CommandExecution.Output(SUBJECT_REQUEST, dir, req.sha256, req.facts(), "subject_request"));
      r = rec.value();
      r.executionId = rec.executionId();
      r.artifactId = rec.artifactId();
      if (retrain != null) {
        retrain(s, name, r, out);
      }
    }
    if (store.json) {
      ObjectNode o = r.report.deepCopy();
      o.put("execution_id", r.executionId).put("artifact_id", r.artifactId).put("report", r.dir + "/report.json");
      out.println(o.toPrettyString());
    } else {
      printText(out, key, r);
    }
    out.flush();
    // The request is done and recorded either way; a retraining run that failed says so by its exit code.
    return r.retrainCode;
  }

  /** The request as handled: the report written, and what the command prints. */
  private static final class Request {
    ObjectNode report;
    String dir;
    String sha256;
    long executionId;
    long artifactId;
    long matched;
    int retrainCode = BeamlineCli.OK;

    ObjectNode facts() {
      ObjectNode f = JSON.createObjectNode();
      f.put("request_id", report.get("request_id").asText());
      f.set("subject", report.get("subject"));
      f.put("matched_rows", matched);
      f.put("artifacts_with_rows", countWithRows(report));
      ArrayNode models = f.putArray("models");
      report.get("models").forEach(m -> models.add(m.get("id").asLong()));
      f.put("erased", report.get("erase").isObject());
      return f;
    }

    private static int countWithRows(ObjectNode report) {
      int n = 0;
      for (var a : report.get("artifacts")) {
        n += a.get("matched_rows").asLong() > 0 ? 1 : 0;
      }
      return n;
    }
  }

  private String pipelineName(SubjectTargets found) {
    if (pipeline != null) {
      return pipeline;
    }
    if (found.pipelines.size() == 1) {
      return found.pipelines.first();
    }
    if (found.pipelines.isEmpty()) {
      throw new ConfigException("the store records no dataset of any pipeline; give --pipeline to record the request under one");
    }
    throw new ConfigException("the store holds datasets of several pipelines " + found.pipelines + "; give --pipeline");
  }

  private Request handle(MetadataStore s, SubjectTargets found, SubjectKey key, String requestId, String dir) {
    PipelineOptions options = PipelineOptionsFactory.create();
    List<FileMatches> counts = SubjectScan.run(found.targets, key, options);
    boolean anyColumn = counts.stream().anyMatch(FileMatches::columnPresent);
    if (!anyColumn && !found.targets.isEmpty()) {
      TreeSet<String> seen = new TreeSet<>();
      counts.forEach(c -> seen.addAll(c.columns()));
      throw new ConfigException("no scanned file has a column '" + key.column() + "' (" + found.targets.size()
          + " file(s) of " + found.artifacts.size() + " artifact(s)); columns seen: " + String.join(", ", seen));
    }
    ObjectNode report = JSON.createObjectNode();
    report.put("request_id", requestId);
    report.put("time", Instant.now().toString());
    report.putObject("subject").put("column", key.column()).put("value_sha256", key.valueSha256());
    // Which artifacts hold rows, and everything derived from them.
    Set<Long> withRows = new LinkedHashSet<>();
    long matched = 0;
    for (SubjectTargets.Scanned a : found.artifacts) {
      long m = a.targets().stream().mapToLong(i -> counts.get(i).matched()).sum();
      matched += m;
      if (m > 0) {
        withRows.addAll(a.sameUri());
      }
    }
    Map<Long, Artifact> derived = derivedFrom(s, withRows);
    ArrayNode artifacts = report.putArray("artifacts");
    for (SubjectTargets.Scanned a : found.artifacts) {
      ObjectNode o = artifacts.addObject();
      o.put("id", a.artifact() == null ? null : a.artifact().id());
      o.put("type", a.type()).put("role", a.role()).put("uri", a.uri());
      long rows = 0;
      long m = 0;
      boolean column = false;
      ArrayNode files = o.putArray("files");
      for (int i : a.targets()) {
        FileMatches c = counts.get(i);
        rows += c.rows();
        m += c.matched();
        column |= c.columnPresent();
        ObjectNode f = files.addObject().put("path", found.targets.get(i).file()).put("rows", c.rows())
            .put("matched_rows", c.matched()).put("column_present", c.columnPresent());
        if (c.error() != null) {
          f.put("error", c.error());
        }
      }
      o.put("rows", rows).put("matched_rows", m).put("column_present", column);
      o.put("derived_from_subject_rows", a.artifact() != null && derived.containsKey(a.artifact().id()));
    }
    ArrayNode models = report.putArray("models");
    List<Artifact> modelArtifacts = new ArrayList<>();
    for (Artifact d : derived.values()) {
      if (d.type().equals("MODEL") || d.type().equals("PUSHED_MODEL")) {
        modelArtifacts.add(d);
        ObjectNode o = models.addObject().put("id", d.id()).put("type", d.type()).put("uri", d.uri()).put("state", d.state().name());
        if (d.type().equals("PUSHED_MODEL")) {
          o.put("name", d.properties().path("model_name").asText()).put("version", d.properties().path("version").asLong());
        }
      }
    }
    ObjectNode skipped = report.putObject("not_scanned");
    found.skipped.forEach(skipped::put);
    if (erase) {
      report.set("erase", erase(s, found, counts, key, requestId, modelArtifacts, derived.keySet()));
    } else {
      report.putNull("erase");
    }
    report.put("retrain", retrain == null ? null : retrain.toAbsolutePath().toString());
    String text = report.toPrettyString() + "\n";
    String staging = Storage.stagingOf(dir);
    Storage.writeString(Storage.resolve(staging, "report.json"), text);
    Storage.publish(staging, dir);
    Request r = new Request();
    r.report = report;
    r.dir = dir;
    r.sha256 = Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString();
    r.matched = matched;
    return r;
  }

  /**
   * Every artifact made from the artifacts {@code ids}, as {@code lineage --downstream} walks it, except
   * along inputs that an execution only compares with ({@code previous_statistics}, {@code
   * baseline_model}: roles starting {@code previous_} or {@code baseline_}): a model validated against
   * the statistics of erased data, or evaluated against a model trained on it, is not made of those rows.
   */
  static Map<Long, Artifact> derivedFrom(MetadataStore s, Set<Long> ids) {
    Map<Long, Artifact> derived = new TreeMap<>();
    java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(ids);
    Set<Long> seen = new java.util.HashSet<>(ids);
    Set<Long> executions = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      long id = todo.poll();
      for (Event in : s.eventsOfArtifact(id)) {
        if (in.type() != Event.Type.INPUT || in.role().startsWith("previous_") || in.role().startsWith("baseline_")
            || !executions.add(in.executionId())) {
          continue;
        }
        for (Event o : s.eventsOfExecution(in.executionId())) {
          if (o.type() == Event.Type.OUTPUT && seen.add(o.artifactId())) {
            derived.put(o.artifactId(), s.artifact(o.artifactId()).orElseThrow());
            todo.add(o.artifactId());
          }
        }
      }
    }
    return derived;
  }

  /** Plans every rewrite (refusing before any file is written), then writes, then marks the store. */
  private ObjectNode erase(MetadataStore s, SubjectTargets found, List<FileMatches> counts, SubjectKey key, String requestId,
      List<Artifact> models, Set<Long> derived) {
    ObjectNode e = JSON.createObjectNode();
    // Raw files with rows, grouped by (pattern, span, version); request-log segments; in-place raw files.
    Map<String, List<DatasetVersion>> versions = new LinkedHashMap<>();
    Map<String, Integer> targetOf = new LinkedHashMap<>();
    List<Integer> inPlaceTargets = new ArrayList<>();
    List<Integer> segments = new ArrayList<>();
    List<SubjectTargets.Scanned> stillHolding = new ArrayList<>();
    for (SubjectTargets.Scanned a : found.artifacts) {
      for (int i : a.targets()) {
        if (counts.get(i).matched() == 0) {
          continue;
        }
        ScanTarget t = found.targets.get(i);
        if (!Storage.isLocal(t.file())) {
          throw new ConfigException(t.file() + ": --erase rewrites local files only");
        }
        targetOf.put(t.file(), i);
        if (a.role().equals("request_log")) {
          segments.add(i);
        } else if (a.raw() != null) {
          if (!a.raw().pattern().contains("{VERSION}")) {
            if (!inPlace) {
              DatasetVersion.of(a.raw().pattern(), t.file()); // throws, naming the pattern
            }
            inPlaceTargets.add(i);
          } else {
            DatasetVersion v = DatasetVersion.of(a.raw().pattern(), t.file());
            versions.computeIfAbsent(v.pattern() + "\n" + v.span() + "\n" + v.version(), k -> new ArrayList<>()).add(v);
            // The earlier version is kept as it was.
            if (!stillHolding.contains(a)) {
              stillHolding.add(a);
            }
          }
        } else if (!stillHolding.contains(a)) {
          stillHolding.add(a);
        }
      }
    }
    // Outputs derived from the rows without the key column (transformed examples) hold them too.
    for (SubjectTargets.Scanned a : found.artifacts) {
      if (a.artifact() != null && a.raw() == null && !a.role().equals("request_log") && derived.contains(a.artifact().id())
          && !stillHolding.contains(a)) {
        stillHolding.add(a);
      }
    }
    // Each version with rows must be its span's newest: a newer one was not scanned.
    for (List<DatasetVersion> group : versions.values()) {
      DatasetVersion v = group.get(0);
      InputFiles span = InputFiles.resolve(v.pattern(), InputFiles.SpanSelection.range(v.span(), v.span()));
      Long newest = span.spans().get(v.span());
      if (newest == null || newest != v.version()) {
        throw new ConfigException("span " + v.span() + " of '" + v.pattern() + "' has version " + newest + ", newer than version "
            + v.version() + " that holds the subject's rows; run the pipeline on it first, then make the request again");
      }
      if (Storage.exists(v.pathIn(v.version() + 1)) || (v.folderIn(v.version() + 1) != null && Storage.exists(v.folderIn(v.version() + 1)))) {
        throw new ConfigException(v.pathIn(v.version() + 1) + " exists already");
      }
    }
    try {
      ArrayNode written = e.putArray("new_versions");
      for (List<DatasetVersion> group : versions.values()) {
        written.add(newVersion(group.get(0), found, targetOf, key, requestId));
      }
      ArrayNode rewritten = e.putArray("rewritten_in_place");
      List<Integer> inPlaceAll = new ArrayList<>(inPlaceTargets);
      inPlaceAll.addAll(segments);
      for (int i : inPlaceAll) {
        ScanTarget t = found.targets.get(i);
        Path file = Path.of(t.file());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".erase-" + requestId);
        RowEraser.Erased er = RowEraser.rewrite(t, key, tmp);
        Storage.sync(tmp.toString());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Storage.sync(file.getParent().toString());
        rewritten.addObject().put("path", t.file()).put("role", t.role()).put("rows", er.rows()).put("removed_rows", er.removed());
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    // The store: models marked, outputs that still hold the rows marked.
    ArrayNode marked = e.putArray("marked_models");
    for (Artifact m : models) {
      mark(s, m, requestId, TRAINED_ON_ERASED);
      marked.add(m.id());
    }
    ArrayNode holding = e.putArray("still_holding_rows");
    for (SubjectTargets.Scanned a : stillHolding) {
      mark(s, a.artifact(), requestId, "holds_erased_subject_rows");
      holding.addObject().put("id", a.artifact().id()).put("type", a.type()).put("uri", a.uri());
    }
    return e;
  }

  /** Writes version {@code v.version() + 1} of {@code v}'s span: every file of version {@code v.version()}, those with the subject's rows without them. */
  private ObjectNode newVersion(DatasetVersion v, SubjectTargets found, Map<String, Integer> targetOf, SubjectKey key, String requestId)
      throws IOException {
    long next = v.version() + 1;
    InputFiles span = InputFiles.resolve(v.pattern(), InputFiles.SpanSelection.range(v.span(), v.span()));
    String folder = v.folderIn(next);
    String staging = folder == null ? null : Storage.stagingOf(folder) + "-" + requestId;
    ObjectNode o = JSON.createObjectNode().put("pattern", v.pattern()).put("span", v.span()).put("from_version", v.version())
        .put("version", next).put("folder", folder);
    ArrayNode files = o.putArray("files");
    List<Path[]> moves = new ArrayList<>();
    for (InputFiles.InputFile f : span.files()) {
      DatasetVersion fv = DatasetVersion.of(v.pattern(), f.path());
      String target = fv.pathIn(next);
      Path written = folder == null
          ? Path.of(target).resolveSibling("." + Path.of(target).getFileName() + ".erase-" + requestId)
          : Path.of(staging).resolve(Path.of(folder).relativize(Path.of(target)));
      Files.createDirectories(written.getParent());
      Integer i = targetOf.get(f.path());
      ObjectNode fo = files.addObject().put("from", f.path()).put("path", target);
      if (i == null) {
        Files.copy(Path.of(f.path()), written);
        fo.put("removed_rows", 0);
      } else {
        RowEraser.Erased er = RowEraser.rewrite(found.targets.get(i), key, written);
        fo.put("rows", er.rows()).put("removed_rows", er.removed());
      }
      moves.add(new Path[] {written, Path.of(target)});
    }
    if (folder != null) {
      Storage.publish(staging, folder);
    } else {
      for (Path[] m : moves) {
        Storage.sync(m[0].toString());
        Files.move(m[0], m[1], StandardCopyOption.ATOMIC_MOVE);
      }
    }
    return o;
  }

  private static void mark(MetadataStore s, Artifact a, String requestId, String flag) {
    Artifact now = s.artifact(a.id()).orElseThrow();
    ObjectNode p = now.properties().deepCopy();
    p.put(flag, true);
    ArrayNode requests = p.has(ERASURE_REQUESTS) && p.get(ERASURE_REQUESTS).isArray() ? (ArrayNode) p.get(ERASURE_REQUESTS) : p.putArray(ERASURE_REQUESTS);
    requests.add(requestId);
    s.updateArtifact(now.id(), now.state(), now.fingerprint(), p);
  }

  /** Runs the pipeline file in this process into the same root and store, and records its outcome on the request's artifact. */
  private void retrain(MetadataStore s, String name, Request r, PrintWriter out) {
    String runId = RunLayout.newRunId();
    List<String> args = new ArrayList<>(List.of("run", retrain.toString(), "--pipeline-root", store.pipelineRoot.toString(), "--run-id=" + runId));
    if (store.metadataUrl != null) {
      args.add("--metadata-url=" + store.metadataUrl);
    }
    // With --json, stdout holds the report alone: the run prints to stderr.
    PrintWriter runOut = store.json ? spec.commandLine().getErr() : out;
    runOut.println("retraining: beamline run " + retrain);
    runOut.flush();
    int code = BeamlineCli.commandLine(runOut, spec.commandLine().getErr()).execute(args.toArray(new String[0]));
    ObjectNode retraining = JSON.createObjectNode().put("pipeline_file", retrain.toAbsolutePath().toString()).put("exit_code", code).put("run_id", runId);
    r.report.set("retraining", retraining);
    r.retrainCode = code;
    Artifact a = s.artifact(r.artifactId).orElseThrow();
    ObjectNode p = a.properties().deepCopy();
    p.set("retraining", retraining);
    s.updateArtifact(a.id(), a.state(), a.fingerprint(), p);
  }

  private static void printText(PrintWriter out, SubjectKey key, Request r) {
    ObjectNode rep = r.report;
    long withRows = 0;
    for (var a : rep.get("artifacts")) {
      withRows += a.get("matched_rows").asLong() > 0 ? 1 : 0;
    }
    out.printf("subject %s (value sha256 %s): %d row(s) in %d of %d dataset(s)%n", key.column(), key.valueSha256().substring(0, 16),
        r.matched, withRows, rep.get("artifacts").size());
    for (var a : rep.get("artifacts")) {
      String id = a.get("id").isNull() ? "" : " #" + a.get("id").asLong();
      String what;
      if (a.get("matched_rows").asLong() > 0) {
        what = a.get("matched_rows").asLong() + " of " + a.get("rows").asLong() + " row(s)";
      } else if (!a.get("column_present").asBoolean()) {
        what = "no column '" + key.column() + "'" + (a.get("derived_from_subject_rows").asBoolean() ? " (derived from the subject's rows)" : "");
      } else {
        what = "0 of " + a.get("rows").asLong() + " row(s)" + (a.get("derived_from_subject_rows").asBoolean()
            ? " (derived from the subject's rows: its '" + key.column() + "' may be transformed)" : "");
      }
      out.printf("  %s%s %s (%s): %s%n", a.get("type").asText(), id, a.get("uri").asText(), a.get("role").asText(), what);
      if (a.get("files").size() > 1) {
        for (var f : a.get("files")) {
          if (f.get("matched_rows").asLong() > 0) {
            out.printf("      %s: %d of %d%n", Storage.relativize(a.get("uri").asText(), f.get("path").asText()),
                f.get("matched_rows").asLong(), f.get("rows").asLong());
          }
        }
      }
    }
    rep.get("not_scanned").fields().forEachRemaining(f -> out.printf("  not scanned: %s (%s)%n", f.getKey(), f.getValue().asText()));
    if (rep.get("models").isEmpty()) {
      out.println("models trained on the subject's rows: none");
    } else {
      out.println("models trained on the subject's rows:");
      for (var m : rep.get("models")) {
        out.printf("  %s #%d %s [%s]%s%n", m.get("type").asText(), m.get("id").asLong(), m.get("uri").asText(), m.get("state").asText(),
            m.has("name") ? " " + m.get("name").asText() + ":" + m.get("version").asLong() : "");
      }
    }
    if (rep.get("erase").isObject()) {
      var e = rep.get("erase");
      for (var v : e.get("new_versions")) {
        long removed = 0;
        for (var f : v.get("files")) {
          removed += f.get("removed_rows").asLong();
        }
        out.printf("erased: span %d version %d written without %d row(s)%s; version %d is kept as it was%n", v.get("span").asLong(),
            v.get("version").asLong(), removed, v.get("folder").isNull() ? "" : ": " + v.get("folder").asText(), v.get("from_version").asLong());
      }
      for (var f : e.get("rewritten_in_place")) {
        out.printf("erased: %s rewritten without %d row(s)%n", f.get("path").asText(), f.get("removed_rows").asLong());
      }
      out.printf("marked %d model(s) %s%n", e.get("marked_models").size(), TRAINED_ON_ERASED);
      for (var a : e.get("still_holding_rows")) {
        out.printf("  still holding the rows (kept as it was): %s #%d %s%n", a.get("type").asText(), a.get("id").asLong(), a.get("uri").asText());
      }
    }
    if (rep.has("retraining")) {
      var t = rep.get("retraining");
      out.printf("retraining: run %s exit code %d%n", t.get("run_id").asText(), t.get("exit_code").asInt());
    }
    out.printf("request %s recorded: execution #%d, artifact #%d %s/report.json%n", rep.get("request_id").asText(), r.executionId, r.artifactId, r.dir);
  }
}
