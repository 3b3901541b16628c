package dev.sluice.server.api;

import dev.sluice.Decision;
import dev.sluice.RateLimitHeaders;
import dev.sluice.http.QuotaAnswer;
import dev.sluice.http.QuotaAnswer.HeaderStyle;
import dev.sluice.server.http.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the API shows {@link Decision}s: as JSON members, as core's {@link RateLimitHeaders}, and,
 * for a denial, as the {@link Problem} with its status. Nothing here re-derives a decision.
 *
 * <p>A denial's status: {@link Decision.Reason#LIMITED} 429 (retry after {@code Retry-After});
 * {@link Decision.Reason#COST_EXCEEDS_LIMIT} 422 (waiting never helps: no {@code Retry-After});
 * {@link Decision.Reason#STORE_UNAVAILABLE} (the store could not decide and the policy fails
 * closed) and {@link Decision.Reason#STORE_FULL} (the in-memory store's key cap) 503 with {@code
 * Retry-After}. A {@link Decision.Reason#FAILED_OPEN} decision is an admission, marked {@code
 * "storeDecided": false}.
 */
final class Decisions {

  private static final long NANOS_PER_MILLI = 1_000_000L;

  private Decisions() {}

  /**
   * One policy's decision as JSON: {@code policy, kind, allowed, reason, limit, used, remaining,
   * resetAfterMillis, retryAfterMillis} (null for never) and {@code storeDecided}.
   */
  static Map<String, Object> json(String name, Decision d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", name);
    m.put("kind", NamedPolicies.kind(d.policy()));
    m.put("allowed", d.allowed());
    m.put("reason", reason(d));
    m.put("limit", d.limit());
    m.put("used", d.used());
    m.put("remaining", d.remaining());
    m.put("resetAfterMillis", millis(d.resetAfterNanos()));
    m.put("retryAfterMillis", d.retryAfterNanos() == Decision.NEVER ? null : millis(d.retryAfterNanos()));
    m.put("storeDecided", d.storeDecided());
    return m;
  }

  /** The reason as the API writes it, e.g. {@code limited}, {@code cost_exceeds_limit}. */
  static String reason(Decision d) {
    return d.reason().name().toLowerCase(Locale.ROOT);
  }

  /**
   * A 200 with {@code body} and the IETF and legacy headers of {@code decisions}. No {@code
   * Retry-After}: a 200 is not a refusal (a peek that would be denied says so in its body).
   */
  static Response ok(Object body, List<Decision> decisions) {
    Response r = Json.response(200, body);
    for (Map.Entry<String, String> h : QuotaAnswer.admitted(decisions, HeaderStyle.BOTH).headers().entrySet()) {
      r = r.withHeader(h.getKey(), h.getValue());
    }
    return r;
  }

  /**
   * The problem of a refusal: sluice-http's {@link QuotaAnswer}, the one mapping of decisions to
   * HTTP answers that every HTTP layer of Sluice shares, as this API's {@link Problem}.
   *
   * @param deciding the decision that refused: not allowed, and not {@link Decision.Reason#NOT_HELD}
   * @param name the policy's name as the request gave it
   * @param key the key
   * @param asked what was asked, for the detail: "a cost of 3", "2 slots", "an estimate of 10"
   * @param all every policy's decision, for the headers (the deciding one among them)
   */
  static Problem refusal(Decision deciding, String name, String key, String asked,
      List<Decision> all) {
    QuotaAnswer answer = QuotaAnswer.refused(deciding, name, key, asked, all, HeaderStyle.BOTH);
    Problem p = new Problem(Problem.Type.valueOf(answer.refusal().name()), answer.detail());
    for (Map.Entry<String, Object> m : answer.members().entrySet()) {
      p = p.with(m.getKey(), m.getValue());
    }
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      p = p.header(h.getKey(), h.getValue());
    }
    return p;
  }

  /** Whole milliseconds, rounded up. */
  static long millis(long nanos) {
    return nanos / NANOS_PER_MILLI + (nanos % NANOS_PER_MILLI == 0 ? 0 : 1);
  }
}
