package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.http.QuotaAnswer;
import java.util.Map;

/**
 * The answer to a denial that carries no decision ({@link QuotaExceeded}: a lease, a budget, a
 * {@link RateLimited} method): {@link QuotaAnswer#refused(Policy, QuotaExceeded, String,
 * QuotaAnswer.HeaderStyle)}, as {@code SluiceFilter} answers its own.
 */
final class QuotaProblems {
  private QuotaProblems() {}

  static QuotaAnswer answer(Policy policy, QuotaExceeded q, String asked, QuotaAnswer.HeaderStyle style) {
    return QuotaAnswer.refused(policy, q, asked, style);
  }

  /** The configured policy of a denial, or null when the denial names no configured policy. */
  static Policy policy(Map<String, Policy> policies, QuotaExceeded q) {
    Policy p = policies.get(q.policy());
    return p != null && p.kind() == q.kind() ? p : null;
  }
}
