package dev.beamline.metadata;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The versioned schema of the metadata store. Each migration is a list of statements; {@link #migrate}
 * applies those the database lacks, each migration in one transaction, and records it in {@code
 * schema_version}. Processes that open a new store at the same time may race to migrate it: the
 * database lets one migration commit, and the others find it applied. Migrations are only ever
 * appended: a released one never changes.
 */
final class Migrations {
  private Migrations() {}

  /** The SQL dialects: how an auto-increment key is written. */
  enum Dialect {
    SQLITE("INTEGER PRIMARY KEY AUTOINCREMENT"),
    POSTGRESQL("BIGSERIAL PRIMARY KEY");

    final String idColumn;

    Dialect(String idColumn) {
      this.idColumn = idColumn;
    }
  }

  private record Migration(int version, String description, List<String> statements) {}

  private static final List<Migration> MIGRATIONS =
      List.of(
          new Migration(
              1,
              "artifacts, executions, events, contexts",
              List.of(
                  "CREATE TABLE artifact ("
                      + " id {ID},"
                      + " type TEXT NOT NULL,"
                      + " uri TEXT NOT NULL,"
                      + " fingerprint TEXT,"
                      + " state TEXT NOT NULL,"
                      + " properties TEXT NOT NULL,"
                      + " create_time BIGINT NOT NULL,"
                      + " update_time BIGINT NOT NULL)",
                  "CREATE INDEX artifact_by_uri ON artifact (uri)",
                  "CREATE INDEX artifact_by_type ON artifact (type)",
                  "CREATE TABLE execution ("
                      + " id {ID},"
                      + " pipeline TEXT NOT NULL,"
                      + " run_id TEXT NOT NULL,"
                      + " stage TEXT NOT NULL,"
                      + " parameters TEXT NOT NULL,"
                      + " code_version TEXT NOT NULL,"
                      + " cache_key TEXT,"
                      + " state TEXT NOT NULL,"
                      + " start_time BIGINT NOT NULL,"
                      + " end_time BIGINT NOT NULL,"
                      + " error TEXT,"
                      + " cached_from BIGINT REFERENCES execution (id),"
                      + " owner TEXT)",
                  "CREATE INDEX execution_by_cache_key ON execution (pipeline, stage, cache_key)",
                  "CREATE INDEX execution_by_run ON execution (pipeline, run_id)",
                  "CREATE TABLE event ("
                      + " execution_id BIGINT NOT NULL REFERENCES execution (id),"
                      + " artifact_id BIGINT NOT NULL REFERENCES artifact (id),"
                      + " type TEXT NOT NULL,"
                      + " role TEXT NOT NULL,"
                      + " time BIGINT NOT NULL,"
                      + " PRIMARY KEY (execution_id, artifact_id, type))",
                  "CREATE INDEX event_by_artifact ON event (artifact_id)",
                  "CREATE TABLE context ("
                      + " id {ID},"
                      + " type TEXT NOT NULL,"
                      + " name TEXT NOT NULL,"
                      + " create_time BIGINT NOT NULL,"
                      + " UNIQUE (type, name))",
                  "CREATE TABLE parent_context ("
                      + " context_id BIGINT NOT NULL REFERENCES context (id),"
                      + " parent_context_id BIGINT NOT NULL REFERENCES context (id),"
                      + " PRIMARY KEY (context_id, parent_context_id))",
                  "CREATE TABLE association ("
                      + " context_id BIGINT NOT NULL REFERENCES context (id),"
                      + " execution_id BIGINT NOT NULL REFERENCES execution (id),"
                      + " PRIMARY KEY (context_id, execution_id))",
                  "CREATE TABLE attribution ("
                      + " context_id BIGINT NOT NULL REFERENCES context (id),"
                      + " artifact_id BIGINT NOT NULL REFERENCES artifact (id),"
                      + " PRIMARY KEY (context_id, artifact_id))")),
          new Migration(
              2,
              "execution leases and stage claims",
              List.of(
                  // When the lease of a RUNNING execution ends (ms since the epoch) unless the process
                  // running it renews it; NULL (an execution recorded before leases) counts as expired.
                  "ALTER TABLE execution ADD COLUMN lease_expiry BIGINT",
                  "CREATE INDEX execution_by_state ON execution (state)",
                  // Which run computes (or is planning) a stage with a given cache key: one at a time.
                  "CREATE TABLE stage_claim ("
                      + " pipeline TEXT NOT NULL,"
                      + " stage TEXT NOT NULL,"
                      + " claim_key TEXT NOT NULL,"
                      + " run_id TEXT NOT NULL,"
                      + " owner TEXT NOT NULL,"
                      + " lease_expiry BIGINT NOT NULL,"
                      + " create_time BIGINT NOT NULL,"
                      + " PRIMARY KEY (pipeline, stage, claim_key))",
                  "CREATE INDEX stage_claim_by_owner ON stage_claim (owner)")),
          new Migration(
              3,
              "steps of an execution (a tuner's trials)",
              List.of(
                  // A step is an execution inside another one (its parent): recorded finished, with
                  // facts of its own (a trial's metrics per epoch and wall time).
                  "ALTER TABLE execution ADD COLUMN parent_id BIGINT REFERENCES execution (id)",
                  "ALTER TABLE execution ADD COLUMN properties TEXT",
                  "CREATE INDEX execution_by_parent ON execution (parent_id)")),
          new Migration(
              4,
              "pipeline locks",
              List.of(
                  // Which process (a watch) may start runs of a pipeline: one at a time. A holder that
                  // stops renewing loses it when lease_expiry (ms since the epoch) has passed.
                  "CREATE TABLE pipeline_lock ("
                      + " pipeline TEXT PRIMARY KEY,"
                      + " owner TEXT NOT NULL,"
                      + " acquired_at BIGINT NOT NULL,"
                      + " lease_expiry BIGINT NOT NULL,"
                      + " taken_over_from TEXT)")));

  static int latest() {
    return MIGRATIONS.get(MIGRATIONS.size() - 1).version();
  }

  /** Brings the database at {@code c} to the latest version. */
  static void migrate(Connection c, Dialect dialect) throws SQLException {
    migrate(c, dialect, latest());
  }

  /** Brings the database at {@code c} to version {@code target}; tests make older stores with it. */
  static void migrate(Connection c, Dialect dialect, int target) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS schema_version ("
              + " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_time BIGINT NOT NULL)");
    } catch (SQLException e) {
      // PostgreSQL may fail one of two concurrent CREATE TABLE IF NOT EXISTS: fine if the table is there.
      try {
        version(c);
      } catch (SQLException absent) {
        throw e;
      }
    }
    int current = version(c);
    if (current > latest()) {
      throw new SQLException(
          "the database has schema version " + current + ", newer than this Beamline's " + latest()
              + ": upgrade Beamline to use it");
    }
    for (Migration m : MIGRATIONS) {
      if (m.version() <= current || m.version() > target) {
        continue;
      }
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String sql : m.statements()) {
          s.execute(sql.replace("{ID}", dialect.idColumn));
        }
        s.executeUpdate(
            "INSERT INTO schema_version (version, description, applied_time) VALUES ("
                + m.version() + ", '" + m.description().replace("'", "''") + "', " + System.currentTimeMillis() + ")");
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        // Another process opening the same new store may have applied it first (both saw the old
        // version; the database let one commit and failed the other): then there is nothing to do.
        if (version(c) >= m.version()) {
          continue;
        }
        throw new SQLException("migration to schema version " + m.version() + " failed: " + e.getMessage(), e);
      } finally {
        c.setAutoCommit(auto);
      }
    }
  }

  /** The highest migration applied to the database at {@code c}, 0 for none. */
  private static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
