package dev.beamline.training;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The training progress on a terminal: on a console one line redrawn in place with a bar, the running
 * loss and examples per second; elsewhere (logs, CI) one line per epoch.
 *
 * <pre>{@code
 * ProgressLine p = ProgressLine.toStderr();
 * p.update(epoch, examples, expected, loss, rate);
 * p.endEpoch(epochStats, epochs);
 * }</pre>
 */
public final class ProgressLine {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int BAR = 24;

  private final PrintStream out;
  private final boolean interactive;
  private long lastDraw;
  private int lastLength;

  public ProgressLine(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  /** Progress on standard error, redrawn in place only when a console is attached. */
  public static ProgressLine toStderr() {
    return new ProgressLine(System.err, System.console() != null);
  }

  /** Progress that prints nothing. */
  public static ProgressLine silent() {
    return new ProgressLine(null, false);
  }

  /** Redraws the running line (at most five times a second); nothing when not interactive. */
  void update(int epoch, String epochs, long examples, long expected, double loss, double examplesPerSecond) {
    if (out == null || !interactive) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastDraw < REDRAW_NANOS) {
      return;
    }
    lastDraw = now;
    StringBuilder bar = new StringBuilder("[");
    int filled = expected > 0 ? (int) Math.min(BAR, examples * BAR / expected) : 0;
    for (int i = 0; i < BAR; i++) {
      bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
    }
    bar.append(']');
    String line = String.format(Locale.ROOT, "epoch %d/%s %s %s loss %.4f  %,.0f ex/s", epoch, epochs, bar,
        expected > 0 ? String.format(Locale.ROOT, "%3d%%", Math.min(100, examples * 100 / expected)) : String.format(Locale.ROOT, "%,d", examples),
        loss, examplesPerSecond);
    draw(line);
  }

  /** Prints the summary line of an epoch. */
  void endEpoch(TrainingHistory.Epoch e, String epochs) {
    if (out == null) {
      return;
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%s  loss %.4f", e.epoch(), epochs, e.trainLoss()));
    if (e.evalLoss() != null) {
      line.append(String.format(Locale.ROOT, "  eval_loss %.4f", e.evalLoss()));
    }
    if (e.evalAccuracy() != null) {
      line.append(String.format(Locale.ROOT, "  eval_accuracy %.4f", e.evalAccuracy()));
    }
    if (e.evalAuc() != null) {
      line.append(String.format(Locale.ROOT, "  eval_auc %.4f", e.evalAuc()));
    }
    if (e.evalRmse() != null) {
      line.append(String.format(Locale.ROOT, "  eval_rmse %.4f", e.evalRmse()));
    }
    line.append(String.format(Locale.ROOT, "  %,d examples  %,.0f ex/s  %.1fs", e.examples(), e.examplesPerSecond(), e.seconds()));
    if (interactive) {
      draw(line.toString());
      out.print('\n');
      lastLength = 0;
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Prints a note on its own line (early stopping, restored weights). */
  void note(String message) {
    if (out != null) {
      out.println(message);
      out.flush();
    }
  }

  private void draw(String line) {
    StringBuilder s = new StringBuilder("\r").append(line);
    for (int i = line.length(); i < lastLength; i++) {
      s.append(' ');
    }
    lastLength = line.length();
    out.print(s);
    out.flush();
  }
}
