package dev.beamline.metadata;

/** An edge of the lineage graph: execution {@code executionId} read ({@code INPUT}) or wrote ({@code OUTPUT}) an artifact, in the named role. */
public record Event(long executionId, long artifactId, Type type, String role, long time) {
  /** Which way the artifact flows. */
  public enum Type {
    INPUT,
    OUTPUT
  }
}
