package dev.beamline.training;

import static com.google.common.base.Preconditions.checkArgument;

import dev.beamline.training.ShardReader.Column;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Some transformed rows of one federated client, as primitive arrays by column (the model's inputs,
 * then its label), the layout of a {@link Batch}. These are the only elements of a federated pipeline
 * that hold rows: they are read from the shards and grouped by client ({@link TrainFederated}), and
 * never leave the client's {@code LocalUpdate}.
 *
 * <pre>{@code
 * ClientRows all = ClientRows.concat(columns, blocks);
 * Batch b = all.batch();
 * }</pre>
 */
final class ClientRows implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int size;
  /** One {@code float[]} or {@code long[]} per column, {@code size * width} values each. */
  private final Object[] columns;

  ClientRows(int size, Object[] columns) {
    checkArgument(size >= 0, "size must be 0 or more, got %s", size);
    this.size = size;
    this.columns = columns;
  }

  int size() {
    return size;
  }

  /** The rows as one batch (the arrays are shared: do not modify them). */
  Batch batch() {
    return new Batch(size, columns);
  }

  /** Rows {@code picked} of these rows, in that order, as a batch of fresh arrays. */
  Batch pick(List<Column> layout, int[] picked, int from, int to) {
    Object[] out = new Object[layout.size()];
    for (int c = 0; c < layout.size(); c++) {
      int w = layout.get(c).width();
      Object column = layout.get(c).newArray(to - from);
      for (int i = from; i < to; i++) {
        System.arraycopy(columns[c], picked[i] * w, column, (i - from) * w, w);
      }
      out[c] = column;
    }
    return new Batch(to - from, out);
  }

  /** The rows of {@code blocks}, in order, as one block. */
  static ClientRows concat(List<Column> layout, Iterable<ClientRows> blocks) {
    List<ClientRows> all = new ArrayList<>();
    long total = 0;
    for (ClientRows b : blocks) {
      all.add(b);
      total += b.size;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    for (Column c : layout) {
      checkArgument(total * c.width() < Integer.MAX_VALUE, "a client's %s rows of column '%s' (width %s) do not fit in one array", total, c.name(), c.width());
    }
    int n = (int) total;
    Object[] out = new Object[layout.size()];
    for (int c = 0; c < layout.size(); c++) {
      out[c] = layout.get(c).newArray(n);
    }
    int at = 0;
    for (ClientRows b : all) {
      for (int c = 0; c < layout.size(); c++) {
        int w = layout.get(c).width();
        System.arraycopy(b.columns[c], 0, out[c], at * w, b.size * w);
      }
      at += b.size;
    }
    return new ClientRows(n, out);
  }
}
