package dev.sluice;

/**
 * Told about every decision a {@link Sluice} makes (for metrics, audit logs). Called on the
 * deciding thread, after the decision; a listener that throws is logged and counted, and the
 * decision stands.
 */
@FunctionalInterface
public interface DecisionListener {

  /**
   * @param operation what was asked: "tryAcquire", "acquire", "peek", "record", "refund", "reset"
   *     for a single key; "tryAcquireAll" or "peekAll" for a multi-policy call
   * @param key the key (for a multi-policy call: the key of the deciding charge)
   * @param cost the cost asked for (for a multi-policy call: the deciding charge's)
   * @param decision the decision
   */
  void onDecision(String operation, String key, long cost, Decision decision);
}
