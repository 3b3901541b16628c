package dev.sluice;

/** A quota said no, thrown; {@link #quota()} holds the data. */
public final class QuotaExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient QuotaExceeded quota;

  public QuotaExceededException(QuotaExceeded quota) {
    super(Checks.notNull("quota", quota).toString(), null, false, false);
    this.quota = quota;
  }

  /** What was exceeded, for how long. */
  public QuotaExceeded quota() {
    return quota;
  }
}
