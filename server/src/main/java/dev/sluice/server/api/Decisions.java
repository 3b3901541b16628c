package dev.sluice.server.api;

import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.RateLimitHeaders;
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
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

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
    for (Map.Entry<String, String> h : RateLimitHeaders.of(decisions).asMap().entrySet()) {
      if (!h.getKey().equals(RateLimitHeaders.RETRY_AFTER)) {
        r = r.withHeader(h.getKey(), h.getValue());
      }
    }
    return r;
  }

  /**
   * The problem of a refusal.
   *
   * @param deciding the decision that refused: not allowed, and not {@link Decision.Reason#NOT_HELD}
   * @param name the policy's name as the request gave it
   * @param key the key
   * @param asked what was asked, for the detail: "a cost of 3", "2 slots", "an estimate of 10"
   * @param all every policy's decision, for the headers (the deciding one among them)
   */
  static Problem refusal(Decision deciding, String name, String key, String asked,
      List<Decision> all) {
    Decision d = deciding;
    String policy = "policy '" + Keys.printable(name) + "'";
    String forKey = "key '" + Keys.printable(key) + "'";
    long retrySeconds = seconds(d.retryAfterNanos());
    String retry = "retry after " + retrySeconds + " s";
    Problem p = switch (d.reason()) {
      case LIMITED -> new Problem(Problem.Type.LIMIT_EXCEEDED, policy + " denied " + forKey + " "
          + asked + ": " + d.used() + " of its limit of " + d.limit() + " in use, " + d.remaining()
          + " remaining; " + retry);
      case COST_EXCEEDS_LIMIT -> new Problem(Problem.Type.COST_EXCEEDS_LIMIT, policy
          + " can never admit " + asked + " for " + forKey + ": that is more than its limit of "
          + d.limit() + "; nothing was charged");
      case STORE_FULL -> new Problem(Problem.Type.STORE_FULL, "the store holds as many keys as it"
          + " may, and " + forKey + " is new to " + policy + "; nothing was charged; " + retry);
      case STORE_UNAVAILABLE -> new Problem(Problem.Type.STORE_UNAVAILABLE, "the store could not"
          + " decide on " + asked + " for " + forKey + " of " + policy + "; nothing was charged; "
          + retry);
      default -> throw new IllegalArgumentException("not a refusal: " + d);
    };
    p = p.with("policy", name).with("key", Keys.printable(key)).with("limit", d.limit())
        .with("used", d.used()).with("remaining", d.remaining())
        .with("retryAfterSeconds", d.retryAfterNanos() == Decision.NEVER ? null : retrySeconds);
    for (Map.Entry<String, String> h : RateLimitHeaders.of(all).asMap().entrySet()) {
      if (!h.getKey().equals(RateLimitHeaders.RETRY_AFTER)) {
        p = p.header(h.getKey(), h.getValue());
      }
    }
    if (d.reason() != Decision.Reason.COST_EXCEEDS_LIMIT) {
      // the deciding denial has the longest wait of all: its seconds are the header's
      p = p.header(RateLimitHeaders.RETRY_AFTER, Long.toString(
          d.reason() == Decision.Reason.LIMITED ? retrySeconds : Math.max(1, retrySeconds)));
    }
    return p;
  }

  /** Whole seconds, rounded up, as {@code Retry-After} says them: never early. */
  static long seconds(long nanos) {
    return nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }

  /** Whole milliseconds, rounded up. */
  static long millis(long nanos) {
    return nanos / NANOS_PER_MILLI + (nanos % NANOS_PER_MILLI == 0 ? 0 : 1);
  }
}
