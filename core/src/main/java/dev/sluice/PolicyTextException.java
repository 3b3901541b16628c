package dev.sluice;

/**
 * A policy spec that does not parse ({@link PolicyText}): names the policy, the field, the value
 * and what is allowed, e.g. {@code policy 'api': rate '100/0s' must have a positive period}.
 */
public final class PolicyTextException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The policy's name. */
  private final String policy;
  /** The field at fault. */
  private final String field;
  /** The value at fault as written, or null if it is missing. */
  private final String value;
  /** What is wrong and what is allowed. */
  private final String problem;

  PolicyTextException(String policy, String field, String value, String problem) {
    this(policy, field, value, problem, null);
  }

  PolicyTextException(String policy, String field, String value, String problem, Throwable cause) {
    super("policy '" + policy + "': " + describe(field, value, problem), cause);
    this.policy = policy;
    this.field = field;
    this.value = value;
    this.problem = problem;
  }

  private static String describe(String field, String value, String problem) {
    return value == null ? field + " " + problem : field + " '" + value + "' " + problem;
  }

  /** {@return the policy's name} */
  public String policy() {
    return policy;
  }

  /**
   * The field at fault: one of the type's fields, {@code type}, or {@code spec} when the whole
   * text is (a rule of the policy itself refused its values together).
   *
   * @return the field's name
   */
  public String field() {
    return field;
  }

  /** {@return the value at fault as written, or null if it is missing} */
  public String value() {
    return value;
  }

  /** {@return what is wrong and what is allowed, without the policy, field or value} */
  public String problem() {
    return problem;
  }

  /** {@return the message without the leading {@code policy '<name>': }} */
  public String detail() {
    return describe(field, value, problem);
  }
}
