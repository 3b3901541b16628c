package dev.sluice.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's meters: the counters envoyproxy/ratelimit exports per rule (total hits, over limit,
 * near limit, over limit with local cache, within limit, shadow mode), per domain (unknown
 * domain), the service's own (errors, fail-open and fail-closed answers, global shadow mode),
 * config reloads, store and request latency. Names follow Micrometer's dotted convention
 * ({@code ratelimit.service.rate_limit.total_hits}); Prometheus shows them with underscores.
 *
 * <p>A rule's meters are tagged with its {@code domain} and {@code key}: the rule's stats key
 * from the config (the configured descriptor path), which holds a request's values only where
 * {@code detailed_metric} or {@code value_to_metric} ask for them. Those keys come from requests,
 * so at most {@link #MAX_RULE_KEYS} distinct ones are kept; hits of any further key are counted
 * under {@code key="_other"}.
 */
public final class ServerMetrics {

  /** Most distinct rule keys with their own meters. */
  public static final int MAX_RULE_KEYS = 10_000;

  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final ConcurrentHashMap<String, RuleStats> rules = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> unknownDomains = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> plain = new ConcurrentHashMap<>();
  private final Timer storeLatency;
  private final Timer requestLatency;

  /** Meters in a new Prometheus registry. */
  public ServerMetrics() {
    this(Map.of());
  }

  /**
   * Meters in a new Prometheus registry, each with {@code extraTags} ({@code EXTRA_TAGS}).
   *
   * @param extraTags tags added to every meter
   */
  public ServerMetrics(Map<String, String> extraTags) {
    this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.registry = prometheus;
    extraTags.forEach((k, v) -> registry.config().commonTags(k, v));
    this.storeLatency = Timer.builder("ratelimit.store.latency").description("Time of one store call")
        .publishPercentileHistogram(false).register(registry);
    this.requestLatency = Timer.builder("ratelimit.service.should_rate_limit.latency")
        .description("Time to answer one ShouldRateLimit call").register(registry);
  }

  /** The registry, for further meters. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The meters in Prometheus' text format. */
  public String scrape() {
    return prometheus.scrape();
  }

  /** The counters of the rule with stats key {@code fullKey} (e.g. {@code domain.key_value}). */
  public RuleStats rule(String fullKey) {
    RuleStats s = rules.get(fullKey);
    if (s != null) {
      return s;
    }
    if (rules.size() >= MAX_RULE_KEYS) {
      int dot = fullKey.indexOf('.');
      String other = (dot < 0 ? fullKey : fullKey.substring(0, dot)) + "._other";
      return rules.computeIfAbsent(other, k -> new RuleStats(registry, k));
    }
    return rules.computeIfAbsent(fullKey, k -> new RuleStats(registry, k));
  }

  /** Counts a request for a domain no config has (their {@code domain.not_found}). */
  public void unknownDomain(String domain) {
    if (unknownDomains.size() >= MAX_RULE_KEYS && !unknownDomains.containsKey(domain)) {
      domain = "_other";
    }
    unknownDomains.computeIfAbsent(domain, d -> Counter.builder("ratelimit.service.domain.not_found")
        .tag("domain", d).register(registry)).increment();
  }

  /**
   * Counts a service-wide event: {@code error.invalid_argument}, {@code error.store},
   * {@code fail_open}, {@code fail_closed}, {@code global_shadow_mode}, {@code config_load_success},
   * {@code config_load_error}.
   */
  public void count(String event) {
    plain.computeIfAbsent(event, e -> {
      LongAdder a = new LongAdder();
      io.micrometer.core.instrument.FunctionCounter.builder("ratelimit.service." + e, a, LongAdder::doubleValue)
          .register(registry);
      return a;
    }).increment();
  }

  /** How many times {@link #count(String)} was called for {@code event}. */
  public long counted(String event) {
    LongAdder a = plain.get(event);
    return a == null ? 0 : a.sum();
  }

  /** Records one store call's time. */
  public void storeCall(long nanos) {
    storeLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records one request's time. */
  public void request(long nanos) {
    requestLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Every counter as {@code name value} lines, sorted: their {@code /stats} page. */
  public String statsText() {
    TreeMap<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, RuleStats> e : rules.entrySet()) {
      e.getValue().into("ratelimit.service.rate_limit." + e.getKey() + ".", out);
    }
    unknownDomains.forEach((d, c) -> out.put("ratelimit.service.domain." + d + ".not_found", (long) c.count()));
    plain.forEach((k, a) -> out.put("ratelimit.service." + k, a.sum()));
    StringBuilder b = new StringBuilder();
    out.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
    return b.toString();
  }

  /** The counters of one rule (their {@code RateLimitStats}). */
  public static final class RuleStats {
    private final LongAdder totalHits = new LongAdder();
    private final LongAdder overLimit = new LongAdder();
    private final LongAdder nearLimit = new LongAdder();
    private final LongAdder overLimitWithLocalCache = new LongAdder();
    private final LongAdder withinLimit = new LongAdder();
    private final LongAdder shadowMode = new LongAdder();

    RuleStats(MeterRegistry registry, String fullKey) {
      int dot = fullKey.indexOf('.');
      String domain = dot < 0 ? fullKey : fullKey.substring(0, dot);
      String key = dot < 0 ? "" : fullKey.substring(dot + 1);
      register(registry, "total_hits", totalHits, domain, key);
      register(registry, "over_limit", overLimit, domain, key);
      register(registry, "near_limit", nearLimit, domain, key);
      register(registry, "over_limit_with_local_cache", overLimitWithLocalCache, domain, key);
      register(registry, "within_limit", withinLimit, domain, key);
      register(registry, "shadow_mode", shadowMode, domain, key);
    }

    private static void register(MeterRegistry r, String name, LongAdder a, String domain, String key) {
      io.micrometer.core.instrument.FunctionCounter.builder("ratelimit.service.rate_limit." + name, a, LongAdder::doubleValue)
          .tag("domain", domain).tag("key", key).register(r);
    }

    void into(String prefix, Map<String, Long> out) {
      out.put(prefix + "total_hits", totalHits.sum());
      out.put(prefix + "over_limit", overLimit.sum());
      out.put(prefix + "near_limit", nearLimit.sum());
      out.put(prefix + "over_limit_with_local_cache", overLimitWithLocalCache.sum());
      out.put(prefix + "within_limit", withinLimit.sum());
      out.put(prefix + "shadow_mode", shadowMode.sum());
    }

    /** Adds to total hits. */
    public void totalHits(long n) {
      totalHits.add(n);
    }

    /** Adds to over limit. */
    public void overLimit(long n) {
      overLimit.add(n);
    }

    /** Adds to near limit. */
    public void nearLimit(long n) {
      nearLimit.add(n);
    }

    /** Adds to over limit with local cache. */
    public void overLimitWithLocalCache(long n) {
      overLimitWithLocalCache.add(n);
    }

    /** Adds to within limit. */
    public void withinLimit(long n) {
      withinLimit.add(n);
    }

    /** Adds to shadow mode. */
    public void shadowMode(long n) {
      shadowMode.add(n);
    }

    /** Total hits so far. */
    public long totalHits() {
      return totalHits.sum();
    }

    /** Over limit so far. */
    public long overLimit() {
      return overLimit.sum();
    }

    /** Near limit so far. */
    public long nearLimit() {
      return nearLimit.sum();
    }

    /** Over limit with local cache so far. */
    public long overLimitWithLocalCache() {
      return overLimitWithLocalCache.sum();
    }

    /** Within limit so far. */
    public long withinLimit() {
      return withinLimit.sum();
    }

    /** Shadow mode so far. */
    public long shadowMode() {
      return shadowMode.sum();
    }
  }
}
