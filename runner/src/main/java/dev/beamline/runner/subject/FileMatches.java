package dev.beamline.runner.subject;

import java.io.Serializable;
import java.util.List;

/**
 * What a scan found in one file ({@link FileScan#count}): how many rows it read, how many are the
 * subject's, whether it has the key column at all, and its columns (to name them when no file has it).
 *
 * @param target the index of the file among the targets scanned
 * @param error why the file could not be read, else null (its counts are then 0)
 */
public record FileMatches(int target, boolean columnPresent, long rows, long matched, List<String> columns, String error)
    implements Serializable {
  public FileMatches {
    columns = List.copyOf(columns);
  }
}
