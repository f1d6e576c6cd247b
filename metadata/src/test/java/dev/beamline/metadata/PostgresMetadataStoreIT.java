package dev.beamline.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The metadata store's suite against a real PostgreSQL server: the one at {@code
 * BEAMLINE_TEST_POSTGRES_URL} ({@code .ci/run} starts it with {@code .ci/postgres.sh}), else the one that
 * script sets up on loopback. Skipped, with a message, only when PostgreSQL is not installed here.
 */
class PostgresMetadataStoreIT extends MetadataStoreContract {
  static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/beamline_test?user=beamline&password=beamline";

  static String url() {
    String env = System.getenv("BEAMLINE_TEST_POSTGRES_URL");
    return env != null && !env.isBlank() ? env : DEFAULT_URL;
  }

  static boolean postgresInstalled() {
    File[] versions = new File("/usr/lib/postgresql").listFiles();
    if (versions != null) {
      for (File v : versions) {
        if (new File(v, "bin/postgres").exists()) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  String emptyDatabaseUrl() throws SQLException {
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE");
      s.execute("CREATE SCHEMA public");
    } catch (SQLException e) {
      if (System.getenv("BEAMLINE_TEST_POSTGRES_URL") == null && !postgresInstalled()) {
        String message = "SKIPPED: PostgreSQL is not installed here; run .ci/postgres.sh to test the store on it";
        System.err.println(message);
        Assumptions.abort(message);
      }
      throw new SQLException(
          "PostgreSQL is installed but " + MetadataStore.redact(url()) + " cannot be reached: start it with .ci/postgres.sh ("
              + e.getMessage() + ")",
          e);
    }
    return url();
  }

  @Override
  String newDatabaseUrl(String name) throws SQLException {
    return emptyDatabaseUrl();
  }

  @Override
  void setOwner(long executionId, String owner) throws Exception {
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE execution SET owner = '" + owner + "' WHERE id = " + executionId);
    }
  }

  @Test
  void runsOnPostgres() {
    assertThat(store.url()).startsWith("jdbc:postgresql:").contains("password=***");
  }
}
