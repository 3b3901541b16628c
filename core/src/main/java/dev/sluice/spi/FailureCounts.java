package dev.sluice.redis;

/**
 * Decisions Redis did not make, since the store was built: by cause, and by what answered instead.
 *
 * @param timeouts no answer within the deadline
 * @param errors Redis or the connection answered with an error (refused, reset, disconnected...)
 * @param breakerOpen not sent: the circuit breaker was open
 * @param badState the key held a value that is not a state of its policy (overwritten by
 *     something else), a calendar period could not be placed, or the script could not apply the
 *     request (refused it or raised an error; the others of its call were decided): decided as a
 *     failure
 * @param interrupted the waiting thread was interrupted
 * @param answeredOpen answered by {@link FailurePolicy#open()}
 * @param answeredClosed answered by {@link FailurePolicy#closed()}
 * @param answeredLocal answered by {@link FailurePolicy#local(int)}
 * @param lastError the last error seen (empty if none): what to look at first
 */
public record FailureCounts(
    long timeouts, long errors, long breakerOpen, long badState, long interrupted,
    long answeredOpen, long answeredClosed, long answeredLocal, String lastError) {

  /** All failed decisions. */
  public long total() {
    return answeredOpen + answeredClosed + answeredLocal;
  }
}
