package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.http.QuotaAnswer;
import java.util.List;
import java.util.Map;

/**
 * The answer to a denial that carries no decision ({@link QuotaExceeded}: a lease, a budget, a
 * {@link RateLimited} method), the same way {@code SluiceFilter} answers its own: no retry
 * possible is {@code COST_EXCEEDS_LIMIT} (422), usage at the limit {@code LIMITED} (429 with
 * {@code Retry-After}), usage below it a store that could not decide ({@code STORE_UNAVAILABLE},
 * 503).
 */
final class QuotaProblems {
  private QuotaProblems() {}

  static QuotaAnswer answer(Policy policy, QuotaExceeded q, String asked, QuotaAnswer.HeaderStyle style) {
    Decision d;
    if (q.retryAfterNanos() == Decision.NEVER) {
      d = Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, q.current(),
          Math.max(0, q.limit() - Math.min(q.current(), q.limit())), Decision.NEVER, 0);
    } else if (q.current() >= q.limit()) {
      d = Decision.of(policy, Decision.Reason.LIMITED, q.current(), 0, q.retryAfterNanos(), q.retryAfterNanos());
    } else {
      d = Decision.storeUnavailable(policy, q.retryAfterNanos());
    }
    return QuotaAnswer.refused(d, policy.name(), null, asked, List.of(d), style);
  }

  /** The configured policy of a denial, or null when the denial names no configured policy. */
  static Policy policy(Map<String, Policy> policies, QuotaExceeded q) {
    Policy p = policies.get(q.policy());
    return p != null && p.kind() == q.kind() ? p : null;
  }
}
