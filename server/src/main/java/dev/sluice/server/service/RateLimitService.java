package dev.sluice.server.service;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.Window;
import dev.sluice.server.Decider;
import dev.sluice.server.RequestException;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.config.RateLimitRule;
import dev.sluice.server.config.Unit;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.settings.ServiceSettings.FailureMode;
import dev.sluice.spi.Command;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * {@code ShouldRateLimit} on Sluice: envoyproxy/ratelimit's semantics (descriptor lookup,
 * {@code hits_addend}, request {@code limit} overrides, {@code unlimited}, {@code replaces},
 * shadow and quota mode, statuses, response headers, local over-limit cache, stats) decided by
 * Sluice's exact algorithms on a {@link Store}.
 *
 * <p>Where Sluice decides differently from theirs (docs/server.md, "Differences"): a request's
 * enforcing descriptors are charged <em>all or nothing</em> (theirs increments every descriptor,
 * the denied ones too), so a denied request consumes nothing; descriptor keys are escaped instead
 * of joined with {@code _}; an invalid request is an {@code INVALID_ARGUMENT}.
 *
 * <p>How one request is decided: every descriptor is looked up; those with a rule that is neither
 * in shadow nor in quota mode are <em>enforcing</em> and charged in one atomic call (a single
 * store call when there is one; {@link Store#applyAll} for several); shadow- and quota-mode
 * descriptors are then charged one by one, each on its own (only when the enforcing ones were
 * admitted; otherwise they are only peeked at, so that a denied request charges nothing). The
 * per-descriptor statuses of a multi-descriptor call come from peeks after the atomic call: a
 * report, not a second decision.
 */
public final class RateLimitService implements Decider {

  /**
   * The service's settings.
   *
   * @param keyPrefix {@code CACHE_KEY_PREFIX}: prepended to every store key, at most 256 characters
   * @param globalShadowMode {@code SHADOW_MODE}: always answer OK, count as usual
   * @param globalQuotaMode treat every rule as in quota mode
   * @param nearLimitRatioPpm {@code NEAR_LIMIT_RATIO} in millionths (0.8 is 800,000)
   * @param headersEnabled {@code LIMIT_RESPONSE_HEADERS_ENABLED}
   * @param limitHeader the limit header's name
   * @param remainingHeader the remaining header's name
   * @param resetHeader the reset header's name
   * @param localCacheBytes {@code LOCAL_CACHE_SIZE_IN_BYTES}; 0 turns the cache off
   * @param failureMode what a store failure answers ({@code FAILURE_MODE}): UNAVAILABLE (gRPC
   *     UNAVAILABLE, HTTP 503, so that Envoy's {@code failure_mode_deny} decides), OPEN (OK, nothing
   *     counted) or CLOSED (OVER_LIMIT)
   * @param maxValueLength the longest domain, descriptor key or value accepted, in characters
   * @param maxDescriptors the most descriptors in one request
   * @param maxEntries the most entries in one descriptor
   */
  public record Options(
      String keyPrefix, boolean globalShadowMode, boolean globalQuotaMode, long nearLimitRatioPpm,
      boolean headersEnabled, String limitHeader, String remainingHeader, String resetHeader,
      long localCacheBytes, FailureMode failureMode, int maxValueLength, int maxDescriptors, int maxEntries) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException naming the component and its value
     */
    public Options {
      if (keyPrefix == null || keyPrefix.length() > 256) {
        throw new IllegalArgumentException("CACHE_KEY_PREFIX must be at most 256 characters (was "
            + (keyPrefix == null ? "null" : keyPrefix.length()) + ")");
      }
      if (nearLimitRatioPpm < 0 || nearLimitRatioPpm > 1_000_000) {
        throw new IllegalArgumentException("NEAR_LIMIT_RATIO (" + nearLimitRatioPpm / 1e6 + ") must be 0 to 1");
      }
      if (localCacheBytes < 0) {
        throw new IllegalArgumentException("LOCAL_CACHE_SIZE_IN_BYTES (" + localCacheBytes + ") must not be negative");
      }
      if (failureMode == null) {
        throw new IllegalArgumentException("failureMode must not be null");
      }
      if (maxValueLength < 1 || maxDescriptors < 1 || maxEntries < 1) {
        throw new IllegalArgumentException("maxValueLength (" + maxValueLength + "), maxDescriptors (" + maxDescriptors
            + ") and maxEntries (" + maxEntries + ") must be positive");
      }
    }

    /** envoyproxy/ratelimit's defaults, Sluice's bounds on input. */
    public static Options defaults() {
      return new Options("", false, false, 800_000, false, "RateLimit-Limit", "RateLimit-Remaining",
          "RateLimit-Reset", 0, FailureMode.UNAVAILABLE, 1024, 64, 64);
    }
  }

  private static final long MAX_UINT32 = 0xFFFF_FFFFL;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final int MAX_CACHED_POLICIES = 10_000;

  private final Supplier<RateLimitConfig> config;
  private final Store store;
  private final Store perSecondStore;
  private final Clock clock;
  private final ServerMetrics metrics;
  private final Options options;
  private final java.util.function.ToIntBiFunction<Store, String> slotOf;
  private final OverLimitCache localCache;
  private final ConcurrentHashMap<Long, FixedWindow> windows = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Policy, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * A service.
   *
   * @param config the config now (read once per request: a reload swaps it atomically)
   * @param store the store
   * @param perSecondStore the store of per-second limits ({@code REDIS_PERSECOND}), or null
   * @param clock the clock: wall time for envoy windows' reset times
   * @param metrics the meters
   * @param options the settings
   * @param slotOf the Redis Cluster hash slot of a key in a store on a cluster, -1 for a store that
   *     can charge any keys together; null when no store is on a cluster
   */
  public RateLimitService(Supplier<RateLimitConfig> config, Store store, Store perSecondStore, Clock clock,
      ServerMetrics metrics, Options options, java.util.function.ToIntBiFunction<Store, String> slotOf) {
    this.config = config;
    this.store = store;
    this.perSecondStore = perSecondStore;
    this.clock = clock;
    this.metrics = metrics;
    this.options = options;
    this.slotOf = slotOf;
    this.localCache = options.localCacheBytes() > 0 ? new OverLimitCache(options.localCacheBytes()) : null;
  }

  /** One (descriptor, policy) pair to charge. */
  private static final class Unit2 {
    final int descriptor;
    final Policy policy;
    final Partition partition;
    final Store store;
    final String key;
    final long cost;
    final boolean envoyWindow;
    Decision decision;
    boolean charged;
    boolean cachedOver;

    Unit2(int descriptor, Policy policy, Partition partition, Store store, String key, long cost, boolean envoyWindow) {
      this.descriptor = descriptor;
      this.policy = policy;
      this.partition = partition;
      this.store = store;
      this.key = key;
      this.cost = cost;
      this.envoyWindow = envoyWindow;
    }

    String cacheKey() {
      return policy.name() + '\u0000' + key;
    }
  }

  @Override
  public RateLimitResponse shouldRateLimit(RateLimitRequest request) throws RequestException {
    long start = System.nanoTime();
    try {
      return decide(request);
    } catch (RequestException e) {
      metrics.count(e.kind() == RequestException.Kind.INVALID_ARGUMENT ? "error.invalid_argument" : "error.store");
      throw e;
    } finally {
      metrics.request(System.nanoTime() - start);
    }
  }

  private RateLimitResponse decide(RateLimitRequest request) throws RequestException {
    Requests.Checked req = Requests.check(request, options.maxValueLength(), options.maxDescriptors(), options.maxEntries());
    RateLimitConfig cfg = config.get();
    int n = req.descriptors().size();
    RateLimitRule[] rules = new RateLimitRule[n];
    boolean[] unlimited = new boolean[n];
    Set<String> replacing = new HashSet<>();
    boolean knownDomain = cfg.domains().contains(req.domain());
    if (!knownDomain) {
      metrics.unknownDomain(req.domain());
    }
    for (int i = 0; i < n; i++) {
      Requests.Descriptor d = req.descriptors().get(i);
      RateLimitRule rule;
      if (d.overrideUnit() != null) {
        rule = knownDomain ? cfg.override(req.domain(), d.entries(), d.overrideRequestsPerUnit(), d.overrideUnit()) : null;
      } else {
        rule = knownDomain ? cfg.lookup(req.domain(), d.entries()) : null;
      }
      if (rule != null) {
        replacing.addAll(rule.replaces());
        if (rule.unlimited()) {
          unlimited[i] = true;
          rule = null;
        }
      }
      rules[i] = rule;
    }
    for (int i = 0; i < n; i++) {
      if (rules[i] != null && !rules[i].name().isEmpty() && replacing.contains(rules[i].name())) {
        rules[i] = null;
      }
    }

    long nowWall = clock.wallNanos();
    List<Unit2> enforcing = new ArrayList<>();
    List<Unit2> soft = new ArrayList<>();
    boolean[] zeroLimit = new boolean[n];
    for (int i = 0; i < n; i++) {
      RateLimitRule rule = rules[i];
      if (rule == null) {
        continue;
      }
      long cost = req.descriptors().get(i).hits();
      metrics.rule(rule.fullKey()).totalHits(cost);
      boolean isSoft = rule.shadowMode() || rule.quotaMode() || options.globalQuotaMode();
      String key = StoreKeys.of(options.keyPrefix(), req.domain(), req.descriptors().get(i).entries(),
          rule.shareThresholdPatterns());
      if (rule.policies().isEmpty()) {
        if (rule.requestsPerUnit() == 0) {
          zeroLimit[i] = true; // theirs: every hit is over a limit of 0; nothing to count
          continue;
        }
        FixedWindow w = window(rule.unit(), rule.requestsPerUnit());
        Store s = rule.unit() == Unit.SECOND && perSecondStore != null ? perSecondStore : store;
        (isSoft ? soft : enforcing).add(new Unit2(i, w, partition(s, w), s, key, cost, true));
      } else {
        for (Policy p : rule.policies()) {
          (isSoft ? soft : enforcing).add(new Unit2(i, p, partition(store, p), store, key, cost, false));
        }
      }
    }

    boolean enforcedOk = applyAtomically(enforcing, nowWall);
    for (Unit2 u : soft) {
      if (enforcedOk) {
        applyAtomically(List.of(u), nowWall);
      } else {
        u.decision = call(u, Command.peek(u.cost));
      }
    }
    return respond(req, rules, unlimited, zeroLimit, enforcing, soft, nowWall);
  }

  /** Charges {@code units} all or nothing; fills each unit's decision; true if admitted. */
  private boolean applyAtomically(List<Unit2> units, long nowWall) {
    if (units.isEmpty()) {
      return true;
    }
    boolean cachedDeny = false;
    if (localCache != null) {
      for (Unit2 u : units) {
        if (u.envoyWindow && u.cost > 0 && localCache.exhausted(u.cacheKey(), nowWall)) {
          u.cachedOver = true;
          cachedDeny = true;
        }
      }
    }
    if (cachedDeny) {
      for (Unit2 u : units) {
        if (!u.cachedOver) {
          u.decision = call(u, Command.peek(u.cost));
        }
      }
      return false;
    }
    if (units.size() == 1) {
      Unit2 u = units.get(0);
      u.decision = call(u, Command.acquire(u.cost));
      u.charged = u.decision.allowed() && u.decision.storeDecided();
      remember(u, nowWall);
      return u.decision.allowed();
    }
    // one atomic call per group of keys that one store can charge together: a store, and on a
    // Redis Cluster one hash slot. Several groups are charged one after another, and when a later
    // group denies, what the earlier ones charged is given back: a denied request consumes nothing
    // in the end, and nothing is ever admitted beyond a limit (in between, another request may be
    // denied by a charge that is then refunded).
    java.util.LinkedHashMap<Object, List<Unit2>> groups = new java.util.LinkedHashMap<>();
    for (Unit2 u : units) {
      Object group = slotOf == null ? -1 : slotOf.applyAsInt(u.store, u.key);
      groups.computeIfAbsent(java.util.List.of(u.store, group), g -> new ArrayList<>()).add(u);
    }
    List<List<Unit2>> done = new ArrayList<>(groups.size());
    for (List<Unit2> group : groups.values()) {
      if (!applyAll(group, nowWall)) {
        for (List<Unit2> earlier : done) {
          for (Unit2 u : earlier) {
            if (u.charged && u.cost > 0) {
              call(u, Command.refund(u.cost));
            }
            u.decision = call(u, Command.peek(u.cost));
            u.charged = false;
          }
        }
        for (List<Unit2> later : groups.values()) {
          if (later != group && !done.contains(later)) {
            for (Unit2 u : later) {
              u.decision = call(u, Command.peek(u.cost));
            }
          }
        }
        return false;
      }
      done.add(group);
    }
    return true;
  }

  private boolean applyAll(List<Unit2> units, long nowWall) {
    if (units.size() == 1) {
      Unit2 u = units.get(0);
      u.decision = call(u, Command.acquire(u.cost));
      u.charged = u.decision.allowed() && u.decision.storeDecided();
      remember(u, nowWall);
      return u.decision.allowed();
    }
    List<Charge> charges = new ArrayList<>(units.size());
    for (Unit2 u : units) {
      charges.add(new Charge(u.policy, u.key, u.cost));
    }
    Store s = units.get(0).store;
    long t0 = System.nanoTime();
    MultiDecision md;
    try {
      md = s.applyAll(charges, Operation.ACQUIRE);
    } catch (RuntimeException e) {
      md = new MultiDecision(0, Decision.storeUnavailable(units.get(0).policy, NANOS_PER_SECOND));
    }
    metrics.storeCall(System.nanoTime() - t0);
    Decision d = md.decision();
    boolean failed = d.reason() == Decision.Reason.STORE_UNAVAILABLE || d.reason() == Decision.Reason.FAILED_OPEN;
    for (int j = 0; j < units.size(); j++) {
      Unit2 u = units.get(j);
      if (j == md.index() || failed) {
        u.decision = j == md.index() ? d : Decision.fallback(u.policy, d);
      } else {
        // the status of a charge that did not decide: what the key looks like now (a report)
        u.decision = call(u, Command.peek(d.allowed() ? 0 : u.cost));
      }
      u.charged = d.allowed() && d.storeDecided();
      remember(u, nowWall);
    }
    return d.allowed();
  }

  private Decision call(Unit2 u, Command command) {
    long t0 = System.nanoTime();
    try {
      return u.partition.apply(u.key, command);
    } catch (RuntimeException e) {
      return Decision.storeUnavailable(u.policy, NANOS_PER_SECOND);
    } finally {
      metrics.storeCall(System.nanoTime() - t0);
    }
  }

  private void remember(Unit2 u, long nowWall) {
    if (localCache != null && u.envoyWindow && u.decision.storeDecided() && u.decision.remaining() == 0) {
      long len = ((FixedWindow) u.policy).window().nominalLength().toNanos();
      long end = Math.floorDiv(nowWall, len) * len + len;
      localCache.put(u.cacheKey(), end, nowWall);
    }
  }

  private RateLimitResponse respond(Requests.Checked req, RateLimitRule[] rules, boolean[] unlimited,
      boolean[] zeroLimit, List<Unit2> enforcing, List<Unit2> soft, long nowWall) throws RequestException {
    int n = rules.length;
    Decision[] byDescriptor = new Decision[n];
    boolean[] cachedOver = new boolean[n];
    boolean[] charged = new boolean[n];
    boolean storeFailed = false;
    for (List<Unit2> list : List.of(enforcing, soft)) {
      for (Unit2 u : list) {
        if (u.cachedOver) {
          cachedOver[u.descriptor] = true;
          continue;
        }
        Decision d = u.decision;
        if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
          storeFailed = true;
        }
        Decision prior = byDescriptor[u.descriptor];
        if (prior == null || restrictive(d, prior)) {
          byDescriptor[u.descriptor] = d;
          charged[u.descriptor] = u.charged;
        }
      }
    }
    if (storeFailed) {
      switch (options.failureMode()) {
        case UNAVAILABLE:
          metrics.count("error.store");
          throw new RequestException(RequestException.Kind.UNAVAILABLE,
              "the store could not decide (FAILURE_MODE=unavailable): retry later");
        case OPEN:
          metrics.count("fail_open");
          break;
        case CLOSED:
          metrics.count("fail_closed");
          break;
        default:
          throw new AssertionError(options.failureMode());
      }
    }

    RateLimitResponse.Builder response = RateLimitResponse.newBuilder();
    int failedRate = 0;
    int failedQuota = 0;
    int totalQuota = 0;
    int headerIndex = -1;
    long headerRemaining = MAX_UINT32;
    DescriptorStatus[] statuses = new DescriptorStatus[n];
    for (int i = 0; i < n; i++) {
      RateLimitRule rule = rules[i];
      if (unlimited[i]) {
        statuses[i] = DescriptorStatus.newBuilder().setCode(Code.OK).setLimitRemaining((int) MAX_UINT32).build();
        continue;
      }
      if (rule == null) {
        statuses[i] = DescriptorStatus.newBuilder().setCode(Code.OK).build();
        continue;
      }
      long cost = req.descriptors().get(i).hits();
      Decision d = byDescriptor[i];
      boolean over;
      long remaining;
      long resetNanos;
      ServerMetrics.RuleStats stats = metrics.rule(rule.fullKey());
      long limit = rule.policies().isEmpty() ? rule.requestsPerUnit() : (d == null ? 0 : d.limit());
      if (zeroLimit[i]) {
        over = cost > 0;
        remaining = 0;
        resetNanos = envoyReset(rule.unit(), nowWall);
        count(stats, false, 0, cost, 0);
      } else if (cachedOver[i]) {
        over = true;
        remaining = 0;
        resetNanos = resetOf(rule, null, nowWall);
        stats.overLimit(cost);
        stats.overLimitWithLocalCache(cost);
      } else if (d.reason() == Decision.Reason.STORE_UNAVAILABLE) {
        over = options.failureMode() == FailureMode.CLOSED;
        remaining = over ? 0 : limit;
        resetNanos = resetOf(rule, null, nowWall);
      } else {
        over = !d.allowed();
        // a peek of the cost reports what would remain after it: what remains now is that plus the cost
        remaining = over ? 0 : charged[i] ? d.remaining() : Math.min(d.limit(), d.remaining() + cost);
        resetNanos = resetOf(rule, d, nowWall);
        long before = charged[i] ? Math.max(0, d.used() - cost) : d.used();
        count(stats, over, before, cost, limit);
      }
      boolean quota = rule.quotaMode() || options.globalQuotaMode();
      if (over && rule.shadowMode()) {
        stats.shadowMode(shadowHits(d, cachedOver[i], cost, limit));
      }
      Code code = over && !rule.shadowMode() ? Code.OVER_LIMIT : Code.OK;
      DescriptorStatus.Builder s = DescriptorStatus.newBuilder()
          .setCode(code)
          .setCurrentLimit(currentLimit(rule, d))
          .setLimitRemaining((int) Math.min(remaining, MAX_UINT32))
          .setDurationUntilReset(com.google.protobuf.Duration.newBuilder()
              .setSeconds(ceilSeconds(resetNanos)));
      statuses[i] = s.build();
      if (options.headersEnabled() && Math.min(remaining, MAX_UINT32) < headerRemaining) {
        headerIndex = i;
        headerRemaining = Math.min(remaining, MAX_UINT32);
      }
      if (code == Code.OVER_LIMIT) {
        if (quota) {
          failedQuota++;
        } else {
          failedRate++;
          headerIndex = i;
          headerRemaining = 0;
        }
      }
      if (quota) {
        totalQuota++;
      }
    }
    for (DescriptorStatus s : statuses) {
      response.addStatuses(s);
    }
    Code overall = failedRate > 0 || (totalQuota > 0 && totalQuota == failedQuota) ? Code.OVER_LIMIT : Code.OK;
    if (options.headersEnabled() && headerIndex >= 0) {
      DescriptorStatus s = statuses[headerIndex];
      response.addResponseHeadersToAdd(header(options.limitHeader(), Integer.toUnsignedString(s.getCurrentLimit().getRequestsPerUnit())));
      response.addResponseHeadersToAdd(header(options.remainingHeader(), Integer.toUnsignedString(s.getLimitRemaining())));
      response.addResponseHeadersToAdd(header(options.resetHeader(), Long.toString(s.getDurationUntilReset().getSeconds())));
    }
    if (overall == Code.OVER_LIMIT && options.globalShadowMode()) {
      overall = Code.OK;
      metrics.count("global_shadow_mode");
    }
    return response.setOverallCode(overall).build();
  }

  private static boolean restrictive(Decision d, Decision than) {
    if (d.allowed() != than.allowed()) {
      return !d.allowed();
    }
    return d.allowed() ? d.remaining() < than.remaining() : d.retryAfterNanos() > than.retryAfterNanos();
  }

  /** Their stats for one descriptor: within, near and over limit from the counts before and after. */
  private void count(ServerMetrics.RuleStats stats, boolean over, long before, long hits, long limit) {
    long after = before + hits;
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

  private static long shadowHits(Decision d, boolean cachedOver, long hits, long limit) {
    if (cachedOver || d == null) {
      return hits;
    }
    long before = d.used();
    return before >= limit ? hits : before + hits - limit;
  }

  private long resetOf(RateLimitRule rule, Decision d, long nowWall) {
    if (rule.policies().isEmpty()) {
      return envoyReset(rule.unit(), nowWall);
    }
    return d == null ? 0 : Math.min(d.resetAfterNanos(), Long.MAX_VALUE / 2);
  }

  /** Their {@code CalculateReset}: the time to the end of the unit's epoch-aligned window. */
  private static long envoyReset(Unit unit, long nowWall) {
    long len = unit.seconds() * NANOS_PER_SECOND;
    return len - Math.floorMod(nowWall, len);
  }

  private static long ceilSeconds(long nanos) {
    return nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }

  private static RateLimitResponse.RateLimit currentLimit(RateLimitRule rule, Decision d) {
    RateLimitResponse.RateLimit.Builder b = RateLimitResponse.RateLimit.newBuilder().setName(rule.name());
    if (rule.policies().isEmpty()) {
      return b.setRequestsPerUnit((int) rule.requestsPerUnit())
          .setUnit(RateLimitResponse.RateLimit.Unit.valueOf(rule.unit().name())).build();
    }
    Policy p = d != null ? d.policy() : rule.policies().get(0);
    long limit = d != null ? d.limit() : 0;
    b.setRequestsPerUnit((int) Math.min(limit, MAX_UINT32));
    Duration window = p.quotaWindow();
    for (Unit u : Unit.values()) {
      if (window.equals(Duration.ofSeconds(u.seconds()))) {
        return b.setUnit(RateLimitResponse.RateLimit.Unit.valueOf(u.name())).build();
      }
    }
    return b.setUnit(RateLimitResponse.RateLimit.Unit.UNKNOWN).build();
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }

  private FixedWindow window(Unit unit, long requestsPerUnit) {
    long id = requestsPerUnit * 8 + unit.ordinal();
    FixedWindow w = windows.get(id);
    if (w != null) {
      return w;
    }
    // one policy per unit name: a rule's counter is its descriptor's in that unit, whatever its
    // limit (theirs: the cache key has no limit in it), so a reload that changes a limit keeps the
    // counts, and a request's limit override counts with the configured rule of that unit
    w = FixedWindow.of("envoy-" + unit.name().toLowerCase(java.util.Locale.ROOT), requestsPerUnit,
        Window.of(Duration.ofSeconds(unit.seconds())));
    if (windows.size() < MAX_CACHED_POLICIES) {
      windows.putIfAbsent(id, w);
    }
    return w;
  }

  private Partition partition(Store s, Policy p) {
    Partition part = partitions.get(p);
    if (part != null && part.policy() == p) {
      return part;
    }
    part = s.partition(p);
    if (partitions.size() < MAX_CACHED_POLICIES) {
      partitions.putIfAbsent(p, part);
    }
    return part;
  }

  /**
   * Forgets a descriptor's state: every envoy unit's counter and the given policies' state.
   *
   * @param domain the domain
   * @param entries the descriptor's entries
   * @param rule the rule the descriptor maps to
   * @return the store key that was reset
   */
  public String reset(String domain, List<Map.Entry<String, String>> entries, RateLimitRule rule) {
    String key = StoreKeys.of(options.keyPrefix(), domain, entries, rule.shareThresholdPatterns());
    for (Policy p : policiesOf(rule)) {
      partition(storeOf(p, rule), p).apply(key, Command.reset());
      if (localCache != null) {
        localCache.forget(p.name() + '\u0000' + key);
      }
    }
    return key;
  }

  /**
   * A descriptor's counters, as {@link #inspect} read them.
   *
   * @param storeKey the store key of the descriptor
   * @param counters per policy of the rule (an envoy rule: its unit's window), what a peek of 0
   *     sees: used, remaining, reset; a store failure shows as its failure decision
   */
  public record Counters(String storeKey, List<Decision> counters) {

    /** Copies the list. */
    public Counters {
      counters = List.copyOf(counters);
    }
  }

  /**
   * Reads a descriptor's counters without changing them: {@link #reset}'s keys and stores, peeked.
   *
   * @param domain the domain
   * @param entries the descriptor's entries
   * @param rule the rule the descriptor maps to; not unlimited
   * @return the store key and one peek per policy
   */
  public Counters inspect(String domain, List<Map.Entry<String, String>> entries, RateLimitRule rule) {
    String key = StoreKeys.of(options.keyPrefix(), domain, entries, rule.shareThresholdPatterns());
    List<Decision> counters = new ArrayList<>();
    for (Policy p : policiesOf(rule)) {
      Partition part = partition(storeOf(p, rule), p);
      long t0 = System.nanoTime();
      try {
        counters.add(part.apply(key, Command.peek(0)));
      } catch (RuntimeException e) {
        counters.add(Decision.storeUnavailable(p, NANOS_PER_SECOND));
      } finally {
        metrics.storeCall(System.nanoTime() - t0);
      }
    }
    return new Counters(key, counters);
  }

  /** The policies of a rule's counters: a Sluice rule's, or an envoy rule's unit window. */
  private List<Policy> policiesOf(RateLimitRule rule) {
    return rule.policies().isEmpty() ? List.of(window(rule.unit(), Math.max(1, rule.requestsPerUnit())))
        : rule.policies();
  }

  /** The store of a rule's policy: per-second windows in REDIS_PERSECOND's when set. */
  private Store storeOf(Policy p, RateLimitRule rule) {
    return p instanceof FixedWindow && rule.unit() == Unit.SECOND && perSecondStore != null ? perSecondStore : store;
  }

  /** The descriptor of {@code d} as entries, for callers that already hold a request's descriptor. */
  static List<Map.Entry<String, String>> entries(RateLimitDescriptor d) {
    List<Map.Entry<String, String>> out = new ArrayList<>(d.getEntriesCount());
    for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
      out.add(Map.entry(e.getKey(), e.getValue()));
    }
    return out;
  }
}
