package dev.sluice.server.file;

import java.util.List;
import java.util.Objects;

/**
 * A server file that is refused: every problem found, one a line, each naming the file, the line,
 * the field and the reason, as {@code sluice.yaml:7: settings > GRPC_PORT: ...}.
 */
public final class ServerFileException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * One problem.
   *
   * @param file the file's name as given
   * @param line the 1-based line where the node at fault starts, or 0 when no line applies (a
   *     setting from the environment, a default, the whole file)
   * @param field where in the file: {@code settings > GRPC_PORT}, {@code policies > api},
   *     {@code domains #1 > domain 'x' > descriptor key 'k' > rate_limit > unit}; empty for the
   *     whole file
   * @param reason what is wrong and what is accepted
   */
  public record Problem(String file, int line, String field, String reason) {

    /**
     * A problem.
     *
     * @param file the file's name
     * @param line the line, or 0
     * @param field the field, or empty
     * @param reason the reason
     */
    public Problem {
      Objects.requireNonNull(file, "file");
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(reason, "reason");
    }

    /** {@return {@code file:line: field: reason}, without the parts that are unknown} */
    @Override
    public String toString() {
      String where = line > 0 ? file + ":" + line : file;
      return field.isEmpty() ? where + ": " + reason : where + ": " + field + ": " + reason;
    }
  }

  private final transient List<Problem> problems;

  /**
   * An exception listing {@code problems}.
   *
   * @param problems at least one
   */
  public ServerFileException(List<Problem> problems) {
    super(String.join("\n", problems.stream().map(Problem::toString).toList()));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("problems must list at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems.
   *
   * @return every problem found, in the order found
   */
  public List<Problem> problems() {
    return problems;
  }
}
