package dev.sluice.server.config;

import dev.sluice.Policy;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The limit that applies to one request descriptor: what envoyproxy/ratelimit's {@code GetLimit}
 * returns ({@code config.RateLimit}), immutable.
 *
 * <p>An envoy rule counts {@code requestsPerUnit} per fixed {@code unit} window, aligned to the
 * epoch; {@code requestsPerUnit} 0 (written, or {@code requests_per_unit} left out, as theirs
 * reads it) puts every request over the limit. An unlimited rule ({@code unlimited: true})
 * admits everything and has no unit. A Sluice rule ({@code policy}/{@code policies} in the
 * file) has its {@link #policies()}, applied atomically together, and neither unit nor
 * {@code requestsPerUnit}.
 *
 * @param fullKey their {@code FullKey}, also their stats key: the domain and the matched path,
 *     e.g. {@code domain.key_value.key2}, as their lookup rewrites it for {@code detailed_metric},
 *     {@code value_to_metric} and {@code share_threshold}
 * @param requestsPerUnit requests admitted per unit, 0 to 2^32-1; 0 for a Sluice rule
 * @param unit the window; null if unlimited or for a Sluice rule
 * @param unlimited whether every request is admitted
 * @param name the rule's {@code name}, or empty
 * @param replaces the names of the rules this one replaces
 * @param shadowMode whether an over-limit answer is only counted, never given
 * @param quotaMode their quota mode: an over-limit answer is given only if no other descriptor
 *     of the request is over its limit
 * @param detailedMetric whether stats use the request's values ({@code detailed_metric})
 * @param shareThresholdPatterns per request entry, the wildcard value that replaces the entry's
 *     value in the counter key ({@code share_threshold}), or empty text; an empty list if no
 *     entry shares
 * @param policies Sluice policies, for a Sluice rule; empty for an envoy rule
 * @param metadata the descriptor's {@code metadata} as a protobuf Struct holds it (values
 *     null, {@link Boolean}, {@link Double}, {@link String}, {@code List<Object>},
 *     {@code Map<String, Object>}), deeply immutable; empty if none
 */
public record RateLimitRule(
    String fullKey,
    long requestsPerUnit,
    Unit unit,
    boolean unlimited,
    String name,
    List<String> replaces,
    boolean shadowMode,
    boolean quotaMode,
    boolean detailedMetric,
    List<String> shareThresholdPatterns,
    List<Policy> policies,
    Map<String, Object> metadata) {

  /**
   * A rule, checked; lists and metadata are copied (metadata deeply).
   *
   * @param fullKey the full key (stats key)
   * @param requestsPerUnit requests per unit, 0 to 2^32-1
   * @param unit the window; null exactly for an unlimited or a Sluice rule
   * @param unlimited whether every request is admitted
   * @param name the rule's name, or empty
   * @param replaces the names of the rules this one replaces
   * @param shadowMode whether an over-limit answer is only counted
   * @param quotaMode their quota mode
   * @param detailedMetric whether stats use the request's values
   * @param shareThresholdPatterns per entry, the shared wildcard value or empty text; or empty
   * @param policies Sluice policies, or empty
   * @param metadata the metadata, or empty
   * @throws NullPointerException if a component other than {@code unit} is null
   * @throws IllegalArgumentException if {@code requestsPerUnit} is out of range, an envoy rule
   *     that is not unlimited has no unit, or an unlimited or Sluice rule has one
   */
  public RateLimitRule {
    Objects.requireNonNull(fullKey, "fullKey");
    Objects.requireNonNull(name, "name");
    replaces = List.copyOf(replaces);
    shareThresholdPatterns = List.copyOf(shareThresholdPatterns);
    policies = List.copyOf(policies);
    metadata = Metadata.freeze(Objects.requireNonNull(metadata, "metadata"));
    if (requestsPerUnit < 0 || requestsPerUnit > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          "requestsPerUnit (" + requestsPerUnit + ") must be within [0, 4294967295]");
    }
    if (unit == null && !unlimited && policies.isEmpty()) {
      throw new IllegalArgumentException("a rule that is neither unlimited nor a Sluice rule needs a unit");
    }
    if (unit != null && (unlimited || !policies.isEmpty())) {
      throw new IllegalArgumentException("an unlimited or Sluice rule has no unit (was " + unit + ")");
    }
    if (unlimited && !policies.isEmpty()) {
      throw new IllegalArgumentException("a Sluice rule (policies " + policies + ") is not unlimited");
    }
  }

  RateLimitRule withFullKey(String key) {
    return new RateLimitRule(key, requestsPerUnit, unit, unlimited, name, replaces, shadowMode, quotaMode,
        detailedMetric, shareThresholdPatterns, policies, metadata);
  }

  RateLimitRule withLookup(String key, List<String> patterns, Map<String, Object> meta) {
    return new RateLimitRule(key, requestsPerUnit, unit, unlimited, name, replaces, shadowMode, quotaMode,
        detailedMetric, patterns, policies, meta);
  }
}
