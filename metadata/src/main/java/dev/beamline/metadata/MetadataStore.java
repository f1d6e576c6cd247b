package dev.beamline.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The metadata store: artifacts, executions, the events that link them, and contexts (pipeline, run)
 * that group them, with ML Metadata's concepts, in SQLite (embedded default) or PostgreSQL.
 *
 * <p>The schema is versioned: {@link #open} applies every migration the database lacks, each in a
 * transaction, and refuses a database written by a newer Beamline. The tables are documented in the
 * README and can be read with plain {@code sqlite3} or {@code psql}.
 *
 * <pre>{@code
 * try (MetadataStore store = MetadataStore.open("jdbc:sqlite:beamline-runs/metadata.sqlite")) {
 *   long run = store.context("run", "penguins/20261128-101502-3fa9");
 *   long exec = store.startExecution("penguins", "20261128-101502-3fa9", "ingest", params, "0.1.0", key);
 *   ...
 * }
 * }</pre>
 */
public final class MetadataStore implements AutoCloseable {
  /** The schema version this code writes; see {@link Migrations}. */
  public static final int SCHEMA_VERSION = Migrations.latest();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection connection;
  private final String url;
  private final Migrations.Dialect dialect;

  private MetadataStore(Connection connection, String url, Migrations.Dialect dialect) {
    this.connection = connection;
    this.url = url;
    this.dialect = dialect;
  }

  /** The JDBC URL of an SQLite file. */
  public static String sqliteUrl(Path file) {
    return "jdbc:sqlite:" + file.toAbsolutePath();
  }

  /**
   * Opens (and creates or migrates) the store at {@code jdbcUrl}: {@code jdbc:sqlite:<file>} or {@code
   * jdbc:postgresql://host:port/db?user=..&password=..}.
   *
   * @throws ConfigException when the URL names no supported database or it cannot be reached
   */
  public static MetadataStore open(String jdbcUrl) {
    Migrations.Dialect dialect;
    if (jdbcUrl.startsWith("jdbc:sqlite:")) {
      dialect = Migrations.Dialect.SQLITE;
      String file = jdbcUrl.substring("jdbc:sqlite:".length());
      Path parent = Path.of(file).toAbsolutePath().getParent();
      try {
        Files.createDirectories(parent);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create " + parent, e);
      }
    } else if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      dialect = Migrations.Dialect.POSTGRESQL;
    } else {
      throw new ConfigException("metadata store URL '" + jdbcUrl + "' is neither jdbc:sqlite: nor jdbc:postgresql:");
    }
    try {
      Connection c = DriverManager.getConnection(jdbcUrl);
      if (dialect == Migrations.Dialect.SQLITE) {
        try (Statement s = c.createStatement()) {
          // Several processes may record into one file: wait for a lock instead of failing at once.
          s.execute("PRAGMA busy_timeout = 30000");
          walMode(s);
          s.execute("PRAGMA foreign_keys = ON");
        }
      }
      Migrations.migrate(c, dialect);
      return new MetadataStore(c, jdbcUrl, dialect);
    } catch (SQLException e) {
      throw new ConfigException("cannot open the metadata store " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Switches an SQLite database to write-ahead logging. Switching needs the database to itself, and
   * SQLite answers BUSY at once rather than waiting when another connection is opening a new file at
   * the same moment: retried for up to 30 s.
   */
  private static void walMode(Statement s) throws SQLException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        s.execute("PRAGMA journal_mode = WAL");
        return;
      } catch (SQLException e) {
        boolean busy = (e.getErrorCode() & 0xff) == 5 || String.valueOf(e.getMessage()).contains("SQLITE_BUSY");
        if (!busy || System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(10 + (long) (Math.random() * 40));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The URL with any password hidden, for messages. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***");
  }

  public String url() {
    return redact(url);
  }

  /** The schema version of the open database. */
  public int schemaVersion() {
    return query("SELECT MAX(version) FROM schema_version", ps -> {}, rs -> rs.getInt(1)).get(0);
  }

  // ---- artifacts

  /** Records an artifact and returns its id. */
  public long putArtifact(String type, String uri, String fingerprint, ArtifactState state, ObjectNode properties) {
    long now = System.currentTimeMillis();
    return insert(
        "INSERT INTO artifact (type, uri, fingerprint, state, properties, create_time, update_time)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
        ps -> {
          ps.setString(1, type);
          ps.setString(2, uri);
          ps.setString(3, fingerprint);
          ps.setString(4, state.name());
          ps.setString(5, json(properties));
          ps.setLong(6, now);
          ps.setLong(7, now);
        });
  }

  /** Sets the state, fingerprint and properties of artifact {@code id}. */
  public void updateArtifact(long id, ArtifactState state, String fingerprint, ObjectNode properties) {
    update(
        "UPDATE artifact SET state = ?, fingerprint = ?, properties = ?, update_time = ? WHERE id = ?",
        ps -> {
          ps.setString(1, state.name());
          ps.setString(2, fingerprint);
          ps.setString(3, json(properties));
          ps.setLong(4, System.currentTimeMillis());
          ps.setLong(5, id);
        });
  }

  public void setArtifactState(long id, ArtifactState state) {
    update(
        "UPDATE artifact SET state = ?, update_time = ? WHERE id = ?",
        ps -> {
          ps.setString(1, state.name());
          ps.setLong(2, System.currentTimeMillis());
          ps.setLong(3, id);
        });
  }

  public Optional<Artifact> artifact(long id) {
    return first(query("SELECT * FROM artifact WHERE id = ?", ps -> ps.setLong(1, id), MetadataStore::artifactOf));
  }

  /** Artifacts of {@code type} (null: every type), newest first, at most {@code limit}. */
  public List<Artifact> artifacts(String type, int limit) {
    return type == null
        ? query("SELECT * FROM artifact ORDER BY id DESC LIMIT ?", ps -> ps.setInt(1, limit), MetadataStore::artifactOf)
        : query(
            "SELECT * FROM artifact WHERE type = ? ORDER BY id DESC LIMIT ?",
            ps -> {
              ps.setString(1, type);
              ps.setInt(2, limit);
            },
            MetadataStore::artifactOf);
  }

  /** Artifacts whose URI is {@code uri}, newest first. */
  public List<Artifact> artifactsByUri(String uri) {
    return query("SELECT * FROM artifact WHERE uri = ? ORDER BY id DESC", ps -> ps.setString(1, uri), MetadataStore::artifactOf);
  }

  // ---- executions

  /** Records an execution that starts now, owned by this process, and returns its id. */
  public long startExecution(
      String pipeline, String runId, String stage, ObjectNode parameters, String codeVersion, String cacheKey) {
    return insertExecution(pipeline, runId, stage, parameters, codeVersion, cacheKey, ExecutionState.RUNNING, null);
  }

  /** Records an execution that reused the outputs of {@code cachedFrom}; it starts and ends now. */
  public long recordCached(
      String pipeline, String runId, String stage, ObjectNode parameters, String codeVersion, String cacheKey, long cachedFrom) {
    long id = insertExecution(pipeline, runId, stage, parameters, codeVersion, cacheKey, ExecutionState.CACHED, cachedFrom);
    update("UPDATE execution SET end_time = start_time WHERE id = ?", ps -> ps.setLong(1, id));
    return id;
  }

  private long insertExecution(
      String pipeline, String runId, String stage, ObjectNode parameters, String codeVersion, String cacheKey,
      ExecutionState state, Long cachedFrom) {
    return insert(
        "INSERT INTO execution (pipeline, run_id, stage, parameters, code_version, cache_key, state, start_time,"
            + " end_time, cached_from, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
        ps -> {
          ps.setString(1, pipeline);
          ps.setString(2, runId);
          ps.setString(3, stage);
          ps.setString(4, json(parameters));
          ps.setString(5, codeVersion);
          ps.setString(6, cacheKey);
          ps.setString(7, state.name());
          ps.setLong(8, System.currentTimeMillis());
          if (cachedFrom == null) {
            ps.setNull(9, java.sql.Types.BIGINT);
          } else {
            ps.setLong(9, cachedFrom);
          }
          ps.setString(10, owner());
        });
  }

  /**
   * Ends execution {@code id} in {@code state} (COMPLETE or FAILED, with {@code error}). A failed
   * execution's PENDING outputs become ABANDONED: they never turn LIVE.
   */
  public void finishExecution(long id, ExecutionState state, String error) {
    inTransaction(() -> {
      update(
          "UPDATE execution SET state = ?, end_time = ?, error = ? WHERE id = ?",
          ps -> {
            ps.setString(1, state.name());
            ps.setLong(2, System.currentTimeMillis());
            ps.setString(3, error);
            ps.setLong(4, id);
          });
      if (state == ExecutionState.FAILED) {
        abandonOutputs(id);
      }
    });
  }

  private void abandonOutputs(long executionId) {
    update(
        "UPDATE artifact SET state = 'ABANDONED', update_time = ? WHERE state = 'PENDING' AND id IN"
            + " (SELECT artifact_id FROM event WHERE execution_id = ? AND type = 'OUTPUT')",
        ps -> {
          ps.setLong(1, System.currentTimeMillis());
          ps.setLong(2, executionId);
        });
  }

  public Optional<Execution> execution(long id) {
    return first(query("SELECT * FROM execution WHERE id = ?", ps -> ps.setLong(1, id), MetadataStore::executionOf));
  }

  /**
   * The newest COMPLETE execution of {@code stage} in {@code pipeline} with {@code cacheKey} whose
   * outputs are all still LIVE: the one whose outputs a new execution with the same key may reuse.
   */
  public Optional<Execution> findCached(String pipeline, String stage, String cacheKey) {
    return first(
        query(
            "SELECT * FROM execution e WHERE pipeline = ? AND stage = ? AND cache_key = ? AND state = 'COMPLETE'"
                + " AND EXISTS (SELECT 1 FROM event v WHERE v.execution_id = e.id AND v.type = 'OUTPUT')"
                + " AND NOT EXISTS (SELECT 1 FROM event v JOIN artifact a ON a.id = v.artifact_id"
                + "   WHERE v.execution_id = e.id AND v.type = 'OUTPUT' AND a.state <> 'LIVE')"
                + " ORDER BY id DESC LIMIT 1",
            ps -> {
              ps.setString(1, pipeline);
              ps.setString(2, stage);
              ps.setString(3, cacheKey);
            },
            MetadataStore::executionOf));
  }

  /**
   * Marks FAILED every RUNNING execution started on this host by a process that no longer lives (a run
   * that was killed), abandoning its pending outputs. Returns them.
   */
  public List<Execution> failDeadExecutions() {
    String host = "@" + hostName();
    List<Execution> running =
        query("SELECT * FROM execution WHERE state = 'RUNNING'", ps -> {}, MetadataStore::executionOf);
    List<Execution> failed = new ArrayList<>();
    for (Execution e : running) {
      if (e.owner() == null || !e.owner().endsWith(host)) {
        continue;
      }
      long pid = Long.parseLong(e.owner().substring(0, e.owner().indexOf('@')));
      boolean alive = pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      if (alive) {
        continue;
      }
      finishExecution(e.id(), ExecutionState.FAILED, "the process that ran it (" + e.owner() + ") ended before it finished");
      failed.add(e);
    }
    return failed;
  }

  // ---- events

  public void addEvent(long executionId, long artifactId, Event.Type type, String role) {
    update(
        "INSERT INTO event (execution_id, artifact_id, type, role, time) VALUES (?, ?, ?, ?, ?)",
        ps -> {
          ps.setLong(1, executionId);
          ps.setLong(2, artifactId);
          ps.setString(3, type.name());
          ps.setString(4, role);
          ps.setLong(5, System.currentTimeMillis());
        });
  }

  public List<Event> eventsOfExecution(long executionId) {
    return query("SELECT * FROM event WHERE execution_id = ? ORDER BY type, role, artifact_id", ps -> ps.setLong(1, executionId), MetadataStore::eventOf);
  }

  public List<Event> eventsOfArtifact(long artifactId) {
    return query("SELECT * FROM event WHERE artifact_id = ? ORDER BY execution_id", ps -> ps.setLong(1, artifactId), MetadataStore::eventOf);
  }

  // ---- contexts

  /** The id of the context of {@code type} called {@code name}, created if new. */
  public long context(String type, String name) {
    List<Long> found =
        query(
            "SELECT id FROM context WHERE type = ? AND name = ?",
            ps -> {
              ps.setString(1, type);
              ps.setString(2, name);
            },
            rs -> rs.getLong(1));
    if (!found.isEmpty()) {
      return found.get(0);
    }
    return insert(
        "INSERT INTO context (type, name, create_time) VALUES (?, ?, ?)",
        ps -> {
          ps.setString(1, type);
          ps.setString(2, name);
          ps.setLong(3, System.currentTimeMillis());
        });
  }

  /** Puts execution {@code executionId} in context {@code contextId}. */
  public void associate(long contextId, long executionId) {
    update(
        "INSERT INTO association (context_id, execution_id) VALUES (?, ?)",
        ps -> {
          ps.setLong(1, contextId);
          ps.setLong(2, executionId);
        });
  }

  /** Puts artifact {@code artifactId} in context {@code contextId}. */
  public void attribute(long contextId, long artifactId) {
    update(
        "INSERT INTO attribution (context_id, artifact_id) VALUES (?, ?)",
        ps -> {
          ps.setLong(1, contextId);
          ps.setLong(2, artifactId);
        });
  }

  /** Makes {@code childId} (a run) a part of {@code parentId} (its pipeline). */
  public void setParentContext(long childId, long parentId) {
    update(
        "INSERT INTO parent_context (context_id, parent_context_id) VALUES (?, ?)",
        ps -> {
          ps.setLong(1, childId);
          ps.setLong(2, parentId);
        });
  }

  // ---- runs

  /** The newest runs (of {@code pipeline}, or of every pipeline when null), at most {@code limit}. */
  public List<RunSummary> runs(String pipeline, int limit) {
    List<Execution> executions =
        pipeline == null
            ? query("SELECT * FROM execution ORDER BY id", ps -> {}, MetadataStore::executionOf)
            : query("SELECT * FROM execution WHERE pipeline = ? ORDER BY id", ps -> ps.setString(1, pipeline), MetadataStore::executionOf);
    Map<String, List<Execution>> byRun = new LinkedHashMap<>();
    for (Execution e : executions) {
      byRun.computeIfAbsent(e.pipeline() + "\u0000" + e.runId(), k -> new ArrayList<>()).add(e);
    }
    List<RunSummary> runs = new ArrayList<>();
    for (List<Execution> list : byRun.values()) {
      boolean failed = list.stream().anyMatch(e -> e.state() == ExecutionState.FAILED);
      boolean running = list.stream().anyMatch(e -> e.state() == ExecutionState.RUNNING || e.state() == ExecutionState.NEW);
      long start = list.stream().mapToLong(Execution::startTime).min().orElse(0);
      long end = running ? 0 : list.stream().mapToLong(Execution::endTime).max().orElse(0);
      runs.add(
          new RunSummary(
              list.get(0).pipeline(), list.get(0).runId(), failed ? "FAILED" : running ? "RUNNING" : "COMPLETE", start, end, list));
    }
    // Newest first; runs started in the same millisecond by the order they were recorded.
    runs.sort(
        java.util.Comparator.comparingLong(RunSummary::startTime)
            .thenComparingLong(r -> r.executions().get(0).id())
            .reversed());
    return runs.subList(0, Math.min(limit, runs.size()));
  }

  // ---- plumbing

  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  @FunctionalInterface
  interface Reader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs {@code body} in one transaction. */
  public void inTransaction(Runnable body) {
    try {
      boolean auto = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        body.run();
        connection.commit();
      } catch (RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new MetadataException("transaction failed: " + e.getMessage(), e);
    }
  }

  private long insert(String sql, Binder binder) {
    try (PreparedStatement ps = connection.prepareStatement(sql + " RETURNING id")) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new MetadataException(sql + ": " + e.getMessage(), e);
    }
  }

  private void update(String sql, Binder binder) {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      binder.bind(ps);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new MetadataException(sql + ": " + e.getMessage(), e);
    }
  }

  private <T> List<T> query(String sql, Binder binder, Reader<T> reader) {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      binder.bind(ps);
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(reader.read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new MetadataException(sql + ": " + e.getMessage(), e);
    }
  }

  private static <T> Optional<T> first(List<T> list) {
    return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
  }

  private static Artifact artifactOf(ResultSet rs) throws SQLException {
    return new Artifact(
        rs.getLong("id"),
        rs.getString("type"),
        rs.getString("uri"),
        rs.getString("fingerprint"),
        ArtifactState.valueOf(rs.getString("state")),
        parse(rs.getString("properties")),
        rs.getLong("create_time"),
        rs.getLong("update_time"));
  }

  private static Execution executionOf(ResultSet rs) throws SQLException {
    long cachedFrom = rs.getLong("cached_from");
    Long cached = rs.wasNull() ? null : cachedFrom;
    return new Execution(
        rs.getLong("id"),
        rs.getString("pipeline"),
        rs.getString("run_id"),
        rs.getString("stage"),
        parse(rs.getString("parameters")),
        rs.getString("code_version"),
        rs.getString("cache_key"),
        ExecutionState.valueOf(rs.getString("state")),
        rs.getLong("start_time"),
        rs.getLong("end_time"),
        rs.getString("error"),
        cached,
        rs.getString("owner"));
  }

  private static Event eventOf(ResultSet rs) throws SQLException {
    return new Event(
        rs.getLong("execution_id"), rs.getLong("artifact_id"), Event.Type.valueOf(rs.getString("type")), rs.getString("role"), rs.getLong("time"));
  }

  private static String json(ObjectNode node) {
    return node == null ? "{}" : node.toString();
  }

  private static ObjectNode parse(String text) {
    try {
      return text == null ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new MetadataException("stored JSON is not valid: " + text, e);
    }
  }

  /** {@code pid@host} of this process. */
  static String owner() {
    return ProcessHandle.current().pid() + "@" + hostName();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  Migrations.Dialect dialect() {
    return dialect;
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new MetadataException("cannot close the metadata store: " + e.getMessage(), e);
    }
  }
}
