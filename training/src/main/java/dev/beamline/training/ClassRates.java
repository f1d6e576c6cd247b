package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One number per class of a classifier's label, as {@code train.class_weights} and {@code
 * train.resample} give them: by class name (the label's vocabulary, the model's {@code classes}),
 * classes not named taking 1, or {@code balanced}, derived from the training split's label counts when
 * the model is trained (see {@link ClassBalance}). Immutable; {@link #NONE} is neither.
 *
 * <pre>{@code
 * ClassRates w = ClassRates.of(Map.of("Chinstrap", 2.0));   // Adelie and Gentoo: 1
 * ClassRates b = ClassRates.BALANCED;
 * }</pre>
 *
 * @param balanced whether the numbers come from the training split's label counts
 * @param byClass the numbers of the named classes; empty when balanced
 */
public record ClassRates(boolean balanced, Map<String, Double> byClass) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** No weights, no resampling: every class 1. */
  public static final ClassRates NONE = new ClassRates(false, Map.of());

  /** Numbers derived from the training split's label counts. */
  public static final ClassRates BALANCED = new ClassRates(true, Map.of());

  /** The YAML word for {@link #BALANCED}. */
  static final String WORD = "balanced";

  public ClassRates {
    byClass = Map.copyOf(byClass);
    checkArgument(!balanced || byClass.isEmpty(), "balanced takes no numbers per class, got %s", byClass);
  }

  /** These numbers for the named classes, 1 for the others; an empty map is {@link #NONE}. */
  public static ClassRates of(Map<String, Double> byClass) {
    return new ClassRates(false, byClass);
  }

  /** Whether every class is 1: neither balanced nor any class named. */
  public boolean none() {
    return !balanced && byClass.isEmpty();
  }

  /**
   * This value, checked for {@code key}: every number finite and 0 or more.
   *
   * @throws IllegalArgumentException naming the key, the class and the number
   */
  ClassRates checked(String key) {
    new TreeMap<>(byClass).forEach((name, v) -> checkArgument(
        v != null && Double.isFinite(v) && v >= 0, "%s must be a finite number of 0 or more for every class, got %s for class '%s'", key, v, name));
    return this;
  }

  /**
   * A YAML or JSON value: {@code balanced}, a map of class name to number, or {@code none} or null for
   * {@link #NONE}.
   *
   * @throws IllegalArgumentException for anything else
   */
  static ClassRates parse(Object value) {
    if (value == null) {
      return NONE;
    }
    if (value instanceof String s) {
      String word = s.trim().toLowerCase(Locale.ROOT);
      checkArgument(word.equals(WORD) || word.equals("none"), "expected '%s', 'none' or {class: number}, got '%s'", WORD, s);
      return word.equals(WORD) ? BALANCED : NONE;
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Double> byClass = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String name = String.valueOf(e.getKey());
        checkArgument(e.getValue() instanceof Number, "expected a number for class '%s', got %s", name,
            e.getValue() instanceof String t ? "'" + t + "'" : e.getValue());
        byClass.put(name, ((Number) e.getValue()).doubleValue());
      }
      return of(byClass);
    }
    throw new IllegalArgumentException("expected '" + WORD + "', 'none' or {class: number}, got " + value);
  }

  /** The canonical form: null for none, {@code "balanced"}, or the numbers sorted by class name. */
  Object canonical() {
    if (none()) {
      return null;
    }
    return balanced ? WORD : new LinkedHashMap<>(new TreeMap<>(byClass));
  }

  /** The number of each class, in class-id order: the named ones, 1 for the others (not for balanced). */
  double[] values(List<String> classes) {
    checkArgument(!balanced, "balanced numbers come from the label counts");
    double[] v = new double[classes.size()];
    for (int c = 0; c < v.length; c++) {
      v[c] = byClass.getOrDefault(classes.get(c), 1.0);
    }
    return v;
  }
}
