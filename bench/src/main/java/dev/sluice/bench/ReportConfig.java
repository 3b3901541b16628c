package dev.sluice.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The options every report takes after its own: {@code --out FILE} and {@code --note TEXT}.
 * A report's {@code Config} extends this and parses with {@link #parse}.
 */
public abstract class ReportConfig {
  /** {@code --out}: where the report is written; null: next to the jar. */
  public Path out;
  /** {@code --note}: lines for the report's header. */
  public final List<String> notes = new ArrayList<>();

  /** Applies {@code args}: {@code report}'s own options, then {@code --out} and {@code --note}. */
  protected final void parse(Class<?> report, String[] args, UnaryOperator<Options> own) {
    own.apply(new Options(report)).out(f -> out = f).notes(notes).parse(args);
  }

  /** {@code --out}, or {@code fileName} in the directory of {@code report}'s jar. */
  public Path out(Class<?> report, String fileName) {
    return out != null ? out : Machine.jarDirectory(report).resolve(fileName);
  }
}
