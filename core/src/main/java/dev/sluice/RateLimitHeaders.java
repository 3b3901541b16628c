package dev.sluice;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The HTTP response fields of one or more decisions, written once for every HTTP layer: the IETF
 * draft's {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers),
 * {@code Retry-After}, and the legacy {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining} and
 * {@code X-RateLimit-Reset}.
 *
 * <pre>{@code
 * Decision d = limiter.tryAcquire(clientId, 1);
 * RateLimitHeaders.of(d).forEach(response::setHeader);
 * // RateLimit-Policy: "api";q=100;w=60
 * // RateLimit: "api";r=0;t=42
 * // Retry-After: 3          (a denial only)
 * // X-RateLimit-Limit: 100, X-RateLimit-Remaining: 0, X-RateLimit-Reset: 42
 * }</pre>
 *
 * <ul>
 *   <li>{@code RateLimit-Policy}: per decision, {@code "<name>";q=<limit>} and, where the policy
 *       has a time window ({@link Policy#quotaWindow()}), {@code ;w=<seconds>}: the window of a
 *       fixed window, log, counter or budget, the time a token bucket takes to refill from empty
 *       (rounded up); a concurrency limit has none.
 *   <li>{@code RateLimit}: per decision, {@code "<name>";r=<remaining>;t=<seconds>}, {@code t}
 *       being {@link Decision#resetAfter()} rounded up to whole seconds.
 *   <li>{@code Retry-After}: for a denial, its {@link Decision#retryAfter()} in whole seconds,
 *       rounded up (never early); the longest of several denials. None for an admission, and none
 *       for a request that can never be admitted ({@link Decision.Reason#COST_EXCEEDS_LIMIT}):
 *       waiting does not help it.
 *   <li>{@code X-RateLimit-*}: of the decision that limits most (a denial, else the least
 *       remaining); {@code Reset} is seconds from now, as {@code t}.
 * </ul>
 *
 * <p>A decision answered by a failure choice ({@link Decision.Reason#FAILED_OPEN},
 * {@link Decision.Reason#STORE_UNAVAILABLE}: the store could not decide) counted nothing, so it
 * states its policy but no {@code RateLimit} item and no {@code X-RateLimit-Remaining} or
 * {@code X-RateLimit-Reset}: the headers never claim a remaining quota nobody counted. A
 * local-share fallback did count, and is stated like a store's decision.
 *
 * <p>Policy names are written as structured-field strings: {@code "} and {@code \} are escaped
 * with {@code \}, and every character outside printable ASCII, and {@code %}, as {@code %XX} of
 * its UTF-8 bytes, so that a name never breaks or injects a header and two names never read the
 * same.
 */
public final class RateLimitHeaders {

  /** The IETF draft's field naming each policy. */
  public static final String RATELIMIT_POLICY = "RateLimit-Policy";
  /** The IETF draft's field with each policy's remaining quota. */
  public static final String RATELIMIT = "RateLimit";
  /** Whole seconds to wait before retrying a denial. */
  public static final String RETRY_AFTER = "Retry-After";
  /** The legacy field with the limit of the decision that limits most. */
  public static final String X_RATELIMIT_LIMIT = "X-RateLimit-Limit";
  /** The legacy field with the remaining quota of the decision that limits most. */
  public static final String X_RATELIMIT_REMAINING = "X-RateLimit-Remaining";
  /** The legacy field with the seconds until that decision's key is fully replenished. */
  public static final String X_RATELIMIT_RESET = "X-RateLimit-Reset";

  private static final long SECOND = 1_000_000_000L;

  /** Name, value, name, value, ... in order: no map is built unless {@link #asMap()} asks. */
  private final String[] fields;
  private final int size;
  /** {@link #asMap()}, made on its first call (a race makes two equal maps: harmless). */
  private Map<String, String> map;

  private RateLimitHeaders(String[] fields, int size) {
    this.fields = fields;
    this.size = size;
  }

  /**
   * The fields of one decision.
   *
   * @param decision the decision; not null
   * @return the fields
   * @throws IllegalArgumentException if {@code decision} is null
   */
  public static RateLimitHeaders of(Decision decision) {
    Checks.notNull("decision", decision);
    return of(List.of(decision));
  }

  /**
   * The fields of several decisions taken for one request (one per policy, e.g. the per-client
   * and the global limit): one list item per decision in each IETF field.
   *
   * @param decisions the decisions, in the order their items are written; at least one, no null
   * @return the fields
   * @throws IllegalArgumentException if {@code decisions} is null or empty, or holds a null
   */
  public static RateLimitHeaders of(List<Decision> decisions) {
    return fields(decisions, true, true);
  }

  /**
   * Only the IETF fields of {@link #of(List)}: {@code RateLimit-Policy}, {@code RateLimit} and
   * {@code Retry-After}, for a layer that sends no legacy fields (and need not build them).
   *
   * @param decisions the decisions, in the order their items are written; at least one, no null
   * @return the fields
   * @throws IllegalArgumentException if {@code decisions} is null or empty, or holds a null
   */
  public static RateLimitHeaders ietf(List<Decision> decisions) {
    return fields(decisions, true, false);
  }

  /**
   * Only {@code Retry-After} and the legacy fields of {@link #of(List)}: {@code X-RateLimit-Limit},
   * {@code X-RateLimit-Remaining} and {@code X-RateLimit-Reset}.
   *
   * @param decisions the decisions; at least one, no null
   * @return the fields
   * @throws IllegalArgumentException if {@code decisions} is null or empty, or holds a null
   */
  public static RateLimitHeaders legacy(List<Decision> decisions) {
    return fields(decisions, false, true);
  }

  private static RateLimitHeaders fields(List<Decision> decisions, boolean ietf, boolean legacy) {
    Checks.notNull("decisions", decisions);
    if (decisions.isEmpty()) {
      throw new IllegalArgumentException("decisions must not be empty");
    }
    StringBuilder policies = ietf ? new StringBuilder(48) : null;
    StringBuilder remaining = ietf ? new StringBuilder(48) : null;
    long retryAfter = -1;
    Decision tightest = null;
    for (int i = 0; i < decisions.size(); i++) {
      Decision d = decisions.get(i);
      if (d == null) {
        throw new IllegalArgumentException("decisions must not contain null");
      }
      if (ietf) {
        String name = name(d.policy().name());
        if (i > 0) {
          policies.append(", ");
        }
        policies.append(name).append(";q=").append(d.limit());
        long w = d.policy().quotaWindow().toNanos();
        if (w > 0) {
          policies.append(";w=").append(seconds(w));
        }
        if (counted(d)) {
          if (remaining.length() > 0) {
            remaining.append(", ");
          }
          remaining.append(name).append(";r=").append(d.remaining()).append(";t=")
              .append(seconds(d.resetAfterNanos()));
        }
      }
      if (!d.allowed() && d.retryAfterNanos() != Decision.NEVER && d.retryAfterNanos() > 0) {
        retryAfter = Math.max(retryAfter, seconds(d.retryAfterNanos()));
      }
      if (tightest == null || tighter(d, tightest)) {
        tightest = d;
      }
    }
    String[] fields = new String[12];
    int n = 0;
    if (ietf) {
      fields[n++] = RATELIMIT_POLICY;
      fields[n++] = policies.toString();
      if (remaining.length() > 0) {
        fields[n++] = RATELIMIT;
        fields[n++] = remaining.toString();
      }
    }
    if (retryAfter >= 0) {
      fields[n++] = RETRY_AFTER;
      fields[n++] = Long.toString(retryAfter);
    }
    if (legacy) {
      fields[n++] = X_RATELIMIT_LIMIT;
      fields[n++] = Long.toString(tightest.limit());
      if (counted(tightest)) {
        fields[n++] = X_RATELIMIT_REMAINING;
        fields[n++] = Long.toString(tightest.remaining());
        fields[n++] = X_RATELIMIT_RESET;
        fields[n++] = Long.toString(seconds(tightest.resetAfterNanos()));
      }
    }
    return new RateLimitHeaders(fields, n);
  }

  private static boolean tighter(Decision a, Decision b) {
    if (a.allowed() != b.allowed()) {
      return !a.allowed();
    }
    return counted(a) && (!counted(b) || a.remaining() < b.remaining());
  }

  /**
   * Whether {@code d} counted its cost somewhere: not a failure choice ({@code FAILED_OPEN},
   * {@code STORE_UNAVAILABLE}), whose remaining says nothing. A local share counted.
   */
  private static boolean counted(Decision d) {
    return d.reason() != Decision.Reason.FAILED_OPEN && d.reason() != Decision.Reason.STORE_UNAVAILABLE;
  }

  /**
   * {@return every field, in the order above, as an unmodifiable map; absent fields are left out}
   */
  public Map<String, String> asMap() {
    Map<String, String> m = map;
    if (m == null) {
      Map<String, String> built = new LinkedHashMap<>(16);
      for (int i = 0; i < size; i += 2) {
        built.put(fields[i], fields[i + 1]);
      }
      m = Collections.unmodifiableMap(built);
      map = m;
    }
    return m;
  }

  /**
   * Passes each field's name and value, e.g. to {@code response::setHeader}.
   *
   * @param header called once per field, in the order of {@link #asMap()}
   */
  public void forEach(BiConsumer<String, String> header) {
    for (int i = 0; i < size; i += 2) {
      header.accept(fields[i], fields[i + 1]);
    }
  }

  /**
   * The value of {@code name} (one of the constants here), or null if it is not set.
   *
   * @param name the field's name, spelled as the constant (case matters)
   * @return the value, or null
   */
  public String get(String name) {
    for (int i = 0; i < size; i += 2) {
      if (fields[i].equals(name)) {
        return fields[i + 1];
      }
    }
    return null;
  }

  /** Whole seconds, rounded up: a client that waits this long is never early. */
  static long seconds(long nanos) {
    return nanos / SECOND + (nanos % SECOND == 0 ? 0 : 1);
  }

  /** A policy name as a structured-field string, escaped as the class documents. */
  static String name(String name) {
    boolean plain = true;
    for (int i = 0; i < name.length() && plain; i++) {
      char c = name.charAt(i);
      plain = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' && c != '%';
    }
    if (plain) {
      return '"' + name + '"';
    }
    StringBuilder out = new StringBuilder(name.length() + 2).append('"');
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    for (byte b : utf8) {
      int c = b & 0xff;
      if (c == '"' || c == '\\') {
        out.append('\\').append((char) c);
      } else if (c < 0x20 || c > 0x7e || c == '%') {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      } else {
        out.append((char) c);
      }
    }
    return out.append('"').toString();
  }

  @Override
  public String toString() {
    return "RateLimitHeaders" + asMap();
  }
}
