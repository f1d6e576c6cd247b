package dev.beamline.ingest;

import dev.beamline.core.FeatureType;

/**
 * Infers the type of one column from the text values seen in it: {@code int} if every value is an
 * integer, else {@code float} if every value is a number, else {@code boolean} if every value is
 * {@code true} or {@code false} (any case), else {@code string}. A column with no value at all is a
 * {@code string}. Timestamps stay strings unless declared, as in TFX.
 *
 * <pre>{@code
 * TypeGuess g = new TypeGuess();
 * g.accept("1"); g.accept("2.5");
 * g.result();   // FLOAT
 * }</pre>
 */
public final class TypeGuess {
  private boolean seen;
  private boolean canBeInt = true;
  private boolean canBeFloat = true;
  private boolean canBeBoolean = true;

  /** Records one non-missing value. */
  public void accept(String value) {
    String t = value.trim();
    seen = true;
    if (canBeInt && !ValueParser.isInt(t)) {
      canBeInt = false;
    }
    if (canBeFloat && !canBeInt && !ValueParser.isFloat(t)) {
      canBeFloat = false;
    }
    if (canBeBoolean && !ValueParser.isBoolean(t)) {
      canBeBoolean = false;
    }
  }

  /** Records a value of a known type, as found in JSON. */
  public void accept(FeatureType type) {
    seen = true;
    canBeInt &= type == FeatureType.INT;
    canBeFloat &= type == FeatureType.INT || type == FeatureType.FLOAT;
    canBeBoolean &= type == FeatureType.BOOLEAN;
  }

  /** Whether nothing more can change the result (the column is already a string). */
  public boolean settled() {
    return seen && !canBeInt && !canBeFloat && !canBeBoolean;
  }

  public FeatureType result() {
    if (!seen) {
      return FeatureType.STRING;
    }
    if (canBeInt) {
      return FeatureType.INT;
    }
    if (canBeFloat) {
      return FeatureType.FLOAT;
    }
    if (canBeBoolean) {
      return FeatureType.BOOLEAN;
    }
    return FeatureType.STRING;
  }
}
