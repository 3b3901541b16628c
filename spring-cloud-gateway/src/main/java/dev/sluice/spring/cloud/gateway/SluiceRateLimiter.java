package dev.sluice.spring.cloud.gateway;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaAnswer;
import dev.sluice.http.QuotaAnswer.HeaderStyle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Spring Cloud Gateway {@code RateLimiter} deciding with Sluice: the {@code RequestRateLimiter}
 * filter takes it in place of {@code RedisRateLimiter}. Each route names the policies its
 * requests are charged against (from the policies the limiter knows, e.g. the {@code sluice:}
 * tree's), all or nothing ({@link Sluice#tryAcquireAll}), on the key its {@code KeyResolver} gives:
 *
 * <pre>{@code
 * filters:
 *   - name: RequestRateLimiter
 *     args:
 *       rate-limiter: "#{@sluiceRateLimiter}"
 *       key-resolver: "#{@clientKeyResolver}"
 *       sluice-rate-limiter.policies: per-client-minute, per-client-day
 *       sluice-rate-limiter.cost: 1
 * }</pre>
 *
 * <p>The answer, the same as every Sluice HTTP layer gives ({@link QuotaAnswer}):
 *
 * <ul>
 *   <li>Admitted (also when the store could not decide and the policy fails open): the request
 *       goes on, with the RateLimit headers of the configured {@link HeaderStyle}.
 *   <li>A limit reached: not allowed, with those headers and {@code Retry-After}; the filter
 *       answers with its {@code status-code} (429 by default) and an empty body.
 *   <li>The store could not decide and the policy fails closed, or the in-memory store is full:
 *       a {@link QuotaRefusedException} (503), and a cost above a policy's limit: one with 422.
 *       {@link QuotaRefusalHandler} writes it as the problem+json answer with its headers
 *       ({@code Retry-After} on the 503); without it the application's error handling maps the
 *       exception's status.
 * </ul>
 *
 * <p>A policy's counts are per key across every route that names it: two routes naming one
 * policy share a client's quota; routes with quotas of their own name policies of their own.
 * The key is the resolver's id as it is when it is a valid Sluice key ({@link Keys#check}) not
 * starting with {@value #HASHED_PREFIX}; any other id (longer than {@value Keys#MAX_LENGTH}
 * characters, with a lone surrogate, empty, or with that prefix) counts under
 * {@value #HASHED_PREFIX} and the SHA-256 of its UTF-16 code units in hex, so no two ids share a
 * count.
 *
 * <p>Decisions run on the limiter's {@link Scheduler} (by default
 * {@link Schedulers#boundedElastic()}: a SQLite or Redis store may block, and an event loop must
 * not); {@link Schedulers#immediate()} decides on the calling thread, for the in-memory store.
 */
public final class SluiceRateLimiter extends AbstractRateLimiter<SluiceRateLimiter.Config> {

  /** The prefix of this limiter's arguments in a route's {@code RequestRateLimiter} filter. */
  public static final String CONFIGURATION_PROPERTY_NAME = "sluice-rate-limiter";

  /** The prefix of a key made from an id that is not a key as it is. */
  public static final String HASHED_PREFIX = Keys.DIGEST_PREFIX;

  private final Sluice sluice;
  private final Map<String, Policy> policies;
  private final HeaderStyle style;
  private final Scheduler scheduler;
  private final RouteQuota defaults;
  private final Map<String, RouteQuota> routes = new ConcurrentHashMap<>();

  private SluiceRateLimiter(Builder b, RouteQuota defaults) {
    super(Config.class, CONFIGURATION_PROPERTY_NAME, b.configurationService);
    this.sluice = b.sluice;
    this.policies = b.policies;
    this.style = b.style;
    this.scheduler = b.scheduler;
    this.defaults = defaults;
  }

  /**
   * A builder over {@code sluice} with the policies routes may name.
   *
   * @param sluice where decisions are made
   * @param policies the policies by name (e.g. {@code QuotaConfig.policies()}); rate policies
   *     only are usable in a route
   * @return the builder
   */
  public static Builder builder(Sluice sluice, Map<String, ? extends Policy> policies) {
    return new Builder(sluice, policies);
  }

  /**
   * Reads the route's {@code sluice-rate-limiter.*} arguments when the gateway builds the route,
   * and checks them against the policies.
   *
   * @param event the route's filter arguments
   * @throws IllegalArgumentException naming the route, the argument and the value when they
   *     cannot be bound, name no policy or an unknown one, a policy that is not a rate policy or
   *     one twice, or a negative cost
   */
  @Override
  public void onApplicationEvent(FilterArgsEvent event) {
    String routeId = event.getRouteId();
    boolean ours = event.getArgs().keySet().stream().anyMatch(k -> k.startsWith(CONFIGURATION_PROPERTY_NAME + "."));
    if (!ours) {
      return;
    }
    try {
      super.onApplicationEvent(event);
    } catch (RuntimeException e) {
      routes.remove(routeId);
      throw new IllegalArgumentException(where(routeId) + CONFIGURATION_PROPERTY_NAME + ": " + e.getMessage(), e);
    }
    Config config = getConfig().get(routeId);
    if (config == null) {
      return;
    }
    try {
      routes.put(routeId, resolve(where(routeId), config));
    } catch (IllegalArgumentException e) {
      routes.remove(routeId);
      getConfig().remove(routeId);
      throw e;
    }
  }

  private static String where(String routeId) {
    return "route '" + Keys.printable(routeId) + "': ";
  }

  /**
   * Decides one request: charges the route's policies on the key of {@code id}, all or nothing.
   *
   * @param routeId the route
   * @param id the {@code KeyResolver}'s id
   * @return allowed or not with the RateLimit headers (and {@code Retry-After} on a denial); an
   *     error {@link QuotaRefusedException} when the answer is not a 429 (a 503 when the store
   *     cannot decide and the policy fails closed, a 422 when the cost exceeds a limit); an
   *     {@link IllegalStateException} naming the route when it has no Sluice configuration
   */
  @Override
  public Mono<Response> isAllowed(String routeId, String id) {
    RouteQuota quota = quotaOf(routeId);
    if (quota == null) {
      return Mono.error(new IllegalStateException(where(routeId) + "the Sluice rate limiter has no configuration "
          + "for this route: set its " + CONFIGURATION_PROPERTY_NAME + ".policies (or defaults in code or in the "
          + "default filters)"));
    }
    String key = keyOf(id);
    List<Charge> charges = new ArrayList<>(quota.policies().size());
    for (Policy p : quota.policies()) {
      charges.add(new Charge(p, key, quota.cost()));
    }
    return Mono.fromCallable(() -> sluice.tryAcquireAll(charges)).subscribeOn(scheduler)
        .flatMap(d -> answer(d, quota.cost()));
  }

  private RouteQuota quotaOf(String routeId) {
    RouteQuota q = routes.get(routeId);
    if (q == null) {
      q = defaults;
    }
    if (q == null) {
      q = routes.get(RouteDefinitionRouteLocator.DEFAULT_FILTERS);
    }
    return q;
  }

  private Mono<Response> answer(Decision d, long cost) {
    if (d.allowed()) {
      return Mono.just(new Response(true, QuotaAnswer.admitted(List.of(d), style).headers()));
    }
    QuotaAnswer refused = QuotaAnswer.refused(d, d.policy().name(), null,
        cost == 1 ? "1 request" : "a cost of " + cost, List.of(d), style);
    if (refused.refusal() == QuotaAnswer.Refusal.LIMIT_EXCEEDED) {
      return Mono.just(new Response(false, refused.headers()));
    }
    return Mono.error(new QuotaRefusedException(refused));
  }

  /**
   * The store key of a resolver's id: the id itself when it is a valid key that does not start
   * with {@value #HASHED_PREFIX}, else that prefix and the SHA-256 (hex) of its UTF-16 code units.
   *
   * @param id the id; not null
   * @return the key
   */
  public static String keyOf(String id) {
    Objects.requireNonNull(id, "id");
    return Keys.orDigest(id);
  }

  private RouteQuota resolve(String where, Config config) {
    List<String> names = config.getPolicies();
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException(where + CONFIGURATION_PROPERTY_NAME + ".policies: no policy named; the "
          + "policies are " + known());
    }
    Set<String> seen = new LinkedHashSet<>();
    List<Policy> out = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      String field = where + CONFIGURATION_PROPERTY_NAME + ".policies[" + i + "]: ";
      String name = names.get(i) == null ? "" : names.get(i).trim();
      Policy p = policies.get(name);
      if (p == null) {
        throw new IllegalArgumentException(field + "unknown policy '" + Keys.printable(name) + "'; the policies are "
            + known());
      }
      if (p.kind() != Policy.Kind.RATE) {
        throw new IllegalArgumentException(field + "policy '" + Keys.printable(name) + "' is a "
            + p.kind().name().toLowerCase(java.util.Locale.ROOT) + " policy; a route takes rate policies (token "
            + "bucket, fixed window, sliding log, sliding counter)");
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(field + "policy '" + Keys.printable(name) + "' is named twice");
      }
      out.add(p);
    }
    if (config.getCost() < 0) {
      throw new IllegalArgumentException(where + CONFIGURATION_PROPERTY_NAME + ".cost: " + config.getCost()
          + " must be >= 0");
    }
    return new RouteQuota(List.copyOf(out), config.getCost());
  }

  private String known() {
    return policies.isEmpty() ? "(none)" : String.join(", ", policies.keySet());
  }

  @Override
  public String toString() {
    return "SluiceRateLimiter[routes=" + routes.keySet() + ", headers=" + style + "]";
  }

  /** What a route charges: its policies, all or nothing, and the cost of one request. */
  private record RouteQuota(List<Policy> policies, long cost) {}

  /**
   * A route's arguments, bound from its {@code sluice-rate-limiter.*} filter arguments.
   */
  public static final class Config {
    private List<String> policies = new ArrayList<>();
    private long cost = 1;

    /** An empty configuration: no policy, cost 1. */
    public Config() {}

    /**
     * The names of the policies every request of the route is charged against, all or nothing.
     *
     * @return the names
     */
    public List<String> getPolicies() {
      return policies;
    }

    /**
     * Sets the policy names.
     *
     * @param policies the names, of the limiter's policies
     * @return this configuration
     */
    public Config setPolicies(List<String> policies) {
      this.policies = policies == null ? new ArrayList<>() : new ArrayList<>(policies);
      return this;
    }

    /**
     * What one request costs (default 1).
     *
     * @return the cost
     */
    public long getCost() {
      return cost;
    }

    /**
     * Sets the cost of one request.
     *
     * @param cost the cost, {@code >= 0}
     * @return this configuration
     */
    public Config setCost(long cost) {
      this.cost = cost;
      return this;
    }

    @Override
    public String toString() {
      return "Config[policies=" + policies + ", cost=" + cost + "]";
    }
  }

  /** Builds a {@link SluiceRateLimiter}. */
  public static final class Builder {
    private final Sluice sluice;
    private final Map<String, Policy> policies;
    private HeaderStyle style = HeaderStyle.IETF;
    private Scheduler scheduler = Schedulers.boundedElastic();
    private ConfigurationService configurationService;
    private Config defaults;

    private Builder(Sluice sluice, Map<String, ? extends Policy> policies) {
      this.sluice = Objects.requireNonNull(sluice, "sluice");
      Objects.requireNonNull(policies, "policies");
      Map<String, Policy> copy = new LinkedHashMap<>();
      policies.forEach((name, p) -> copy.put(Objects.requireNonNull(name, "policy name"),
          Objects.requireNonNull(p, () -> "policies['" + name + "']")));
      this.policies = Collections.unmodifiableMap(copy);
    }

    /**
     * Which RateLimit headers answers carry (default {@link HeaderStyle#IETF}).
     *
     * @param style the style
     * @return this builder
     */
    public Builder headers(HeaderStyle style) {
      this.style = Objects.requireNonNull(style, "style");
      return this;
    }

    /**
     * Where decisions run (default {@link Schedulers#boundedElastic()}: the store may block);
     * {@link Schedulers#immediate()} decides on the calling thread.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Binds routes' {@code sluice-rate-limiter.*} arguments (the gateway's
     * {@code ConfigurationService} bean); without it only the defaults apply.
     *
     * @param service the gateway's configuration service
     * @return this builder
     */
    public Builder configurationService(ConfigurationService service) {
      this.configurationService = Objects.requireNonNull(service, "service");
      return this;
    }

    /**
     * What a route without {@code sluice-rate-limiter.*} arguments is charged (by default
     * nothing: such a route's requests fail, naming it). As with {@code RedisRateLimiter}, a
     * route's own arguments come first, then these defaults, then the default filters'
     * arguments.
     *
     * @param policyNames the policies' names
     * @param cost the cost of one request, {@code >= 0}
     * @return this builder
     */
    public Builder defaults(List<String> policyNames, long cost) {
      this.defaults = new Config().setPolicies(Objects.requireNonNull(policyNames, "policyNames")).setCost(cost);
      return this;
    }

    /**
     * The limiter.
     *
     * @return the limiter
     * @throws IllegalArgumentException if the defaults name an unknown policy, one that is not a
     *     rate policy or one twice, or a negative cost
     */
    public SluiceRateLimiter build() {
      SluiceRateLimiter limiter = new SluiceRateLimiter(this, null);
      if (defaults == null) {
        return limiter;
      }
      RouteQuota d = limiter.resolve("defaults: ", defaults);
      return new SluiceRateLimiter(this, d);
    }
  }
}
