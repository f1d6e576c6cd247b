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
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The metadata store: artifacts, executions, the events that link them, and contexts (pipeline, run)
 * that group them, with ML Metadata's concepts, in SQLite (embedded default) or PostgreSQL.
 *
 * <p>The schema is versioned: {@link #open} applies every migration the database lacks, each in a
 * transaction, and refuses a database written by a newer Beamline. The tables are documented in the
 * README and can be read with plain {@code sqlite3} or {@code psql}.
 *
 * <p>Processes on any hosts may share one store. A RUNNING execution holds a lease that this store
 * renews from a daemon thread while it is open ({@link LeasePolicy}); once a lease has expired, any
 * process may mark the execution FAILED ({@link #failExpired}) and clean up after it. A run claims each
 * stage it would compute ({@link #claimStage}), so that two runs never compute the same stage with the
 * same cache key at once.
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
  private final LeasePolicy leases;
  private final Clock clock;
  /** {@code pid@host/session}: leases and claims belong to this store, not to the whole process. */
  private final String owner;
  /** The runs ({@code pipeline/run-id}) whose id this store claimed. */
  private final Set<String> runsClaimed = new HashSet<>();
  /** Renews this store's leases; started with its first RUNNING execution or claim. */
  private LeaseRenewal renewal;

  private MetadataStore(Connection connection, String url, Migrations.Dialect dialect, LeasePolicy leases, Clock clock, String owner) {
    this.connection = connection;
    this.url = url;
    this.dialect = dialect;
    this.leases = leases;
    this.clock = clock;
    this.owner = owner;
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
    return open(jdbcUrl, LeasePolicy.defaults());
  }

  /** Opens the store at {@code jdbcUrl} as {@link #open(String)} does, with {@code leases} for its executions. */
  public static MetadataStore open(String jdbcUrl, LeasePolicy leases) {
    return open(jdbcUrl, leases, Clock.systemUTC());
  }

  /**
   * Opens the store at {@code jdbcUrl} with {@code leases}, reading the time of leases from {@code
   * clock} (tests move a clock of their own).
   *
   * @throws IllegalArgumentException when {@code leases} renews a lease less often than twice per lease
   */
  public static MetadataStore open(String jdbcUrl, LeasePolicy leases, Clock clock) {
    leases.check();
    Migrations.Dialect dialect = dialectOf(jdbcUrl);
    try {
      Connection c = connect(jdbcUrl, dialect);
      try {
        Migrations.migrate(c, dialect);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      String owner = ProcessHandle.current().pid() + "@" + hostName() + "/" + String.format("%08x", ThreadLocalRandom.current().nextInt());
      return new MetadataStore(c, jdbcUrl, dialect, leases, clock, owner);
    } catch (SQLException e) {
      throw new ConfigException("cannot open the metadata store " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
  }

  /** The dialect of {@code jdbcUrl}; creates the folder of an SQLite file. */
  private static Migrations.Dialect dialectOf(String jdbcUrl) {
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
    return dialect;
  }

  /** A connection to {@code jdbcUrl}, set up for several processes writing at once. */
  private static Connection connect(String jdbcUrl, Migrations.Dialect dialect) throws SQLException {
    Properties properties = new Properties();
    if (dialect == Migrations.Dialect.SQLITE) {
      // A transaction takes the write lock when it begins (BEGIN IMMEDIATE): one that read first and
      // wrote then would fail at once with SQLITE_BUSY when another process wrote in between, as the
      // busy timeout does not apply to upgrading a read lock.
      properties.setProperty("transaction_mode", "IMMEDIATE");
    }
    Connection c = DriverManager.getConnection(jdbcUrl, properties);
    if (dialect == Migrations.Dialect.SQLITE) {
      try (Statement s = c.createStatement()) {
        // Several processes may record into one file: wait for a lock instead of failing at once.
        s.execute("PRAGMA busy_timeout = 30000");
        walMode(s);
        s.execute("PRAGMA foreign_keys = ON");
      }
    }
    return c;
  }

  /** A second store on the same database with the same owner, clock and leases: the renewals' own connection. */
  private MetadataStore twin() {
    try {
      return new MetadataStore(connect(url, dialect), url, dialect, leases, clock, owner);
    } catch (SQLException e) {
      throw new MetadataException("cannot open a second connection to " + redact(url) + ": " + e.getMessage(), e);
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

  /**
   * Records a finished step of the execution {@code parentId} (one trial of a tuner, say), with the
   * parent's pipeline, run, code version and owner: its name (e.g. {@code tune/trial-3}), its
   * parameters, facts of its own, its state (COMPLETE or FAILED, with {@code error}) and its times
   * (milliseconds since the epoch). Steps are not stages: runs, the cache and leases ignore them.
   */
  public long recordStep(long parentId, String name, ObjectNode parameters, ObjectNode properties, ExecutionState state,
      String error, long startTime, long endTime) {
    Execution parent = execution(parentId).orElseThrow(() -> new MetadataException("no execution " + parentId));
    if (state != ExecutionState.COMPLETE && state != ExecutionState.FAILED) {
      throw new IllegalArgumentException("a step is recorded finished, COMPLETE or FAILED, not " + state);
    }
    return insert(
        "INSERT INTO execution (pipeline, run_id, stage, parameters, code_version, cache_key, state, start_time,"
            + " end_time, error, owner, parent_id, properties) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)",
        ps -> {
          ps.setString(1, parent.pipeline());
          ps.setString(2, parent.runId());
          ps.setString(3, name);
          ps.setString(4, json(parameters));
          ps.setString(5, parent.codeVersion());
          ps.setString(6, state.name());
          ps.setLong(7, startTime);
          ps.setLong(8, endTime);
          ps.setString(9, error);
          ps.setString(10, parent.owner());
          ps.setLong(11, parentId);
          ps.setString(12, json(properties));
        });
  }

  /** The steps of execution {@code parentId}, in the order they were recorded. */
  public List<Execution> steps(long parentId) {
    return query("SELECT * FROM execution WHERE parent_id = ? ORDER BY id", ps -> ps.setLong(1, parentId), MetadataStore::executionOf);
  }

  /** Records an execution that reused the outputs of {@code cachedFrom}; it starts and ends now. */
  public long recordCached(
      String pipeline, String runId, String stage, ObjectNode parameters, String codeVersion, String cacheKey, long cachedFrom) {
    long id = insertExecution(pipeline, runId, stage, parameters, codeVersion, cacheKey, ExecutionState.CACHED, cachedFrom);
    update("UPDATE execution SET end_time = start_time WHERE id = ?", ps -> ps.setLong(1, id));
    return id;
  }

  /**
   * Sets the start and end times of the finished execution {@code id} to those of the stage's own work
   * (e.g. from when its inputs were published to when its output was), instead of the times it was
   * recorded at. Milliseconds since the epoch.
   */
  public void setExecutionTimes(long id, long startTime, long endTime) {
    update(
        "UPDATE execution SET start_time = ?, end_time = ? WHERE id = ?",
        ps -> {
          ps.setLong(1, startTime);
          ps.setLong(2, endTime);
          ps.setLong(3, id);
        });
  }

  /**
   * Replaces the cache key of execution {@code id}: for a stage whose inputs' content was known only
   * once it had read them (a raw file hashed while parsed), the key over that content.
   */
  public void setCacheKey(long id, String cacheKey) {
    update(
        "UPDATE execution SET cache_key = ? WHERE id = ?",
        ps -> {
          ps.setString(1, cacheKey);
          ps.setLong(2, id);
        });
  }

  private long insertExecution(
      String pipeline, String runId, String stage, ObjectNode parameters, String codeVersion, String cacheKey,
      ExecutionState state, Long cachedFrom) {
    if (state == ExecutionState.RUNNING) {
      renewLeasesFromNowOn();
    }
    return insert(
        "INSERT INTO execution (pipeline, run_id, stage, parameters, code_version, cache_key, state, start_time,"
            + " end_time, cached_from, owner, lease_expiry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
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
          ps.setString(10, owner);
          if (state == ExecutionState.RUNNING) {
            ps.setLong(11, clock.millis() + leases.lease().toMillis());
          } else {
            ps.setNull(11, java.sql.Types.BIGINT);
          }
        });
  }

  /**
   * Ends execution {@code id} in {@code state} (COMPLETE or FAILED, with {@code error}) and ends its
   * run's claim on the stage. A failed execution's PENDING outputs become ABANDONED: they never turn
   * LIVE. An execution that failed already keeps its first error.
   *
   * @throws MetadataException when asked to complete an execution that is no longer RUNNING: another
   *     process took it for killed when its lease expired, and may have removed its files
   */
  public void finishExecution(long id, ExecutionState state, String error) {
    inTransaction(() -> {
      int changed =
          update(
              "UPDATE execution SET state = ?, end_time = ?, error = ? WHERE id = ? AND state "
                  + (state == ExecutionState.COMPLETE ? "= 'RUNNING'" : "<> 'FAILED'"),
              ps -> {
                ps.setString(1, state.name());
                ps.setLong(2, System.currentTimeMillis());
                ps.setString(3, error);
                ps.setLong(4, id);
              });
      if (changed == 0 && state == ExecutionState.COMPLETE) {
        Execution e = execution(id).orElseThrow(() -> new MetadataException("there is no execution #" + id));
        throw new MetadataException(
            "execution #" + id + " (" + e.stage() + ") cannot become COMPLETE: it is " + e.state()
                + (e.error() != null ? " (" + e.error() + ")" : ""));
      }
      if (changed > 0 && state == ExecutionState.FAILED) {
        abandonOutputs(id);
      }
      releaseClaimOf(id);
    });
  }

  /** Ends the claim that the run of execution {@code id} holds on its stage, if any. */
  private void releaseClaimOf(long id) {
    update(
        "DELETE FROM stage_claim WHERE EXISTS (SELECT 1 FROM execution e WHERE e.id = ? AND e.owner = stage_claim.owner"
            + " AND e.pipeline = stage_claim.pipeline AND e.stage = stage_claim.stage AND e.run_id = stage_claim.run_id)",
        ps -> ps.setLong(1, id));
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

  // ---- leases and claims

  /** This store's identity in leases and claims: {@code pid@host/session}. */
  public String owner() {
    return owner;
  }

  public LeasePolicy leases() {
    return leases;
  }

  /** Now, by this store's clock, in milliseconds since the epoch. */
  public long now() {
    return clock.millis();
  }

  /** Starts the renewals of this store's leases unless they run already. */
  private synchronized void renewLeasesFromNowOn() {
    if (renewal == null) {
      renewal = new LeaseRenewal(twin(), leases.renewal());
    }
  }

  /**
   * Extends, to a lease from now, the leases of this store's RUNNING executions and of its claims. The
   * renewal thread calls it every {@link LeasePolicy#renewal()}. Returns how many executions it renewed.
   */
  public int renewLeases() {
    long expiry = clock.millis() + leases.lease().toMillis();
    update(
        "UPDATE stage_claim SET lease_expiry = ? WHERE owner = ?",
        ps -> {
          ps.setLong(1, expiry);
          ps.setString(2, owner);
        });
    return update(
        "UPDATE execution SET lease_expiry = ? WHERE owner = ? AND state = 'RUNNING'",
        ps -> {
          ps.setLong(1, expiry);
          ps.setString(2, owner);
        });
  }

  /** Whether the lease of the RUNNING execution {@code e} has expired: its process is taken for dead. */
  public boolean leaseExpired(Execution e) {
    return e.state() == ExecutionState.RUNNING && (e.leaseExpiry() == null || e.leaseExpiry() < clock.millis());
  }

  /**
   * The RUNNING executions, of every pipeline, whose lease has expired: their process was killed, lost
   * its host, or hung for longer than a lease. Executions recorded before leases existed count as expired.
   */
  public List<Execution> expiredExecutions() {
    return query(
        "SELECT * FROM execution WHERE state = 'RUNNING' AND (lease_expiry IS NULL OR lease_expiry < ?) ORDER BY id",
        ps -> ps.setLong(1, clock.millis()),
        MetadataStore::executionOf);
  }

  /**
   * Marks the execution {@code e} FAILED as killed ({@link Execution#killed()}) and abandons its pending
   * outputs, if it is still RUNNING with an expired lease; a process that renewed it in the meantime
   * keeps it. Returns whether this call failed it (of processes reclaiming it at once, one does).
   */
  public boolean failExpired(Execution e) {
    String error =
        Execution.KILLED + "the process that ran it (" + e.owner() + ") stopped renewing its lease"
            + (e.leaseExpiry() == null ? ", recorded before leases existed" : ", which expired at " + Instant.ofEpochMilli(e.leaseExpiry()));
    boolean[] failed = {false};
    inTransaction(() -> {
      long now = clock.millis();
      failed[0] =
          update(
                  "UPDATE execution SET state = 'FAILED', end_time = ?, error = ? WHERE id = ? AND state = 'RUNNING'"
                      + " AND (lease_expiry IS NULL OR lease_expiry < ?)",
                  ps -> {
                    ps.setLong(1, now);
                    ps.setString(2, error);
                    ps.setLong(3, e.id());
                    ps.setLong(4, now);
                  })
              == 1;
      if (failed[0]) {
        abandonOutputs(e.id());
        releaseClaimOf(e.id());
      }
    });
    return failed[0];
  }

  /**
   * Executions marked FAILED as killed that still have an output that is ABANDONED, not yet DELETED:
   * files of theirs (a staging folder, a folder published before the kill) may still lie on disk.
   */
  public List<Execution> killedWithOutputsLeft() {
    return query(
        "SELECT * FROM execution e WHERE state = 'FAILED' AND error LIKE ? AND EXISTS (SELECT 1 FROM event v"
            + " JOIN artifact a ON a.id = v.artifact_id WHERE v.execution_id = e.id AND v.type = 'OUTPUT' AND a.state = 'ABANDONED')"
            + " ORDER BY id",
        ps -> ps.setString(1, Execution.KILLED + "%"),
        MetadataStore::executionOf);
  }

  /**
   * Claims, for run {@code runId}, the computation of {@code stage} of {@code pipeline} with the cache
   * key {@code key}. Returns empty when this store now holds the claim (or held it already), else the
   * claim of the run that holds it. The claim ends when this store's execution of the stage ends
   * ({@link #finishExecution}), with {@link #releaseIdleClaims}, when the store is closed, or when its
   * lease expires.
   */
  public Optional<StageClaim> claimStage(String pipeline, String runId, String stage, String key) {
    for (int attempt = 0; attempt < 100; attempt++) {
      long now = clock.millis();
      try (PreparedStatement ps =
          connection.prepareStatement(
              "INSERT INTO stage_claim (pipeline, stage, claim_key, run_id, owner, lease_expiry, create_time) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, pipeline);
        ps.setString(2, stage);
        ps.setString(3, key);
        ps.setString(4, runId);
        ps.setString(5, owner);
        ps.setLong(6, now + leases.lease().toMillis());
        ps.setLong(7, now);
        ps.executeUpdate();
        renewLeasesFromNowOn();
        return Optional.empty();
      } catch (SQLException e) {
        if (!isUniqueViolation(e)) {
          throw new MetadataException("cannot claim " + pipeline + "/" + stage + ": " + e.getMessage(), e);
        }
      }
      Optional<StageClaim> holder =
          first(
              query(
                  "SELECT * FROM stage_claim WHERE pipeline = ? AND stage = ? AND claim_key = ?",
                  ps -> {
                    ps.setString(1, pipeline);
                    ps.setString(2, stage);
                    ps.setString(3, key);
                  },
                  rs -> new StageClaim(
                      rs.getString("pipeline"), rs.getString("stage"), rs.getString("claim_key"), rs.getString("run_id"),
                      rs.getString("owner"), rs.getLong("lease_expiry"))));
      if (holder.isPresent() && holder.get().owner().equals(owner)) {
        return Optional.empty();
      }
      if (holder.isPresent()) {
        return holder;
      }
      // The holder let go between the two statements: claim again.
    }
    throw new MetadataException("cannot claim " + pipeline + "/" + stage + ": its claim changed hands 100 times in a row");
  }

  /** Whether the lease of {@code claim} has expired: the run holding it is taken for dead. */
  public boolean leaseExpired(StageClaim claim) {
    return claim.leaseExpiry() < clock.millis();
  }

  /**
   * Removes {@code claim} if its lease has expired (its holder is dead) and no RUNNING execution of its
   * holder still has a lease: an execution started after the claim's last renewal expires a little
   * later, and is to be reclaimed ({@link #failExpired}) before another run computes the stage. Returns
   * whether it removed the claim.
   */
  public boolean breakExpired(StageClaim claim) {
    long now = clock.millis();
    return update(
            "DELETE FROM stage_claim WHERE pipeline = ? AND stage = ? AND claim_key = ? AND owner = ? AND lease_expiry < ?"
                + " AND NOT EXISTS (SELECT 1 FROM execution e WHERE e.owner = stage_claim.owner AND e.state = 'RUNNING'"
                + " AND e.lease_expiry >= ?)",
            ps -> {
              ps.setString(1, claim.pipeline());
              ps.setString(2, claim.stage());
              ps.setString(3, claim.key());
              ps.setString(4, claim.owner());
              ps.setLong(5, now);
              ps.setLong(6, now);
            })
        > 0;
  }

  /**
   * Ends this store's claims on stages it does not compute: those it found in the cache. Claims of its
   * RUNNING executions stay until they end.
   */
  public void releaseIdleClaims() {
    update(
        "DELETE FROM stage_claim WHERE owner = ? AND NOT EXISTS (SELECT 1 FROM execution e WHERE e.owner = stage_claim.owner"
            + " AND e.pipeline = stage_claim.pipeline AND e.stage = stage_claim.stage AND e.run_id = stage_claim.run_id"
            + " AND e.state = 'RUNNING')",
        ps -> ps.setString(1, owner));
  }

  /**
   * Claims the id {@code runId} for a new run of {@code pipeline}: records its run context. Claiming
   * again through this store is allowed; a run id that any run of the pipeline used before is not.
   *
   * @throws ConfigException when a run of {@code pipeline} used {@code runId} before
   */
  public void claimRunId(String pipeline, String runId) {
    String name = pipeline + "/" + runId;
    if (runsClaimed.contains(name)) {
      return;
    }
    boolean used =
        !query(
                "SELECT 1 FROM execution WHERE pipeline = ? AND run_id = ?",
                ps -> {
                  ps.setString(1, pipeline);
                  ps.setString(2, runId);
                },
                rs -> 1)
            .isEmpty();
    if (!used) {
      try (PreparedStatement ps = connection.prepareStatement("INSERT INTO context (type, name, create_time) VALUES ('run', ?, ?)")) {
        ps.setString(1, name);
        ps.setLong(2, System.currentTimeMillis());
        ps.executeUpdate();
      } catch (SQLException e) {
        if (!isUniqueViolation(e)) {
          throw new MetadataException("cannot record run " + name + ": " + e.getMessage(), e);
        }
        used = true;
      }
    }
    if (used) {
      throw new ConfigException(
          "run id '" + runId + "' was used before by pipeline '" + pipeline + "' (metadata store " + url()
              + "): give another run id, or none for a new one");
    }
    runsClaimed.add(name);
  }

  /** Whether {@code e} says that a unique key or primary key already holds the value inserted. */
  private static boolean isUniqueViolation(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return "23505".equals(e.getSQLState()) || message.contains("UNIQUE constraint failed") || message.contains("SQLITE_CONSTRAINT_PRIMARYKEY");
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

  /**
   * The id of the context of {@code type} called {@code name}, created if new. Processes creating the
   * same context at once all get the one that is created.
   */
  public long context(String type, String name) {
    update(
        "INSERT INTO context (type, name, create_time) VALUES (?, ?, ?) ON CONFLICT (type, name) DO NOTHING",
        ps -> {
          ps.setString(1, type);
          ps.setString(2, name);
          ps.setLong(3, System.currentTimeMillis());
        });
    return query(
            "SELECT id FROM context WHERE type = ? AND name = ?",
            ps -> {
              ps.setString(1, type);
              ps.setString(2, name);
            },
            rs -> rs.getLong(1))
        .get(0);
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

  /** Makes {@code childId} (a run) a part of {@code parentId} (its pipeline); nothing when it is already. */
  public void setParentContext(long childId, long parentId) {
    update(
        "INSERT INTO parent_context (context_id, parent_context_id) VALUES (?, ?) ON CONFLICT (context_id, parent_context_id) DO NOTHING",
        ps -> {
          ps.setLong(1, childId);
          ps.setLong(2, parentId);
        });
  }

  // ---- pipeline locks

  /**
   * Takes the lock of {@code pipeline} for {@code owner}: when it is free, when {@code owner} holds it
   * already (its lease is renewed), or when its holder's lease has expired (the holder is taken for dead
   * and the attempt says whose lock it took over). Otherwise the attempt names the live holder. The lease
   * is this store's {@link LeasePolicy#lease()}; the caller renews it ({@link #renewPipelineLock}).
   */
  public PipelineLock.Attempt tryLockPipeline(String pipeline, String owner) {
    for (int attempt = 0; attempt < 100; attempt++) {
      long now = clock.millis();
      long expiry = now + leases.lease().toMillis();
      try (PreparedStatement ps =
          connection.prepareStatement("INSERT INTO pipeline_lock (pipeline, owner, acquired_at, lease_expiry) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, pipeline);
        ps.setString(2, owner);
        ps.setLong(3, now);
        ps.setLong(4, expiry);
        ps.executeUpdate();
        return new PipelineLock.Attempt(true, new PipelineLock(pipeline, owner, now, expiry), null);
      } catch (SQLException e) {
        if (!isUniqueViolation(e)) {
          throw new MetadataException("cannot lock pipeline " + pipeline + ": " + e.getMessage(), e);
        }
      }
      Optional<PipelineLock> held = pipelineLock(pipeline);
      if (held.isEmpty()) {
        continue; // released between the two statements
      }
      PipelineLock holder = held.get();
      if (holder.owner().equals(owner)) {
        if (renewPipelineLock(pipeline, owner)) {
          return new PipelineLock.Attempt(true, new PipelineLock(pipeline, owner, holder.acquiredAt(), expiry), null);
        }
        continue;
      }
      if (holder.leaseExpiry() >= now) {
        return new PipelineLock.Attempt(false, holder, null);
      }
      // Only the expired lease read above is replaced: a holder that renewed in between keeps its lock,
      // and of several processes taking it over at once one succeeds.
      int taken =
          update(
              "UPDATE pipeline_lock SET owner = ?, acquired_at = ?, lease_expiry = ?, taken_over_from = ?"
                  + " WHERE pipeline = ? AND owner = ? AND lease_expiry = ? AND lease_expiry < ?",
              ps -> {
                ps.setString(1, owner);
                ps.setLong(2, now);
                ps.setLong(3, expiry);
                ps.setString(4, holder.owner());
                ps.setString(5, pipeline);
                ps.setString(6, holder.owner());
                ps.setLong(7, holder.leaseExpiry());
                ps.setLong(8, now);
              });
      if (taken == 1) {
        return new PipelineLock.Attempt(true, new PipelineLock(pipeline, owner, now, expiry), holder);
      }
    }
    throw new MetadataException("cannot lock pipeline " + pipeline + ": its lock changed hands 100 times in a row");
  }

  /**
   * Extends the lease of {@code owner}'s lock on {@code pipeline} to a lease from now. Returns false when
   * {@code owner} does not hold it (another process took it over after its lease expired).
   */
  public boolean renewPipelineLock(String pipeline, String owner) {
    long expiry = clock.millis() + leases.lease().toMillis();
    return update(
            "UPDATE pipeline_lock SET lease_expiry = ? WHERE pipeline = ? AND owner = ?",
            ps -> {
              ps.setLong(1, expiry);
              ps.setString(2, pipeline);
              ps.setString(3, owner);
            })
        == 1;
  }

  /** Frees {@code owner}'s lock on {@code pipeline}; returns false when {@code owner} did not hold it. */
  public boolean releasePipelineLock(String pipeline, String owner) {
    return update(
            "DELETE FROM pipeline_lock WHERE pipeline = ? AND owner = ?",
            ps -> {
              ps.setString(1, pipeline);
              ps.setString(2, owner);
            })
        == 1;
  }

  /** The lock of {@code pipeline}, live or expired, if any process holds or held it and did not release it. */
  public Optional<PipelineLock> pipelineLock(String pipeline) {
    return first(
        query(
            "SELECT * FROM pipeline_lock WHERE pipeline = ?",
            ps -> ps.setString(1, pipeline),
            rs -> new PipelineLock(rs.getString("pipeline"), rs.getString("owner"), rs.getLong("acquired_at"), rs.getLong("lease_expiry"))));
  }

  /** Whether the lease of {@code lock} has expired by this store's clock. */
  public boolean leaseExpired(PipelineLock lock) {
    return lock.leaseExpiry() < clock.millis();
  }

  /** The newest execution of {@code stage} in {@code pipeline} (steps aside), if any. */
  public Optional<Execution> lastExecution(String pipeline, String stage) {
    return first(
        query(
            "SELECT * FROM execution WHERE pipeline = ? AND stage = ? AND parent_id IS NULL ORDER BY id DESC LIMIT 1",
            ps -> {
              ps.setString(1, pipeline);
              ps.setString(2, stage);
            },
            MetadataStore::executionOf));
  }

  /** Replaces the facts ({@link Execution#properties()}) recorded for execution {@code id}. */
  public void setExecutionProperties(long id, ObjectNode properties) {
    update(
        "UPDATE execution SET properties = ? WHERE id = ?",
        ps -> {
          ps.setString(1, json(properties));
          ps.setLong(2, id);
        });
  }

  // ---- runs

  /** The newest runs (of {@code pipeline}, or of every pipeline when null), at most {@code limit}. */
  public List<RunSummary> runs(String pipeline, int limit) {
    List<Execution> executions =
        pipeline == null
            ? query("SELECT * FROM execution WHERE parent_id IS NULL ORDER BY id", ps -> {}, MetadataStore::executionOf)
            : query("SELECT * FROM execution WHERE pipeline = ? AND parent_id IS NULL ORDER BY id", ps -> ps.setString(1, pipeline),
                MetadataStore::executionOf);
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

  /** Runs {@code body} in one transaction; inside another transaction, as part of that one. */
  public void inTransaction(Runnable body) {
    try {
      if (!connection.getAutoCommit()) {
        // Called inside a transaction: the body joins it, and commits or rolls back with it.
        body.run();
        return;
      }
      connection.setAutoCommit(false);
      try {
        body.run();
        connection.commit();
      } catch (RuntimeException | Error e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
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

  private int update(String sql, Binder binder) {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      binder.bind(ps);
      return ps.executeUpdate();
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
        rs.getString("owner"),
        leaseExpiry(rs),
        parentId(rs),
        parse(Objects.requireNonNullElse(rs.getString("properties"), "{}")));
  }

  private static Long parentId(ResultSet rs) throws SQLException {
    long parent = rs.getLong("parent_id");
    return rs.wasNull() ? null : parent;
  }

  private static Long leaseExpiry(ResultSet rs) throws SQLException {
    long expiry = rs.getLong("lease_expiry");
    return rs.wasNull() ? null : expiry;
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
    LeaseRenewal r;
    synchronized (this) {
      r = renewal;
      renewal = null;
    }
    if (r != null) {
      r.close();
      try {
        // Claims on stages this store never got to compute: other runs need not wait for their leases.
        update("DELETE FROM stage_claim WHERE owner = ?", ps -> ps.setString(1, owner));
      } catch (RuntimeException e) {
        // The database cannot be reached: the claims expire with their leases.
      }
    }
    try {
      connection.close();
    } catch (SQLException e) {
      throw new MetadataException("cannot close the metadata store: " + e.getMessage(), e);
    }
  }
}
