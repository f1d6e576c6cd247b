package dev.beamline.feedback;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.beamline.core.FeatureType;
import dev.beamline.core.Storage;
import dev.beamline.training.SavedModelExport;
import dev.beamline.training.ServingModel;
import dev.beamline.transform.FittedTransform;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * What the live metrics need of one served model version, read from its pushed folder without loading
 * the model: its task, its label column, its classes, and the label's fitted transform (exported beside
 * the model in {@code assets.extra/label_transform/}), which maps a raw label to its class exactly as the
 * transform stage mapped it for training and as the evaluation maps it ({@link ServingModel#classOfLabel}
 * on a loaded model). Serializable, so that the plan carries it to the workers.
 *
 * <pre>{@code
 * ServedModel m = ServedModel.read("serving/penguins/1", 1);
 * int c = m.classOf("Gentoo");   // 2, or -1 for a label that is not a class
 * }</pre>
 *
 * @param dir the version's folder
 * @param labelColumn the raw label's column, which the label files' label stands for
 * @param labelOutput the name of the label's transformed feature: the class id
 * @param labelTransform the label's transform; null for regression, or a model exported without one (labels then match
 *     class names by their text)
 * @param fingerprint SHA-256 of {@code model.json} and the label transform's files, for the cache key
 */
public record ServedModel(long version, String dir, String task, String labelColumn, String labelOutput, List<String> classes,
    FittedTransform labelTransform, String fingerprint) implements Serializable {
  public ServedModel {
    checkNotNull(dir, "dir");
    checkNotNull(task, "task");
    classes = List.copyOf(classes);
  }

  /** Whether {@code dir} holds an exported Beamline model's description ({@code assets.extra/model.json}). */
  public static boolean exists(String dir) {
    return Storage.exists(modelJson(dir));
  }

  /**
   * Reads version {@code version}'s description from its folder {@code dir}.
   *
   * @throws IllegalArgumentException when the folder holds no Beamline model description
   */
  public static ServedModel read(String dir, long version) {
    ServingModel.Description d = ServingModel.describe(dir);
    Hasher h = Hashing.sha256().newHasher();
    h.putString(Storage.readString(modelJson(dir)), StandardCharsets.UTF_8);
    String labelDir = Storage.resolve(Storage.resolve(dir, SavedModelExport.EXTRA), SavedModelExport.LABEL_TRANSFORM);
    FittedTransform label = null;
    if (d.classification() && Storage.exists(Storage.resolve(labelDir, FittedTransform.TRANSFORM_FILE))) {
      label = FittedTransform.read(labelDir);
      for (String f : Storage.listRecursively(labelDir)) {
        h.putString(Storage.relativize(labelDir, f), StandardCharsets.UTF_8).putString(Storage.sha256(f, new long[1]), StandardCharsets.UTF_8);
      }
    }
    return new ServedModel(version, dir, d.task(), d.labelInput(), d.label(), d.classes(), label, h.hash().toString());
  }

  private static String modelJson(String dir) {
    return Storage.resolve(Storage.resolve(dir, SavedModelExport.EXTRA), "model.json");
  }

  public boolean classification() {
    return "classification".equals(task);
  }

  /**
   * The class of the raw label {@code raw}, -1 when it is null or not one of the classes: through the
   * label's transform when the model has one (the value first converted to the type the transform reads),
   * else by the label's text.
   */
  public int classOf(Object raw) {
    if (raw == null) {
      return -1;
    }
    if (labelTransform == null) {
      return classes.indexOf(ServingModel.text(raw));
    }
    Object id;
    try {
      Schema schema = labelTransform.rawSchema().toAvro();
      GenericRecord one = new GenericData.Record(schema);
      one.put(0, as(raw, labelTransform.rawSchema().feature(0).type()));
      id = labelTransform.apply(one).get(labelOutput);
    } catch (RuntimeException e) {
      return -1; // a value the transform cannot read (text in a numeric label): no class
    }
    long c = id instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.longValue() : -1;
    return c >= 0 && c < classes.size() ? (int) c : -1;
  }

  /** {@code raw} as a value of {@code type}; as it is when it does not convert (the transform then refuses it). */
  private static Object as(Object raw, FeatureType type) {
    try {
      return switch (type) {
        case FLOAT -> raw instanceof Number n ? n.doubleValue() : Double.parseDouble(raw.toString().trim());
        case INT, TIMESTAMP -> raw instanceof Number n ? n.longValue() : Long.parseLong(raw.toString().trim());
        case STRING -> raw instanceof Number ? ServingModel.text(raw) : raw.toString();
        case BOOLEAN -> raw instanceof Boolean ? raw : Boolean.parseBoolean(raw.toString().trim());
      };
    } catch (NumberFormatException e) {
      return raw;
    }
  }
}
