package dev.sluice;

import java.time.Duration;

/**
 * A quota said no: the data of a denial, shared by leases, budgets and rate limits, usable as a
 * value (to build a response) and as an exception ({@link #toException()}).
 *
 * @param kind what kind of quota
 * @param policy the policy's name
 * @param key the key that was denied
 * @param current what the key uses now: slots held, cost used this period (may exceed the limit),
 *     cost in the window
 * @param limit the policy's limit
 * @param retryAfterNanos how long until the same request would pass if nothing else happens
 *     ({@link Decision#NEVER} for a request above the limit)
 */
public record QuotaExceeded(
    Policy.Kind kind, String policy, String key, long current, long limit, long retryAfterNanos) {

  /**
   * Validates the components.
   *
   * @param kind what kind of quota; not null
   * @param policy the policy's name; not null
   * @param key the key that was denied; not null
   * @param current what the key uses now, {@code >= 0}
   * @param limit the policy's limit, {@code >= 1}
   * @param retryAfterNanos how long until the same request would pass, {@code >= 0};
   *     {@link Decision#NEVER} for a request above the limit
   * @throws IllegalArgumentException if a component is null or out of range
   */
  public QuotaExceeded {
    Checks.notNull("kind", kind);
    Checks.notNull("policy", policy);
    Checks.notNull("key", key);
    Checks.nonNegative("current", current);
    Checks.positive("limit", limit);
    Checks.nonNegative("retryAfterNanos", retryAfterNanos);
  }

  /**
   * The denial {@code decision} made for {@code key}.
   *
   * @param decision a denying decision; not null
   * @param key the key it was made for; not null
   * @return the denial: the decision's policy kind and name, used, limit and retryAfter
   * @throws IllegalArgumentException if {@code decision} is null or allowed, or {@code key} is
   *     null
   */
  public static QuotaExceeded of(Decision decision, String key) {
    Checks.notNull("decision", decision);
    if (decision.allowed()) {
      throw new IllegalArgumentException("decision " + decision + " is not a denial");
    }
    Policy p = decision.policy();
    return new QuotaExceeded(p.kind(), p.name(), key, decision.used(), decision.limit(),
        decision.retryAfterNanos());
  }

  /** {@return {@link #retryAfterNanos()} as a duration} */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }

  /**
   * Whole seconds to wait, rounded up, for a {@code Retry-After} header; empty for a request that
   * can never be admitted ({@link Decision#NEVER}), which should get no {@code Retry-After}.
   *
   * @return the seconds, {@code >= 0}, or empty for {@link Decision#NEVER}
   */
  public java.util.OptionalLong retryAfterSeconds() {
    return retryAfterNanos == Decision.NEVER ? java.util.OptionalLong.empty()
        : java.util.OptionalLong.of(RateLimitHeaders.seconds(retryAfterNanos));
  }

  /** {@return this denial as an exception to throw} */
  public QuotaExceededException toException() {
    return new QuotaExceededException(this);
  }

  @Override
  public String toString() {
    String kindText = switch (kind) {
      case CONCURRENCY -> "concurrency";
      case BUDGET -> "budget";
      case RATE -> "rate";
    };
    return kindText + " quota '" + policy + "' exceeded for key '" + key + "': " + current + " of "
        + limit + " used, retry after "
        + (retryAfterNanos == Decision.NEVER ? "never (the request exceeds the limit)" : retryAfter());
  }
}
