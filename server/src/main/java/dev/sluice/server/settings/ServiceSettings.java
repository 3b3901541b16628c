package dev.sluice.server.settings;

import java.util.Objects;

/**
 * How the rate limit service answers.
 *
 * @param cacheKeyPrefix {@code CACHE_KEY_PREFIX}, default empty: prepended to every store key, at
 *     most {@value Settings#MAX_KEY_PREFIX} characters
 * @param shadowMode {@code SHADOW_MODE}, default false: always answer OK, count and report as usual
 * @param quotaMode {@code QUOTA_MODE}, default false: every rule in quota mode
 * @param nearLimitRatio {@code NEAR_LIMIT_RATIO}, default 0.8, 0 to 1: the near_limit metric's
 *     threshold, a Go float32 as theirs (so {@code 0.8} is {@code 0.8f})
 * @param responseHeadersEnabled {@code LIMIT_RESPONSE_HEADERS_ENABLED}, default false
 * @param limitHeader {@code LIMIT_LIMIT_HEADER}, default {@code RateLimit-Limit}
 * @param remainingHeader {@code LIMIT_REMAINING_HEADER}, default {@code RateLimit-Remaining}
 * @param resetHeader {@code LIMIT_RESET_HEADER}, default {@code RateLimit-Reset}
 * @param localCacheSizeInBytes {@code LOCAL_CACHE_SIZE_IN_BYTES}, default 0 (off): bytes of
 *     exhausted keys remembered so that their requests skip the store
 * @param failureMode {@code FAILURE_MODE} (Sluice's own), default {@code unavailable}
 * @param responseDynamicMetadata {@code RESPONSE_DYNAMIC_METADATA}, default false
 * @param healthyWithAtLeastOneConfigLoaded {@code HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED}, default
 *     false: unhealthy until a config with at least one domain has loaded
 */
public record ServiceSettings(String cacheKeyPrefix, boolean shadowMode, boolean quotaMode, float nearLimitRatio,
    boolean responseHeadersEnabled, String limitHeader, String remainingHeader, String resetHeader,
    long localCacheSizeInBytes, FailureMode failureMode, boolean responseDynamicMetadata,
    boolean healthyWithAtLeastOneConfigLoaded) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public ServiceSettings {
    Objects.requireNonNull(cacheKeyPrefix, "cacheKeyPrefix");
    Objects.requireNonNull(limitHeader, "limitHeader");
    Objects.requireNonNull(remainingHeader, "remainingHeader");
    Objects.requireNonNull(resetHeader, "resetHeader");
    Objects.requireNonNull(failureMode, "failureMode");
  }

  /** What a store failure answers: {@code FAILURE_MODE}, Sluice's own variable. */
  public enum FailureMode {
    /** {@code unavailable}, the default: gRPC UNAVAILABLE (HTTP 503), so Envoy's {@code failure_mode_deny} decides. */
    UNAVAILABLE,
    /** {@code open}: answer OK. */
    OPEN,
    /** {@code closed}: answer OVER_LIMIT. */
    CLOSED
  }
}
