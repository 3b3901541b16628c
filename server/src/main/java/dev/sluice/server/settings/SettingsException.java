package dev.sluice.server.settings;

import java.util.List;

/**
 * The environment cannot start the server: a value is malformed or out of range, or asks for
 * something Sluice does not support. Every problem found is listed, one a line; each names the
 * variable and its value (secrets masked) and says what is accepted.
 */
public final class SettingsException extends Exception {

  private static final long serialVersionUID = 1L;

  /** The problems, in the order of the variables. */
  private final transient List<String> problems;

  /**
   * An exception listing {@code problems}.
   *
   * @param problems one message per problem; at least one
   */
  public SettingsException(List<String> problems) {
    super(String.join("\n", requireSome(problems)));
    this.problems = List.copyOf(problems);
  }

  private static List<String> requireSome(List<String> problems) {
    if (problems == null || problems.isEmpty()) {
      throw new IllegalArgumentException("problems must list at least one problem (was " + problems + ")");
    }
    return problems;
  }

  /**
   * The problems.
   *
   * @return one message per problem, in the order of the variables
   */
  public List<String> problems() {
    return problems;
  }
}
