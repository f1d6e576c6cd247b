package dev.beamline.serving.server;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Which servable a request names: a model, and at most one of a version or a label; neither means the
 * model's latest available version (TF Serving's {@code ModelSpec}).
 */
public record ServableRef(String name, Long version, String label) {
  public ServableRef {
    checkArgument(name != null && !name.isEmpty(), "a request must name a model");
    checkArgument(version == null || label == null, "a request names a version or a label, not both");
  }

  public static ServableRef latest(String name) {
    return new ServableRef(name, null, null);
  }

  public static ServableRef version(String name, long version) {
    return new ServableRef(name, version, null);
  }

  public static ServableRef label(String name, String label) {
    return new ServableRef(name, null, label);
  }

  @Override
  public String toString() {
    return name + (version != null ? " version " + version : label != null ? " label '" + label + "'" : "");
  }
}
