package dev.beamline.training;

import dev.beamline.core.ConfigException;
import dev.beamline.training.ShardReader.Column;
import dev.beamline.transform.FittedFeature;
import dev.beamline.transform.OutputKind;
import java.util.List;

/**
 * Which client a transformed row belongs to in federated training ({@link FederatedConfig#clientColumn()}):
 * read from one transformed feature of the row. An ID feature gives its id (a vocabulary id: the
 * {@code origin} airport of a flight); a VECTOR feature the index of its largest entry (a one-hot
 * category: the {@code island} of a penguin; the first on ties); a FLOAT feature its value (as the
 * bits of the float, so that each distinct value is one client, {@code -0.0} and {@code 0.0} one).
 * IDS features (token lists) name no single client and are refused.
 *
 * <pre>{@code
 * ClientKey key = ClientKey.of(islandFeature);
 * long client = key.of(batch.columns[c], row);
 * }</pre>
 */
final class ClientKey {
  private final Column column;

  private ClientKey(Column column) {
    this.column = column;
  }

  /**
   * The key read from {@code feature}.
   *
   * @throws ConfigException when the feature is an IDS feature
   */
  static ClientKey of(FittedFeature feature) {
    if (feature.kind() == OutputKind.IDS) {
      throw new ConfigException("train.federated.client_column '" + feature.name() + "' is a list of token ids (IDS), which names no single"
          + " client; use an ID, one-hot VECTOR or FLOAT feature");
    }
    return new ClientKey(new Column(feature.name(), feature.kind(), feature.width()));
  }

  /**
   * The key of the transformed feature named {@code column} among {@code features}.
   *
   * @throws ConfigException when there is none, or it is an IDS feature
   */
  static ClientKey of(String column, List<FittedFeature> features) {
    for (FittedFeature f : features) {
      if (f.name().equals(column)) {
        return of(f);
      }
    }
    throw new ConfigException("train.federated.client_column '" + column + "' is not a transformed feature (transformed features: "
        + String.join(", ", features.stream().map(FittedFeature::name).toList()) + ")");
  }

  /** The column to read for the key. */
  Column column() {
    return column;
  }

  /** The client of row {@code row} of {@code array}, an array of this key's column as {@link ShardReader} fills it. */
  long of(Object array, int row) {
    switch (column.kind()) {
      case ID:
        return ((long[]) array)[row];
      case FLOAT: {
        float v = ((float[]) array)[row];
        // One client for -0.0 and 0.0, and for every NaN.
        return v == 0f ? 0 : Float.floatToIntBits(v);
      }
      case VECTOR: {
        float[] a = (float[]) array;
        int w = column.width();
        int best = 0;
        for (int i = 1; i < w; i++) {
          if (a[row * w + i] > a[row * w + best]) {
            best = i;
          }
        }
        return best;
      }
      default:
        throw new AssertionError(column.kind());
    }
  }
}
