package dev.beamline.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void urlsKeepTheirUserAndLoseTheirSecrets() {
    assertThat(Secrets.redact("jdbc:postgresql://db:5432/mlmd?user=beamline&password=s3cr3t&ssl=true"))
        .isEqualTo("jdbc:postgresql://db:5432/mlmd?user=beamline&password=***&ssl=true");
    assertThat(Secrets.redact("jdbc:postgresql://beamline:s3cr3t@db:5432/mlmd")).isEqualTo("jdbc:postgresql://beamline:***@db:5432/mlmd");
    assertThat(Secrets.redact("s3://bucket/data?X-Amz-Security-Token=abc123&X-Amz-Credential=AKIA/x"))
        .isEqualTo("s3://bucket/data?X-Amz-Security-Token=***&X-Amz-Credential=***");
    assertThat(Secrets.redact("hdfs://namenode:8020/runs")).isEqualTo("hdfs://namenode:8020/runs");
  }

  @Test
  void yamlAndJsonValuesNamedLikeSecretsAreMasked() {
    String yaml = String.join("\n",
        "pipeline:",
        "  name: p",
        "  metadata: jdbc:postgresql://db/mlmd?user=b&password=hunter2   # the store",
        "  api_key: 'abc'",
        "  token: xyz # set by CI",
        "  secret_file:",
        "ingest:",
        "  input: data/passwords.csv",
        "");
    assertThat(Secrets.redact(yaml))
        .isEqualTo(String.join("\n",
            "pipeline:",
            "  name: p",
            "  metadata: jdbc:postgresql://db/mlmd?user=b&password=***   # the store",
            "  api_key: '***'",
            "  token: *** # set by CI",
            "  secret_file:",
            "ingest:",
            "  input: data/passwords.csv",
            ""));
    assertThat(Secrets.redact("{\"accessKey\": \"AKIA123\", \"name\": \"x\"}")).isEqualTo("{\"accessKey\": \"***\", \"name\": \"x\"}");
  }

  @Test
  void optionsNamedLikeSecretsLoseTheirWholeValue() {
    assertThat(Secrets.redactOption("--awsSecretKey=abc/def")).isEqualTo("--awsSecretKey=***");
    assertThat(Secrets.redactOption("--dbPassword=x")).isEqualTo("--dbPassword=***");
    assertThat(Secrets.redactOption("--targetParallelism=4")).isEqualTo("--targetParallelism=4");
    assertThat(Secrets.redactOption("--hdfsConfiguration=[{\"fs.defaultFS\":\"hdfs://nn:8020\",\"dfs.client.token\":\"t0k\"}]"))
        .isEqualTo("--hdfsConfiguration=[{\"fs.defaultFS\":\"hdfs://nn:8020\",\"dfs.client.token\":\"***\"}]");
  }
}
