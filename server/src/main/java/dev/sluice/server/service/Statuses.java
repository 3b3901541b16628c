package dev.sluice.server.service;

import dev.sluice.Policy;
import dev.sluice.server.config.RateLimitRule;
import dev.sluice.server.config.Unit;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.settings.ServiceSettings.FailureMode;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.time.Duration;
import java.util.List;

/**
 * What a decided request answers, as envoyproxy/ratelimit answers it: one status per descriptor,
 * the overall code, the response headers, the dynamic metadata, and the per-rule stats.
 *
 * <p>A descriptor's status: OK with no limit when none applies; OK with 4294967295 remaining for
 * {@code unlimited}; else its limit ({@code current_limit}), what remains of it, and the time to
 * its reset. An envoy rule reports its own limit and unit, and theirs' reset: the end of the
 * unit's epoch-aligned window, in whole seconds rounded up. A Sluice rule reports its most
 * restrictive policy (the first over its limit, else the one with the least remaining): the
 * policy's limit, the unit whose length equals the policy's quota window (a token bucket's:
 * capacity over refill rate; UNKNOWN if no unit matches) and the time until the policy's state is
 * fully replenished. What remains is after the descriptor's hits if the request charged them, as
 * it is otherwise (a denied request charges nothing); 0 if over.
 *
 * <p>Stats follow their arithmetic, with "before" the count before the descriptor's hits: over
 * the limit, the hits beyond it count as over_limit and those between the near threshold
 * ({@code floor(limit × NEAR_LIMIT_RATIO)}) and the limit as near_limit; within it, all count as
 * within_limit and those past the near threshold as near_limit. A shadow-mode rule over its limit
 * also counts its over-limit hits as shadow_mode; a denial by the local cache counts all hits as
 * over_limit and over_limit_with_local_cache; a limit of 0 counts every hit as over_limit.
 */
final class Statuses {

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final RateLimitService.Options options;
  private final ServerMetrics metrics;

  Statuses(RateLimitService.Options options, ServerMetrics metrics) {
    this.options = options;
    this.metrics = metrics;
  }

  /**
   * Their overall code before {@code SHADOW_MODE}: OVER_LIMIT if a rate-limit descriptor is
   * OVER_LIMIT, or if there are quota descriptors and all of them are (with {@code QUOTA_MODE},
   * every descriptor but an unlimited one is a quota descriptor, one without a limit too).
   */
  Code overall(List<Item> items) {
    int failedRate = 0;
    int failedQuota = 0;
    int totalQuota = 0;
    for (Item it : items) {
      if (it.mode == Item.Mode.UNLIMITED) {
        continue;
      }
      boolean quota = options.globalQuotaMode() || it.rule != null && it.rule.quotaMode();
      if (it.rule != null && it.overLimitCode(options.failureMode())) {
        if (quota) {
          failedQuota++;
        } else {
          failedRate++;
        }
      }
      if (quota) {
        totalQuota++;
      }
    }
    return failedRate > 0 || totalQuota > 0 && totalQuota == failedQuota ? Code.OVER_LIMIT : Code.OK;
  }

  /** The response: statuses, headers, the overall code and dynamic metadata; counts the stats. */
  RateLimitResponse respond(RateLimitRequest request, List<Item> items, long nowWall) {
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
    DescriptorStatus headerStatus = null;
    long headerRemaining = MAX_UINT32;
    boolean[] passed = options.dynamicMetadata() ? new boolean[items.size()] : null;
    for (Item it : items) {
      DescriptorStatus s = status(it, nowWall);
      response.addStatuses(s);
      if (passed != null) {
        passed[it.index] = it.mode != Item.Mode.UNLIMITED && s.getCode() != Code.OVER_LIMIT;
      }
      if (!s.hasCurrentLimit()) {
        continue;
      }
      // theirs: the descriptor closest to its limit, unless one is over (the last such)
      long remaining = Integer.toUnsignedLong(s.getLimitRemaining());
      if (remaining < headerRemaining) {
        headerStatus = s;
        headerRemaining = remaining;
      }
      boolean quota = options.globalQuotaMode() || it.rule.quotaMode();
      if (s.getCode() == Code.OVER_LIMIT && !quota) {
        headerStatus = s;
        headerRemaining = 0;
      }
    }
    if (options.headersEnabled() && headerStatus != null) {
      response.addResponseHeadersToAdd(header(options.limitHeader(),
          Integer.toUnsignedString(headerStatus.getCurrentLimit().getRequestsPerUnit())));
      response.addResponseHeadersToAdd(header(options.remainingHeader(),
          Integer.toUnsignedString(headerStatus.getLimitRemaining())));
      response.addResponseHeadersToAdd(header(options.resetHeader(),
          Long.toString(headerStatus.getDurationUntilReset().getSeconds())));
    }
    Code overall = overall(items);
    if (overall == Code.OVER_LIMIT && options.globalShadowMode()) {
      overall = Code.OK;
      metrics.count("global_shadow_mode");
    }
    if (options.dynamicMetadata()) {
      response.setDynamicMetadata(DynamicMetadata.of(request, items, passed));
    }
    return response.setOverallCode(overall).build();
  }

  private DescriptorStatus status(Item it, long nowWall) {
    if (it.mode == Item.Mode.UNLIMITED) {
      return DescriptorStatus.newBuilder().setCode(Code.OK).setLimitRemaining((int) MAX_UINT32).build();
    }
    RateLimitRule rule = it.rule;
    if (rule == null) {
      return DescriptorStatus.newBuilder().setCode(Code.OK).build();
    }
    FailureMode failureMode = options.failureMode();
    boolean over = it.over(failureMode);
    boolean envoy = rule.policies().isEmpty();
    ServerMetrics.RuleStats stats = it.stats;
    long limit;
    long remaining;
    long resetNanos;
    Policy policy;
    if (it.zeroLimit()) {
      limit = 0;
      remaining = 0;
      resetNanos = envoyReset(rule.unit(), nowWall);
      policy = null;
      count(stats, over, 0, it.cost, 0);
      shadow(stats, it, over, 0, 0);
    } else if (it.cachedOver() || it.failed()) {
      Item.Link l = it.links.get(0);
      limit = l.limit();
      remaining = over ? 0 : limit;
      policy = l.slot().policy;
      resetNanos = envoy ? envoyReset(rule.unit(), nowWall) : 0;
      if (it.cachedOver()) {
        stats.overLimit(it.cost);
        stats.overLimitWithLocalCache(it.cost);
        shadow(stats, it, true, Long.MAX_VALUE, 0);
      }
    } else {
      Item.Link l = it.reported();
      limit = l.limit();
      remaining = l.remaining(it.cost);
      policy = l.slot().policy;
      resetNanos = envoy ? envoyReset(rule.unit(), nowWall) : l.slot().decision.resetAfterNanos();
      long before = l.before(it.cost);
      count(stats, over, before, it.cost, limit);
      shadow(stats, it, over, before, limit);
    }
    RateLimitResponse.RateLimit.Builder current = RateLimitResponse.RateLimit.newBuilder().setName(rule.name())
        .setRequestsPerUnit((int) Math.min(limit, MAX_UINT32))
        .setUnit(envoy ? unit(rule.unit()) : unitOf(policy));
    return DescriptorStatus.newBuilder()
        .setCode(over && !rule.shadowMode() ? Code.OVER_LIMIT : Code.OK)
        .setCurrentLimit(current)
        .setLimitRemaining((int) Math.min(remaining, MAX_UINT32))
        .setDurationUntilReset(com.google.protobuf.Duration.newBuilder().setSeconds(ceilSeconds(resetNanos)))
        .build();
  }

  /** Their near/over/within arithmetic for {@code hits} on a count of {@code before} under {@code limit}. */
  private void count(ServerMetrics.RuleStats stats, boolean over, long before, long hits, long limit) {
    long after = Item.satAdd(before, hits);
    long ppm = options.nearLimitRatioPpm();
    long near = limit / 1_000_000 * ppm + limit % 1_000_000 * ppm / 1_000_000; // floor(limit × ratio), exact
    if (over) {
      if (before >= limit) {
        stats.overLimit(hits);
      } else {
        stats.overLimit(after - limit);
        stats.nearLimit(limit - Math.max(near, before));
      }
    } else {
      if (after > near) {
        stats.nearLimit(before >= near ? hits : after - near);
      }
      stats.withinLimit(hits);
    }
  }

  /** Their shadow-mode count: the hits over the limit of a shadow rule that is over it. */
  private static void shadow(ServerMetrics.RuleStats stats, Item it, boolean over, long before, long limit) {
    if (over && it.rule.shadowMode()) {
      stats.shadowMode(before >= limit ? it.cost : Item.satAdd(before, it.cost) - limit);
    }
  }

  /** Their {@code CalculateReset}: the time to the end of the unit's epoch-aligned window. */
  private static long envoyReset(Unit unit, long nowWall) {
    long len = unit.seconds() * NANOS_PER_SECOND;
    return len - Math.floorMod(nowWall, len);
  }

  private static long ceilSeconds(long nanos) {
    return nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }

  private static final RateLimitResponse.RateLimit.Unit[] UNITS = new RateLimitResponse.RateLimit.Unit[Unit.values().length];

  static {
    for (Unit u : Unit.values()) {
      UNITS[u.ordinal()] = RateLimitResponse.RateLimit.Unit.valueOf(u.name());
    }
  }

  private static RateLimitResponse.RateLimit.Unit unit(Unit u) {
    return UNITS[u.ordinal()];
  }

  /** The unit whose length is the policy's quota window, or UNKNOWN. */
  private static RateLimitResponse.RateLimit.Unit unitOf(Policy p) {
    Duration window = p.quotaWindow();
    for (Unit u : Unit.values()) {
      if (window.equals(Duration.ofSeconds(u.seconds()))) {
        return unit(u);
      }
    }
    return RateLimitResponse.RateLimit.Unit.UNKNOWN;
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }
}
