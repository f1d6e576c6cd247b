package dev.beamline.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The metadata store's suite against a real PostgreSQL server: the one at {@code
 * BEAMLINE_TEST_POSTGRES_URL} ({@code .ci/run} starts it with {@code .ci/postgres.sh}), else the one that
 * script sets up on loopback. Skipped, with a message, only when PostgreSQL is not installed here.
 *
 * <p>Each test works in schemas of its own, created for it ({@code beamline_test_<random>}, named in
 * the URL with {@code currentSchema=}) and dropped after it: the suite never touches a schema it did
 * not create, so it can share a database with anything else.
 */
class PostgresMetadataStoreIT extends MetadataStoreContract {
  static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/beamline_test?user=beamline&password=beamline";

  /** The schemas this test created, dropped after it. */
  private final List<String> schemas = new ArrayList<>();

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

  /** A new, empty schema of this test's own, and the URL that works in it. */
  @Override
  String emptyDatabaseUrl() throws SQLException {
    String schema = String.format("beamline_test_%016x", ThreadLocalRandom.current().nextLong());
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
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
    schemas.add(schema);
    return url() + (url().contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  @Override
  String newDatabaseUrl(String name) throws SQLException {
    return emptyDatabaseUrl();
  }

  @AfterEach
  void dropSchemas() throws SQLException {
    if (store != null) {
      store.close();
      store = null;
    }
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement()) {
      for (String schema : schemas) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
    schemas.clear();
  }

  static boolean schemaExists(String schema) throws SQLException {
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = '" + schema + "'")) {
      return rs.next();
    }
  }

  @Test
  void runsOnPostgres() {
    assertThat(store.url()).startsWith("jdbc:postgresql:").contains("password=***").contains("currentSchema=beamline_test_");
  }

  @Test
  void theSuiteTouchesOnlyTheSchemasItCreated() throws SQLException {
    // A table of someone else's in the database's public schema, as a shared server would have.
    String table = String.format("public.not_beamline_%08x", ThreadLocalRandom.current().nextInt() & 0x7fffffff);
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (x INTEGER)");
      s.execute("INSERT INTO " + table + " VALUES (42)");
    }
    try {
      // What the suite does at the start of a test and for a new database, and after it.
      String mine = store.url().replaceAll(".*currentSchema=", "");
      String another = newDatabaseUrl("another").replaceAll(".*currentSchema=", "");
      try (MetadataStore s = MetadataStore.open(emptyDatabaseUrl())) {
        s.putArtifact("EXAMPLES", "/o", null, ArtifactState.LIVE, null);
      }
      try (Connection c = DriverManager.getConnection(url());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT x FROM " + table)) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
        // The store's tables are in the test's own schema.
        ResultSet tables = s.executeQuery("SELECT table_schema FROM information_schema.tables WHERE table_name = 'execution'");
        List<String> in = new ArrayList<>();
        while (tables.next()) {
          in.add(tables.getString(1));
        }
        assertThat(in).contains(mine);
      }
      List<String> created = List.copyOf(schemas);
      assertThat(created).contains(mine, another).hasSize(3);
      dropSchemas();
      for (String schema : created) {
        assertThat(schemaExists(schema)).as(schema).isFalse();
      }
      assertThat(schemaExists("public")).isTrue();
    } finally {
      try (Connection c = DriverManager.getConnection(url());
          Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + table);
      }
    }
  }
}
