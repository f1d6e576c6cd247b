package dev.beamline.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What made an artifact: the software and machine, the runner and its options, the pipeline file, and
 * the stage's execution with its parameters. One JSON form ({@link #toJson}, snake_case keys) is
 * written as {@code provenance.json} beside every published output and recorded with its artifact.
 *
 * <pre>{@code
 * Provenance p = Provenance.of(software, runner, file).forStage("ingest", 7, runId, "penguins", "0.1.0", parameters);
 * output.withProvenance(p.toJson());
 * }</pre>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "beamline_version", "beam_version", "java_version", "java_vendor", "os", "runner", "runner_options", "seeds",
  "pipeline_file", "pipeline_file_sha256", "pipeline_config", "stage", "execution_id", "run_id", "pipeline",
  "code_version", "created", "parameters"
})
public record Provenance(
    String beamlineVersion,
    String beamVersion,
    String javaVersion,
    String javaVendor,
    String os,
    String runner,
    RunnerOptions runnerOptions,
    Map<String, String> seeds,
    String pipelineFile,
    String pipelineFileSha256,
    String pipelineConfig,
    String stage,
    Long executionId,
    String runId,
    String pipeline,
    String codeVersion,
    String created,
    JsonNode parameters) {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** The runner as the command line chose it. */
  @JsonPropertyOrder({"runner", "parallelism", "pass_through"})
  public record RunnerOptions(String runner, int parallelism, List<String> passThrough) {}

  /**
   * The facts of one run, before any stage: {@code forStage} adds the stage's. Credentials in the
   * pipeline file and the options are masked ({@link Secrets}): provenance is copied into every
   * artifact, the metadata store and every exported model.
   */
  public static Provenance ofRun(
      String beamlineVersion,
      String runner,
      RunnerOptions options,
      Map<String, String> seeds,
      String pipelineFile,
      String pipelineFileSha256,
      String pipelineConfig) {
    return new Provenance(
        beamlineVersion,
        org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion(),
        System.getProperty("java.version"),
        System.getProperty("java.vendor"),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        runner,
        options == null ? null : new RunnerOptions(options.runner(), options.parallelism(), options.passThrough().stream().map(Secrets::redactOption).toList()),
        seeds,
        pipelineFile,
        pipelineFileSha256,
        Secrets.redact(pipelineConfig),
        null, null, null, null, null, null, null);
  }

  /** These run facts with the execution of {@code stage} and its parameters. */
  public Provenance forStage(
      String stage, long executionId, String runId, String pipeline, String codeVersion, String created, JsonNode parameters) {
    return new Provenance(
        beamlineVersion, beamVersion, javaVersion, javaVendor, os, runner, runnerOptions, seeds, pipelineFile,
        pipelineFileSha256, pipelineConfig, stage, executionId, runId, pipeline, codeVersion, created, redacted(parameters));
  }

  /** {@code parameters} with any value named like a secret masked. */
  private static JsonNode redacted(JsonNode parameters) {
    if (parameters == null) {
      return null;
    }
    try {
      return JSON.readTree(Secrets.redact(parameters.toString()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSON form: snake_case keys, absent facts left out. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSON form as a tree, as the metadata store records it. */
  public ObjectNode toTree() {
    return JSON.valueToTree(this);
  }

  /** Reads the JSON form back. */
  public static Provenance fromJson(String json) {
    try {
      return JSON.readValue(json, Provenance.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a provenance record: " + e.getOriginalMessage(), e);
    }
  }
}
