package dev.sluice.server.service;

import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Window;
import dev.sluice.server.Decider;
import dev.sluice.server.RequestException;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.config.RateLimitRule;
import dev.sluice.server.config.Unit;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.settings.ServiceSettings.FailureMode;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.function.ToIntBiFunction;

/**
 * {@code ShouldRateLimit} on Sluice: envoyproxy/ratelimit's semantics (descriptor lookup,
 * {@code hits_addend}, request {@code limit} overrides, {@code unlimited}, {@code replaces},
 * shadow and quota mode, statuses, response headers, local over-limit cache, stats) decided by
 * Sluice's exact algorithms on a {@link Store}.
 *
 * <p>Where Sluice decides differently from theirs (docs/server.md, "Differences"): a request is
 * charged <em>all or nothing</em> (theirs increments every descriptor, the denied ones too), so a
 * request answered OVER_LIMIT consumes nothing, a descriptor over its limit (a shadow-mode one
 * too) is not charged, and under {@code SHADOW_MODE} a request answered OK only because of it
 * charges nothing (what enforcing would have done); a counter named by several descriptors of
 * one request is charged their summed cost, admitted only if the sum fits every one of their
 * limits (theirs checks each against the running count, so the last may pass its limit);
 * descriptor keys are escaped instead of joined with {@code _}; an invalid request is an
 * {@code INVALID_ARGUMENT}; the local cache denies only what the store would
 * ({@link OverLimitCache}).
 *
 * <p>How one request is decided. Every descriptor is looked up; one whose rule is neither in
 * shadow nor in quota mode is <em>enforcing</em>. The enforcing descriptors' counters are charged
 * in one atomic call ({@link Charges}: a single store call when they live in one store); a limit
 * of 0 or the local cache denies them without one. Only if they are admitted is each quota-mode
 * descriptor charged, on its own (a descriptor's several policies together). If the answer is
 * then OVER_LIMIT (an enforcing descriptor over, or every quota descriptor over), everything
 * charged is given back. Shadow-mode descriptors are charged last, each on its own, only if the
 * request is admitted. Counters not charged are reported by a peek (a report, not a second
 * decision); {@link Statuses} turns it all into statuses, headers and stats. If the store cannot
 * answer, nothing more is asked of it in this request, and {@code FAILURE_MODE} answers.
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
   * @param dynamicMetadata {@code RESPONSE_DYNAMIC_METADATA}: add the request and the passed
   *     rules' metadata to the response ({@link DynamicMetadata})
   */
  public record Options(
      String keyPrefix, boolean globalShadowMode, boolean globalQuotaMode, long nearLimitRatioPpm,
      boolean headersEnabled, String limitHeader, String remainingHeader, String resetHeader,
      long localCacheBytes, FailureMode failureMode, int maxValueLength, int maxDescriptors, int maxEntries,
      boolean dynamicMetadata) {

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
          "RateLimit-Reset", 0, FailureMode.UNAVAILABLE, 1024, 64, 64, false);
    }
  }

  private static final int MAX_CACHED_POLICIES = 10_000;
  private static final int RECENT_WINDOWS = 64;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final Supplier<RateLimitConfig> config;
  private final Store store;
  private final Store perSecondStore;
  private final Clock clock;
  private final ServerMetrics metrics;
  private final Options options;
  private final ToIntBiFunction<Store, String> slotOf;
  private final OverLimitCache localCache;
  private final Statuses statuses;
  private final ConcurrentHashMap<Long, EnvoyWindow> windows = new ConcurrentHashMap<>();
  /** The windows last used, by a hash of their id: a request's lookup without a boxed key. */
  private final AtomicReferenceArray<EnvoyWindow> recentWindows = new AtomicReferenceArray<>(RECENT_WINDOWS);
  private final ConcurrentHashMap<List<Object>, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * A service.
   *
   * @param config the config now (read once per request: a reload swaps it atomically)
   * @param store the store
   * @param perSecondStore the store of per-second limits ({@code REDIS_PERSECOND}), or null
   * @param clock the clock: wall time for envoy windows' reset times, monotonic time for the
   *     local cache
   * @param metrics the meters
   * @param options the settings
   * @param slotOf the Redis Cluster hash slot of a key in a store on a cluster, -1 for a store that
   *     can charge any keys together; null when no store is on a cluster
   */
  public RateLimitService(Supplier<RateLimitConfig> config, Store store, Store perSecondStore, Clock clock,
      ServerMetrics metrics, Options options, ToIntBiFunction<Store, String> slotOf) {
    this.config = config;
    this.store = store;
    this.perSecondStore = perSecondStore;
    this.clock = clock;
    this.metrics = metrics;
    this.options = options;
    this.slotOf = slotOf;
    this.localCache = options.localCacheBytes() > 0 ? new OverLimitCache(options.localCacheBytes()) : null;
    this.statuses = new Statuses(options, metrics);
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

  /**
   * The request without blocking: a request whose only counter is one enforcing slot (the common
   * case) is charged with the store's {@code applyAsync} and answered from the store's thread, so no
   * thread waits for the store; any other request is decided by {@link #shouldRateLimit} on
   * {@code blocking}.
   *
   * @param request the request
   * @param blocking where requests that may block are decided
   * @return the answer; completed exceptionally with a {@link RequestException} as
   *     {@link #shouldRateLimit} throws it
   */
  @Override
  public CompletableFuture<RateLimitResponse> shouldRateLimitAsync(RateLimitRequest request, Executor blocking) {
    long start = System.nanoTime();
    Plan plan;
    try {
      plan = plan(request);
    } catch (RequestException e) {
      metrics.count("error.invalid_argument");
      metrics.request(System.nanoTime() - start);
      return CompletableFuture.failedFuture(e);
    }
    if (!plan.single()) {
      CompletableFuture<RateLimitResponse> answer = new CompletableFuture<>();
      blocking.execute(() -> {
        try {
          answer.complete(decide(request, plan));
        } catch (RequestException e) {
          metrics.count("error.store");
          answer.completeExceptionally(e);
        } catch (Throwable t) {
          answer.completeExceptionally(t);
        } finally {
          metrics.request(System.nanoTime() - start);
        }
      });
      return answer;
    }
    CompletableFuture<Boolean> charged = plan.charges.acquireOneAsync(plan.enforcing.get(0));
    if (charged.isDone()) { // decided already (the memory store, the local cache): answer now
      try {
        return CompletableFuture.completedFuture(finish(request, plan, charged.join()));
      } catch (RequestException e) {
        metrics.count("error.store");
        return CompletableFuture.failedFuture(e);
      } finally {
        metrics.request(System.nanoTime() - start);
      }
    }
    return charged.thenApply(admitted -> {
      try {
        return finish(request, plan, admitted);
      } catch (RequestException e) {
        metrics.count("error.store");
        throw new CompletionException(e);
      } finally {
        metrics.request(System.nanoTime() - start);
      }
    });
  }

  /** A checked request, looked up, its counters linked: what is left is to charge them. */
  private record Plan(Requests.Checked req, long nowWall, List<Item> items, List<Slot> enforcing,
      boolean zeroLimitDenies, Charges charges) {

    /** Whether the request's only counter is one enforcing slot. */
    boolean single() {
      if (zeroLimitDenies || enforcing.size() != 1) {
        return false;
      }
      for (Item it : items) {
        if (it.mode != Item.Mode.ENFORCING && !it.links.isEmpty()) {
          return false;
        }
      }
      return true;
    }
  }

  private Plan plan(RateLimitRequest request) throws RequestException {
    Requests.Checked req = Requests.check(request, options.maxValueLength(), options.maxDescriptors(), options.maxEntries());
    long nowWall = clock.wallNanos();
    List<Item> items = lookup(req, config.get());

    // the counters, one Slot per (store, policy name, key): enforcing ones shared by descriptors
    List<Slot> enforcing = new ArrayList<>(1);
    Map<SlotId, Slot> shared = items.size() > 1 ? new HashMap<>() : null;
    boolean zeroLimitDenies = false;
    for (Item it : items) {
      if (it.rule == null) {
        continue;
      }
      if (it.zeroLimit()) {
        zeroLimitDenies |= it.mode == Item.Mode.ENFORCING && it.cost > 0;
        continue;
      }
      link(req, it, it.mode == Item.Mode.ENFORCING ? shared : null, enforcing);
    }
    return new Plan(req, nowWall, items, enforcing, zeroLimitDenies, new Charges(localCache, clock, metrics, slotOf));
  }

  private RateLimitResponse decide(RateLimitRequest request) throws RequestException {
    return decide(request, plan(request));
  }

  private RateLimitResponse decide(RateLimitRequest request, Plan plan) throws RequestException {
    Charges charges = plan.charges;
    List<Slot> enforcing = plan.enforcing;
    boolean admitted;
    if (plan.zeroLimitDenies) {
      charges.report(enforcing);
      admitted = false;
    } else {
      admitted = charges.acquireAll(enforcing);
    }
    return finish(request, plan, admitted);
  }

  /** After the enforcing counters: quota and shadow ones, refunds, the failure choice, the answer. */
  private RateLimitResponse finish(RateLimitRequest request, Plan plan, boolean enforcedAdmitted) throws RequestException {
    List<Item> items = plan.items;
    Charges charges = plan.charges;
    boolean admitted = enforcedAdmitted;
    // the plan's own list, added to: nothing reads it as the enforcing slots after this point
    List<Slot> charged = plan.enforcing;
    for (Item it : items) {
      if (it.mode == Item.Mode.QUOTA && !it.links.isEmpty()) {
        apply(charges, it, admitted);
        charged.addAll(it.slots());
      }
    }
    if (statuses.overall(items) == RateLimitResponse.Code.OVER_LIMIT) {
      charges.refund(charged);
      admitted = false;
    }
    for (Item it : items) {
      if (it.mode == Item.Mode.SHADOW && !it.links.isEmpty()) {
        apply(charges, it, admitted);
        charged.addAll(it.slots());
      }
    }
    if (charges.failed() && options.failureMode() == FailureMode.UNAVAILABLE) {
      charges.refund(charged);
      throw new RequestException(RequestException.Kind.UNAVAILABLE,
          "the store could not decide (FAILURE_MODE=unavailable): retry later");
    }
    if (charges.failed()) {
      metrics.count(options.failureMode() == FailureMode.OPEN ? "fail_open" : "fail_closed");
    }
    return statuses.respond(request, items, plan.nowWall);
  }

  /** Charges a quota or shadow descriptor's counters on their own if the request stands, else reports them. */
  private static void apply(Charges charges, Item it, boolean requestStands) {
    if (requestStands) {
      charges.acquireAll(it.slots());
    } else {
      charges.report(it.slots());
    }
  }

  /** Each descriptor's rule and mode, as theirs looks them up; counts hits and unknown domains. */
  private List<Item> lookup(Requests.Checked req, RateLimitConfig cfg) {
    int n = req.descriptors().size();
    RateLimitRule[] rules = new RateLimitRule[n];
    boolean[] unlimited = new boolean[n];
    Set<String> replacing = null;
    boolean knownDomain = cfg.domains().contains(req.domain());
    for (int i = 0; i < n; i++) {
      Requests.Descriptor d = req.descriptors().get(i);
      if (!knownDomain) {
        metrics.unknownDomain(req.domain()); // theirs: once per descriptor looked up
        continue;
      }
      RateLimitRule rule = d.overrideUnit() != null
          ? cfg.override(req.domain(), d.entries(), d.overrideRequestsPerUnit(), d.overrideUnit())
          : cfg.lookup(req.domain(), d.entries());
      if (rule != null) {
        if (!rule.replaces().isEmpty()) {
          if (replacing == null) {
            replacing = new HashSet<>();
          }
          replacing.addAll(rule.replaces());
        }
        if (rule.unlimited()) {
          unlimited[i] = true;
          rule = null;
        }
      }
      rules[i] = rule;
    }
    List<Item> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      RateLimitRule rule = rules[i];
      if (rule != null && replacing != null && !rule.name().isEmpty() && replacing.contains(rule.name())) {
        rule = null;
      }
      long cost = req.descriptors().get(i).hits();
      Item.Mode mode = unlimited[i] ? Item.Mode.UNLIMITED : Item.Mode.NONE;
      ServerMetrics.RuleStats stats = null;
      if (rule != null) {
        stats = metrics.rule(rule.fullKey());
        stats.totalHits(cost);
        mode = rule.quotaMode() || options.globalQuotaMode() ? Item.Mode.QUOTA
            : rule.shadowMode() ? Item.Mode.SHADOW : Item.Mode.ENFORCING;
      }
      items.add(new Item(i, rule, cost, mode, stats));
    }
    return items;
  }

  /** A counter's identity in a request: its store, policy name and key. */
  private record SlotId(Store store, String name, String key) {}

  /**
   * Links {@code it} to its counters: those in {@code shared} (the same store, policy name and key
   * as an earlier enforcing descriptor's), else new ones, which are added to {@code enforcing} if
   * {@code it} is enforcing. {@code shared} is null when nothing can be shared (a request of one
   * descriptor, a descriptor that is not enforcing).
   */
  private void link(Requests.Checked req, Item it, Map<SlotId, Slot> shared, List<Slot> enforcing) {
    RateLimitRule rule = it.rule;
    String key = StoreKeys.of(options.keyPrefix(), req.domain(), req.descriptors().get(it.index).entries(),
        rule.shareThresholdPatterns());
    if (rule.policies().isEmpty()) {
      EnvoyWindow w = window(rule.unit(), rule.requestsPerUnit());
      link(it, shared, enforcing, w.store, w.policy, w.partition, key, true);
      return;
    }
    Map<SlotId, Slot> own = shared == null && rule.policies().size() > 1 ? new HashMap<>() : shared;
    for (Policy p : rule.policies()) {
      link(it, own, enforcing, store, p, null, key, false);
    }
  }

  private void link(Item it, Map<SlotId, Slot> shared, List<Slot> enforcing, Store s, Policy p, Partition part,
      String key, boolean envoy) {
    SlotId id = shared == null ? null : new SlotId(s, p.name(), key);
    Slot slot = id == null ? null : shared.get(id);
    if (slot == null) {
      Partition partition = part != null ? part : partition(s, p);
      slot = envoy ? Slot.envoyWindow(s, partition, p, key) : Slot.policy(s, partition, p, key);
      if (id != null) {
        shared.put(id, slot);
      }
      if (it.mode == Item.Mode.ENFORCING) {
        enforcing.add(slot);
      }
    } else if (p.limit() < slot.policy.limit()) {
      // decide by the smallest limit among the descriptors that share it
      slot.policy = p;
      slot.partition = part != null ? part : partition(s, p);
    }
    it.links.add(new Item.Link(slot, slot.cost, p.limit()));
    slot.cost = Item.satAdd(slot.cost, it.cost);
  }

  /** The store of an envoy window of {@code unit}: per-second limits may have their own. */
  private Store storeOf(Unit unit) {
    return unit == Unit.SECOND && perSecondStore != null ? perSecondStore : store;
  }

  /**
   * An envoy rule's window: its policy, the store of its unit and the policy's partition there;
   * {@code id} is its requests per unit times 8 plus its unit's ordinal.
   */
  private record EnvoyWindow(long id, FixedWindow policy, Store store, Partition partition) {}

  private EnvoyWindow window(Unit unit, long requestsPerUnit) {
    long id = requestsPerUnit * 8 + unit.ordinal();
    int at = (int) (id ^ id >>> 29) & (RECENT_WINDOWS - 1);
    EnvoyWindow w = recentWindows.get(at);
    if (w != null && w.id == id) { // the common case: no boxed key, no map
      return w;
    }
    w = windows.get(id);
    if (w != null) {
      recentWindows.set(at, w);
      return w;
    }
    // one policy name per unit: a rule's counter is its descriptor's in that unit, whatever its
    // limit (theirs: the cache key has no limit in it), so a reload that changes a limit keeps the
    // counts, and a request's limit override counts with the configured rule of that unit
    FixedWindow p = FixedWindow.of("envoy-" + unit.name().toLowerCase(Locale.ROOT), requestsPerUnit,
        Window.of(Duration.ofSeconds(unit.seconds())));
    Store s = storeOf(unit);
    w = new EnvoyWindow(id, p, s, partition(s, p));
    if (windows.size() < MAX_CACHED_POLICIES) {
      w = Objects.requireNonNullElse(windows.putIfAbsent(id, w), w);
    }
    recentWindows.set(at, w);
    return w;
  }

  /**
   * The partition of {@code p} in {@code s}. A store holds one kind of policy per name; when a
   * reload gives a Sluice rule's policy another kind under the same name (a fixed window becomes a
   * token bucket), the new kind's state is kept under the name with its kind appended, so the
   * rule keeps deciding instead of failing every request until a restart.
   */
  private Partition partition(Store s, Policy p) {
    List<Object> id = List.of(s, p);
    Partition part = partitions.get(id);
    if (part != null) {
      return part;
    }
    try {
      part = s.partition(p);
    } catch (IllegalArgumentException kindTaken) {
      String spec = PolicyText.format(p);
      String kind = spec.substring(0, Math.max(0, spec.indexOf(' ')));
      String name = p.name().length() > 100 ? p.name().substring(0, 100) : p.name();
      part = s.partition(PolicyText.parse(name + "~" + (kind.isEmpty() ? "kind" : kind), spec));
    }
    if (partitions.size() < MAX_CACHED_POLICIES) {
      partitions.putIfAbsent(id, part);
    }
    return part;
  }

  /**
   * Forgets a descriptor's state: its counter in every envoy unit (a request's limit override may
   * have counted in any), or the rule's policies' state.
   *
   * @param domain the domain
   * @param entries the descriptor's entries
   * @param rule the rule the descriptor maps to
   * @return the store key that was reset
   */
  public String reset(String domain, List<Map.Entry<String, String>> entries, RateLimitRule rule) {
    String key = StoreKeys.of(options.keyPrefix(), domain, entries, rule.shareThresholdPatterns());
    if (rule.policies().isEmpty()) {
      for (Unit u : Unit.values()) {
        EnvoyWindow w = window(u, 1);
        reset(w.store, w.policy, key);
      }
    } else {
      for (Policy p : rule.policies()) {
        reset(store, p, key);
      }
    }
    return key;
  }

  private void reset(Store s, Policy p, String key) {
    partition(s, p).apply(key, Command.reset());
    if (localCache != null) {
      localCache.forget(p.name() + '\u0000' + key);
    }
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
    boolean envoy = rule.policies().isEmpty();
    List<Policy> policies = envoy ? List.of(window(rule.unit(), Math.max(1, rule.requestsPerUnit())).policy)
        : rule.policies();
    List<Decision> counters = new ArrayList<>();
    for (Policy p : policies) {
      Partition part = partition(envoy ? storeOf(rule.unit()) : store, p);
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

  /** The descriptor of {@code d} as entries, for callers that already hold a request's descriptor. */
  static List<Map.Entry<String, String>> entries(RateLimitDescriptor d) {
    List<Map.Entry<String, String>> out = new ArrayList<>(d.getEntriesCount());
    for (RateLimitDescriptor.Entry e : d.getEntriesList()) {
      out.add(Map.entry(e.getKey(), e.getValue()));
    }
    return out;
  }
}
