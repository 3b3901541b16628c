package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One Markdown table of a report. A column whose header starts with {@code >} is right-aligned
 * (numbers); the {@code >} is not printed.
 *
 * <pre>{@code
 * MarkdownTable t = new MarkdownTable("Row", ">keys", ">decisions/s");
 * t.row("sluice", "1", "71,746");
 * b.append(t);   // "| Row | keys | decisions/s |\n|---|---:|---:|\n| sluice | 1 | 71,746 |\n\n"
 * }</pre>
 */
public final class MarkdownTable {

  private final String[] headers;
  private final boolean[] right;
  private final List<String[]> rows = new ArrayList<>();

  public MarkdownTable(String... headers) {
    this.headers = new String[headers.length];
    this.right = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      right[i] = headers[i].startsWith(">");
      this.headers[i] = right[i] ? headers[i].substring(1) : headers[i];
    }
  }

  /** The headers of these columns, for a table whose columns depend on the run. */
  public static MarkdownTable of(List<String> headers) {
    return new MarkdownTable(headers.toArray(new String[0]));
  }

  /** Adds a row; {@code cells} as text ({@code String.valueOf}), one per column. */
  public MarkdownTable row(Object... cells) {
    if (cells.length != headers.length) {
      throw new IllegalArgumentException(cells.length + " cells for " + headers.length + " columns");
    }
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  /** Whether no row was added. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The table, then a blank line. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", headers)).append(" |\n|");
    for (boolean r : right) {
      b.append(r ? "---:|" : "---|");
    }
    b.append('\n');
    for (String[] r : rows) {
      b.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    return b.append('\n').toString();
  }
}
