package dev.beamline.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteMetadataStoreTest extends MetadataStoreContract {
  @TempDir Path tmp;

  @Override
  String emptyDatabaseUrl() {
    return MetadataStore.sqliteUrl(tmp.resolve("sub/metadata.sqlite"));
  }

  @Override
  String newDatabaseUrl(String name) throws IOException {
    Files.createDirectories(tmp.resolve(name));
    return MetadataStore.sqliteUrl(tmp.resolve(name).resolve("metadata.sqlite"));
  }

  @Test
  void reopeningKeepsDataAndAppliesNoMigrationTwice() throws Exception {
    long id = store.putArtifact("EXAMPLES", "/o", "fp", ArtifactState.LIVE, null);
    store.close();
    store = MetadataStore.open(emptyDatabaseUrl());
    assertThat(store.artifact(id)).isPresent();
    assertThat(schemaVersions(emptyDatabaseUrl())).containsExactly(1, 2, 3, 4);
  }

  @Test
  void aDatabaseFromANewerBeamlineIsRefused() throws Exception {
    store.close();
    store = null;
    try (Connection c = DriverManager.getConnection(emptyDatabaseUrl());
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO schema_version (version, description, applied_time) VALUES (99, 'future', 0)");
    }
    assertThatThrownBy(() -> MetadataStore.open(emptyDatabaseUrl()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema version 99, newer than this Beamline's " + MetadataStore.SCHEMA_VERSION);
  }

  @Test
  void tablesAreReadableWithPlainSql() throws Exception {
    long exec = store.startExecution("p", "r", "ingest", null, "1.0", "k");
    store.finishExecution(exec, ExecutionState.COMPLETE, null);
    try (Connection c = DriverManager.getConnection(emptyDatabaseUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT stage, state, code_version FROM execution")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ingest");
      assertThat(rs.getString(2)).isEqualTo("COMPLETE");
      assertThat(rs.getString(3)).isEqualTo("1.0");
    }
  }

  @Test
  void unknownUrlsAreConfigErrors() {
    assertThatThrownBy(() -> MetadataStore.open("jdbc:mysql://x/y"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("metadata store URL 'jdbc:mysql://x/y' is neither jdbc:sqlite: nor jdbc:postgresql:");
    assertThat(MetadataStore.redact("jdbc:postgresql://h/db?user=u&password=secret&x=1"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&x=1");
  }
}
