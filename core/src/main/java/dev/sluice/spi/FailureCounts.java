package dev.sluice.spi;

/**
 * A store's decisions since it was built, and those it could not make: by cause, and by what
 * answered instead ({@link FailurePolicy}). The same record on every store ({@link Failures}).
 *
 * @param decisions decisions asked of the store (each charge of a multi-policy call counts once)
 * @param timeouts no answer (or no commit) within the decision's deadline
 * @param errors the store answered with an error (refused, reset, disconnected; an I/O error, a
 *     full disk, a database file that is not the one opened)
 * @param breakerOpen not sent: the store's circuit breaker was open
 * @param badState the key held a value that is not a state of its policy (overwritten by
 *     something else), a calendar period could not be placed, or the store could not apply the
 *     request (refused it or raised an error; the others of its call were decided)
 * @param interrupted the waiting thread was interrupted
 * @param answeredOpen answered by {@link FailurePolicy#open()}
 * @param answeredClosed answered by {@link FailurePolicy#closed()}
 * @param answeredLocal answered by {@link FailurePolicy#local(int)}
 * @param lastError the last error seen (empty if none): what to look at first
 */
public record FailureCounts(
    long decisions, long timeouts, long errors, long breakerOpen, long badState, long interrupted,
    long answeredOpen, long answeredClosed, long answeredLocal, String lastError) {

  /**
   * {@return all decisions the store did not make: {@code answeredOpen + answeredClosed +
   * answeredLocal}}
   */
  public long total() {
    return answeredOpen + answeredClosed + answeredLocal;
  }
}
