package dev.beamline.tuning;

import dev.beamline.training.TrainingHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The trials of a search as a text table for the terminal ({@code beamline tune-report}), best first
 * ({@link TrialOutcome#BY_OBJECTIVE}): the trial's id, its state, the objective's metric, the value of
 * each parameter, the epochs it trained, its wall time and, for a failed trial, its error. Values are
 * shown as in the HTML report ({@link TuningReport}).
 *
 * <pre>{@code
 * out.print(TrialTable.render(tuneConfig, trials));
 * }</pre>
 */
public final class TrialTable {
  private TrialTable() {}

  /** The header row, then one row per trial, best first. */
  public static List<List<String>> rows(TuneConfig tune, List<TrialOutcome> trials) {
    List<String> names = tune.searchSpace().names();
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("TRIAL", "STATE", tune.objective().metric()));
    header.addAll(names);
    header.addAll(List.of("EPOCHS", "SECONDS", "ERROR"));
    rows.add(header);
    List<TrialOutcome> sorted = new ArrayList<>(trials);
    sorted.sort(TrialOutcome.BY_OBJECTIVE);
    for (TrialOutcome t : sorted) {
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(t.spec().id()));
      row.add(t.failed() ? "FAILED" : "COMPLETE");
      row.add(t.metric() == null ? "-" : TuningReport.show(t.metric()));
      for (String n : names) {
        row.add(TuningReport.show(t.spec().values().get(n)));
      }
      TrainingHistory h = t.history();
      row.add(h == null ? "-" : Integer.toString(h.epochs().size()));
      row.add(String.format(Locale.ROOT, "%.1f", t.wallSeconds()));
      row.add(t.failed() ? t.result().error() : "");
      rows.add(row);
    }
    return rows;
  }

  /** {@link #rows} in columns as wide as their widest cell, two spaces apart, the last (the error) as long as it is. */
  public static String render(TuneConfig tune, List<TrialOutcome> trials) {
    List<List<String>> rows = rows(tune, trials);
    int columns = rows.get(0).size();
    int[] width = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder s = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(i == columns - 1 ? row.get(i) : row.get(i) + " ".repeat(width[i] - row.get(i).length() + 2));
      }
      s.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    return s.toString();
  }
}
