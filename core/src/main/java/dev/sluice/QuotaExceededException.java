package dev.sluice;

/** A quota said no, thrown; {@link #quota()} holds the data. */
public final class QuotaExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient QuotaExceeded quota;

  /**
   * The exception for {@code quota}, with its text as the message; no cause and no stack trace
   * (cheap to throw).
   *
   * @param quota the denial; not null
   * @throws IllegalArgumentException if {@code quota} is null
   */
  public QuotaExceededException(QuotaExceeded quota) {
    super(Checks.notNull("quota", quota).toString(), null, false, false);
    this.quota = quota;
  }

  /** {@return what was exceeded, for how long} */
  public QuotaExceeded quota() {
    return quota;
  }
}
