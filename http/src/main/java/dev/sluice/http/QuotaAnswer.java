package dev.sluice.http;

import dev.sluice.Decision;
import dev.sluice.QuotaExceeded;
import dev.sluice.Policy;
import dev.sluice.Keys;
import dev.sluice.RateLimitHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP answer to a quota decision, written once for every HTTP layer (the Servlet filter, the
 * Spring adapters, the server's API): the status, the response headers and, for a refusal, an
 * RFC 9457 {@code application/problem+json} body naming the policy, the limit and when to retry.
 *
 * <ul>
 *   <li>An admission ({@link #admitted}): no status of its own (the application answers), the
 *       rate-limit headers of every decision in the chosen {@link HeaderStyle}, no
 *       {@code Retry-After}.
 *   <li>{@link Decision.Reason#LIMITED}: 429, {@code Retry-After} (whole seconds, rounded up:
 *       never early).
 *   <li>{@link Decision.Reason#COST_EXCEEDS_LIMIT}: 422 without {@code Retry-After}: waiting never
 *       helps.
 *   <li>{@link Decision.Reason#STORE_UNAVAILABLE} (the store could not decide and the policy fails
 *       closed) and {@link Decision.Reason#STORE_FULL}: 503 with {@code Retry-After} of at least 1.
 * </ul>
 *
 * <p>A decision that failed open ({@link Decision.Reason#FAILED_OPEN}) is an admission: the
 * operator chose it. The headers never claim a remaining quota nobody counted
 * ({@link RateLimitHeaders}).
 */
public final class QuotaAnswer {

  /** The problem+json media type. */
  public static final String PROBLEM_JSON = "application/problem+json";

  /** Where the problem types are explained, one heading per type; a type URI ends with its slug. */
  public static final String TYPES = "https://github.com/sluice-ratelimit/sluice/blob/main/docs/http-api.md#";

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** Which rate-limit headers a response carries ({@code Retry-After} is always on a refusal). */
  public enum HeaderStyle {
    /** The IETF draft's {@code RateLimit-Policy} and {@code RateLimit}. */
    IETF,
    /** The legacy {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset}. */
    LEGACY,
    /** Both. */
    BOTH,
    /** None. */
    NONE
  }

  /** The kind of refusal: its status, type slug and title. */
  public enum Refusal {
    /** A limit is reached: retry later. */
    LIMIT_EXCEEDED(429, "limit-exceeded", "Limit exceeded"),
    /** The cost is more than the limit: never admitted. */
    COST_EXCEEDS_LIMIT(422, "cost-exceeds-limit", "Cost exceeds the limit"),
    /** The store could not decide, and the policy fails closed. */
    STORE_UNAVAILABLE(503, "store-unavailable", "Store unavailable"),
    /** The in-memory store holds as many keys as it may. */
    STORE_FULL(503, "store-full", "Store full");

    private final int status;
    private final String slug;
    private final String title;

    Refusal(int status, String slug, String title) {
      this.status = status;
      this.slug = slug;
      this.title = title;
    }

    /**
     * The HTTP status.
     *
     * @return the HTTP status
     */
    public int status() {
      return status;
    }

    /**
     * The end of the type URI, e.g. {@code limit-exceeded}.
     *
     * @return the end of the type URI, e.g. {@code limit-exceeded}
     */
    public String slug() {
      return slug;
    }

    /**
     * The problem's title.
     *
     * @return the problem's title
     */
    public String title() {
      return title;
    }
  }

  private final Refusal refusal;
  private final String detail;
  private final Map<String, Object> members;
  /** The headers; null when {@link #fields} are the headers as they are. */
  private final Map<String, String> headers;
  /** An admission's rate-limit fields, sent as they are (no map is built per request); or null. */
  private final RateLimitHeaders fields;

  private QuotaAnswer(Refusal refusal, String detail, Map<String, Object> members, Map<String, String> headers,
      RateLimitHeaders fields) {
    this.refusal = refusal;
    this.detail = detail;
    this.members = members;
    this.headers = headers;
    this.fields = fields;
  }

  /**
   * The answer to an admission: the headers of {@code decisions}, without {@code Retry-After}.
   *
   * @param decisions every policy's decision
   * @param style which headers
   * @return the answer; {@link #refused()} is false
   */
  public static QuotaAnswer admitted(List<Decision> decisions, HeaderStyle style) {
    RateLimitHeaders f = fields(decisions, style);
    if (f != null && f.get(RateLimitHeaders.RETRY_AFTER) == null) {
      return new QuotaAnswer(null, null, Map.of(), null, f);
    }
    return new QuotaAnswer(null, null, Map.of(), headers(decisions, style, null), null);
  }

  /**
   * The answer to a refusal.
   *
   * @param deciding the decision that refused: not allowed, and one of LIMITED,
   *     COST_EXCEEDS_LIMIT, STORE_UNAVAILABLE, STORE_FULL
   * @param policy the deciding policy's name as the caller knows it
   * @param key the key it was decided for, shown in the detail and as {@code key}; null to show
   *     none (a client's address need not be echoed)
   * @param asked what was asked, for the detail, e.g. "a cost of 3", "1 request"
   * @param all every policy's decision, for the headers (the deciding one among them)
   * @param style which rate-limit headers
   * @return the answer
   * @throws IllegalArgumentException if {@code deciding} is not a refusal of those kinds
   */
  public static QuotaAnswer refused(Decision deciding, String policy, String key, String asked, List<Decision> all,
      HeaderStyle style) {
    Objects.requireNonNull(deciding, "deciding");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(asked, "asked");
    Decision d = deciding;
    String named = "policy '" + Keys.printable(policy) + "'";
    String theKey = key == null ? "the key" : "key '" + Keys.printable(key) + "'";
    String forKey = key == null ? "" : " for " + theKey;
    // a store that cannot decide (or is full) asks for at least a second: the same in the header,
    // the detail and the body
    long retrySeconds = d.reason() == Decision.Reason.LIMITED ? seconds(d.retryAfterNanos())
        : Math.max(1, seconds(d.retryAfterNanos()));
    String retry = "retry after " + retrySeconds + " s";
    Refusal refusal;
    String detail;
    switch (d.reason()) {
      case LIMITED -> {
        refusal = Refusal.LIMIT_EXCEEDED;
        detail = named + " denied " + (key == null ? "" : theKey + " ") + asked + ": " + d.used() + " of its limit of "
            + d.limit() + " in use, " + d.remaining() + " remaining; " + retry;
      }
      case COST_EXCEEDS_LIMIT -> {
        refusal = Refusal.COST_EXCEEDS_LIMIT;
        detail = named + " can never admit " + asked + forKey + ": that is more than its limit of " + d.limit()
            + "; nothing was charged";
      }
      case STORE_FULL -> {
        refusal = Refusal.STORE_FULL;
        detail = "the store holds as many keys as it may, and " + theKey + " is new to " + named
            + "; nothing was charged; " + retry;
      }
      case STORE_UNAVAILABLE -> {
        refusal = Refusal.STORE_UNAVAILABLE;
        detail = "the store could not decide on " + asked + forKey + " of " + named + "; nothing was charged; "
            + retry;
      }
      default -> throw new IllegalArgumentException("not a refusal: " + d);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", policy);
    if (key != null) {
      m.put("key", Keys.printable(key));
    }
    m.put("limit", d.limit());
    m.put("used", d.used());
    m.put("remaining", d.remaining());
    m.put("retryAfterSeconds", d.retryAfterNanos() == Decision.NEVER ? null : retrySeconds);
    String retryAfter = null;
    if (d.reason() != Decision.Reason.COST_EXCEEDS_LIMIT) {
      // the deciding denial has the longest wait of all: its seconds are the header's
      retryAfter = Long.toString(retrySeconds);
    }
    return new QuotaAnswer(refusal, detail, Collections.unmodifiableMap(m), headers(all, style, retryAfter), null);
  }

  /**
   * The answer to a denial that carries no decision, only a {@link QuotaExceeded} (a lease, a
   * budget, a method limit that threw {@link dev.sluice.QuotaExceededException}): no wait helps
   * ({@code retryAfter} never) is {@code COST_EXCEEDS_LIMIT} (422); usage at the limit
   * {@code LIMITED} (429 with {@code Retry-After}); usage below it a store that could not decide
   * ({@code STORE_UNAVAILABLE}, 503: a {@link QuotaExceeded} does not tell a full in-memory store
   * from an unavailable one).
   *
   * @param policy the policy that refused, as configured
   * @param denial what the refusal said
   * @param asked what was asked, for the detail, e.g. "1 request"
   * @param style which rate-limit headers
   * @return the answer
   */
  public static QuotaAnswer refused(Policy policy, QuotaExceeded denial, String asked, HeaderStyle style) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(denial, "denial");
    Decision d;
    if (denial.retryAfterNanos() == Decision.NEVER) {
      d = Decision.of(policy, Decision.Reason.COST_EXCEEDS_LIMIT, denial.current(),
          Math.max(0, denial.limit() - Math.min(denial.current(), denial.limit())), Decision.NEVER, 0);
    } else if (denial.current() >= denial.limit()) {
      d = Decision.of(policy, Decision.Reason.LIMITED, denial.current(), 0, denial.retryAfterNanos(),
          denial.retryAfterNanos());
    } else {
      d = Decision.storeUnavailable(policy, denial.retryAfterNanos());
    }
    return refused(d, policy.name(), null, asked, List.of(d), style);
  }

  /** The rate-limit fields of {@code style}; null for none. */
  private static RateLimitHeaders fields(List<Decision> decisions, HeaderStyle style) {
    if (style == HeaderStyle.NONE || decisions.isEmpty()) {
      return null;
    }
    return switch (style) {
      case IETF -> RateLimitHeaders.ietf(decisions);
      case LEGACY -> RateLimitHeaders.legacy(decisions);
      default -> RateLimitHeaders.of(decisions);
    };
  }

  private static Map<String, String> headers(List<Decision> decisions, HeaderStyle style, String retryAfter) {
    RateLimitHeaders fields = fields(decisions, style);
    if (fields == null && retryAfter == null) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>(8);
    if (fields != null) {
      // Retry-After is this answer's own (the refusal's), after the rate-limit fields
      fields.forEach((name, value) -> {
        if (!name.equals(RateLimitHeaders.RETRY_AFTER)) {
          out.put(name, value);
        }
      });
    }
    if (retryAfter != null) {
      out.put(RateLimitHeaders.RETRY_AFTER, retryAfter);
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Whether this is a refusal (else an admission: the application answers).
   *
   * @return whether this is a refusal (else an admission: the application answers)
   */
  public boolean refused() {
    return refusal != null;
  }

  /**
   * The refusal's kind; null for an admission.
   *
   * @return the refusal's kind; null for an admission
   */
  public Refusal refusal() {
    return refusal;
  }

  /**
   * The HTTP status of a refusal; 200 for an admission.
   *
   * @return the HTTP status of a refusal; 200 for an admission
   */
  public int status() {
    return refusal == null ? 200 : refusal.status();
  }

  /**
   * The problem's {@code detail}: one sentence saying what was denied and why; null for an admission.
   *
   * @return the problem's {@code detail}: one sentence saying what was denied and why; null for an admission
   */
  public String detail() {
    return detail;
  }

  /**
   * The problem's members after {@code type}, {@code title}, {@code status} and {@code detail}:
   * {@code policy}, {@code key} (if shown), {@code limit}, {@code used}, {@code remaining},
   * {@code retryAfterSeconds} (null when waiting never helps).
   *
   * @return the members, in order; empty for an admission
   */
  public Map<String, Object> members() {
    return members;
  }

  /**
   * The response headers, in order: the rate-limit headers of the style, then {@code Retry-After}.
   *
   * @return the response headers, in order: the rate-limit headers of the style, then {@code Retry-After}
   */
  public Map<String, String> headers() {
    return fields != null ? fields.asMap() : headers;
  }

  /**
   * Passes each of {@link #headers()} in order, without building a map: the way to set them on
   * a response, e.g. {@code answer.forEachHeader(response::setHeader)}.
   *
   * @param header called once per header
   */
  public void forEachHeader(java.util.function.BiConsumer<String, String> header) {
    if (fields != null) {
      fields.forEach(header);
    } else {
      headers.forEach(header);
    }
  }

  /**
   * The problem's {@code type} URI; null for an admission.
   *
   * @return the problem's {@code type} URI; null for an admission
   */
  public String type() {
    return refusal == null ? null : TYPES + refusal.slug();
  }

  /**
   * The RFC 9457 body of a refusal, UTF-8 JSON: {@code type}, {@code title}, {@code status},
   * {@code detail}, then {@link #members()}.
   *
   * @return the body
   * @throws IllegalStateException for an admission, which has none
   */
  public byte[] body() {
    if (refusal == null) {
      throw new IllegalStateException("an admission has no problem body");
    }
    StringBuilder b = new StringBuilder(256).append('{');
    member(b, "type", type());
    member(b.append(','), "title", refusal.title());
    member(b.append(','), "status", refusal.status());
    member(b.append(','), "detail", detail);
    for (Map.Entry<String, Object> e : members.entrySet()) {
      member(b.append(','), e.getKey(), e.getValue());
    }
    return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void member(StringBuilder b, String name, Object value) {
    string(b, name);
    b.append(':');
    if (value == null) {
      b.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      b.append(value);
    } else {
      string(b, value.toString());
    }
  }

  /** A JSON string: {@code "} and {@code \} escaped, control characters and U+2028/9 as {@code \}u. */
  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }

  /** Whole seconds, rounded up, as {@code Retry-After} says them: never early. */
  static long seconds(long nanos) {
    return nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }

  @Override
  public String toString() {
    return refusal == null ? "QuotaAnswer[admitted, " + headers() + "]"
        : "QuotaAnswer[" + refusal.status() + " " + refusal.slug() + ": " + detail + "]";
  }
}
