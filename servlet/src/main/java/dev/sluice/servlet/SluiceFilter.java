package dev.sluice.servlet;

import dev.sluice.Budgets;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Policy;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.QuotaAnswer;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Per-client quotas in front of a Servlet application: every request is decided by
 * {@link HttpQuotas} before the application sees it.
 *
 * <pre>{@code
 * SluiceFilter filter = SluiceFilter.builder(quotas)          // rate limits per client
 *     .concurrency(sluice.leases(Concurrency.of("in-flight", 4, Duration.ofMinutes(5))))
 *     .budget(sluice.budget(Budget.daily("rows", 1_000_000)))   // charged after the response
 *     .build();
 * }</pre>
 *
 * <p>For each request of dispatch type {@code REQUEST} (other dispatches of the same request —
 * {@code ASYNC}, {@code FORWARD}, {@code INCLUDE}, {@code ERROR} — pass through, so a request is
 * counted once):
 *
 * <ol>
 *   <li>{@link HttpQuotas#decide} with the request as {@link ServletQuotaRequest} reads it. A
 *       refusal is written (status, its headers, {@code application/problem+json} body) and the
 *       application is not called.
 *   <li>When the matching rule is not an exclusion (a request no rule matches, or an excluded one
 *       such as a health check, takes nothing here either): each budget is checked for the
 *       client's key; a spent budget is refused with 429 until its period ends, a budget whose
 *       store cannot decide and fails closed with 503.
 *   <li>Then, if a {@link Leases concurrency policy} is set, one slot is leased on the client's
 *       key; when every slot is held the request is refused with 429 (503 when the store cannot
 *       decide and the policy fails closed). The request has already been counted by the rate
 *       rule then, as any request that reached the server.
 *   <li>The admission's rate-limit headers are set on the response, before the application runs
 *       (so they are there even if it commits the response early), and the chain is called.
 *   <li>When the request is done, the lease is released and each budget is charged the cost the
 *       application left in the {@linkplain Builder#costAttribute cost attribute} (none: nothing
 *       charged). Done is: the chain returns; the chain throws (the exception goes on to the
 *       container); or, when the application started async processing, the
 *       {@link AsyncListener} events {@code onComplete}, {@code onError} or {@code onTimeout},
 *       whichever comes first. This happens exactly once per request.
 * </ol>
 *
 * <p>A lease or budget denial is turned into a {@link QuotaAnswer} from the denial's data: usage
 * at the limit is {@code LIMITED} (429 with {@code Retry-After}), usage below it means the store
 * could not decide ({@code STORE_UNAVAILABLE}, 503; a full in-memory store answers the same).
 *
 * <p>The filter is thread-safe and holds no per-request state outside the request.
 *
 * <p>From a configuration file, with no code: register the class (in {@code web.xml}, or
 * {@code ServletContext.addFilter("sluice", SluiceFilter.class)}) with the init-param
 * {@value #CONFIG_PARAM} naming a YAML file of the {@code sluice:} tree; {@link #init} reads it and
 * opens its store, and {@link #destroy} closes that store. A configuration error stops
 * {@link #init} with the file and the key's path. In code, {@link ConfiguredFilter#fromYaml} does
 * the same.
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>sluice</filter-name>
 *   <filter-class>dev.sluice.servlet.SluiceFilter</filter-class>
 *   <init-param><param-name>config</param-name><param-value>/etc/myapp/quotas.yaml</param-value></init-param>
 *   <async-supported>true</async-supported>
 * </filter>
 * <filter-mapping><filter-name>sluice</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 */
public final class SluiceFilter implements Filter {

  /** The request attribute the application sets to a budget cost unless another is chosen. */
  public static final String DEFAULT_COST_ATTRIBUTE = "dev.sluice.servlet.cost";

  /** The init-param naming the YAML file of a filter made by its no-arg constructor. */
  public static final String CONFIG_PARAM = "config";

  /** Set on a request once this filter has taken it, so that it is counted once. */
  static final String SEEN = SluiceFilter.class.getName() + ".seen";

  private static final System.Logger LOG = System.getLogger(SluiceFilter.class.getName());

  /** What the filter does; null until {@link #init} for a filter made by the no-arg constructor. */
  private volatile Setup setup;
  /** What {@link #init} opened from the file, closed by {@link #destroy}. */
  private ConfiguredFilter owned;

  /** The filter's parts, fixed once built. */
  private record Setup(HttpQuotas quotas, Leases leases, List<Budgets> budgets, String costAttribute,
      QuotaAnswer.HeaderStyle style) {}

  private SluiceFilter(Builder b) {
    this.setup = new Setup(b.quotas, b.leases, List.copyOf(b.budgets), b.costAttribute, b.style);
  }

  /**
   * A filter configured by its init-param {@value #CONFIG_PARAM} when the container calls
   * {@link #init}: for {@code web.xml} and {@code ServletContext.addFilter(name, SluiceFilter.class)}.
   * In code, use {@link #builder} or {@link ConfiguredFilter#fromYaml}.
   */
  public SluiceFilter() {
    this.setup = null;
  }

  /**
   * For a filter made by the no-arg constructor: reads the YAML file the init-param
   * {@value #CONFIG_PARAM} names and opens its store. A filter built in code ignores this.
   *
   * @param config the filter's configuration from the container
   * @throws ServletException if the init-param is missing, or the file or its configuration is
   *     wrong (the message names the file and the line or the key's path), or the store cannot be
   *     opened; the container then does not start the filter
   */
  @Override
  public synchronized void init(FilterConfig config) throws ServletException {
    if (setup != null) {
      return;
    }
    String file = config.getInitParameter(CONFIG_PARAM);
    if (file == null || file.isBlank()) {
      throw new ServletException("SluiceFilter '" + config.getFilterName() + "': init-param '" + CONFIG_PARAM
          + "' (the path of the YAML file with the sluice: tree) is missing");
    }
    try {
      owned = ConfiguredFilter.fromYaml(Path.of(file.strip()));
    } catch (RuntimeException e) {
      throw new ServletException("SluiceFilter '" + config.getFilterName() + "': " + e.getMessage(), e);
    }
    setup = owned.filter().setup;
  }

  /** Closes the store {@link #init} opened from the file, if it did. */
  @Override
  public synchronized void destroy() {
    if (owned != null) {
      setup = null;
      owned.close();
      owned = null;
    }
  }

  /**
   * A builder over {@code quotas}.
   *
   * @param quotas the per-client quotas every request is decided by
   * @return the builder
   * @throws NullPointerException if {@code quotas} is null
   */
  public static Builder builder(HttpQuotas quotas) {
    return new Builder(Objects.requireNonNull(quotas, "quotas"));
  }

  /**
   * Decides the request, then refuses it or passes it on; see the class description.
   *
   * @param req the request
   * @param res the response
   * @param chain the rest of the chain
   * @throws IOException from writing a refusal, or from the chain
   * @throws ServletException from the chain
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)
        || req.getDispatcherType() != DispatcherType.REQUEST || req.getAttribute(SEEN) != null) {
      chain.doFilter(req, res);
      return;
    }
    Setup s = setup;
    if (s == null) {
      throw new ServletException("SluiceFilter is not initialised: a filter made by the no-arg constructor is"
          + " configured by init(FilterConfig), or has been destroyed");
    }
    request.setAttribute(SEEN, Boolean.TRUE);
    HttpQuotas.Outcome outcome = s.quotas.decide(new ServletQuotaRequest(request));
    if (outcome.answer().refused()) {
      refuse(response, outcome.answer());
      return;
    }
    boolean limited = outcome.rule().isPresent() && !outcome.rule().get().exclusion();
    String key = outcome.client().key();
    Lease lease = null;
    if (limited) {
      for (Budgets b : s.budgets) {
        QuotaExceeded spent = b.denial(key).orElse(null);
        if (spent != null) {
          refuse(response, answer(b.policy(), spent, s.style));
          return;
        }
      }
      if (s.leases != null) {
        try {
          lease = s.leases.acquire(key);
        } catch (QuotaExceededException e) {
          refuse(response, answer(s.leases.policy(), e.quota(), s.style));
          return;
        }
      }
    }
    outcome.answer().forEachHeader(response::setHeader);
    if (!limited || lease == null && s.budgets.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    Completion done = new Completion(s, request, key, lease);
    try {
      chain.doFilter(request, response);
    } finally {
      done.afterChain();
    }
  }

  private static void refuse(HttpServletResponse response, QuotaAnswer answer) throws IOException {
    byte[] body = answer.body();
    response.setStatus(answer.status());
    answer.forEachHeader(response::setHeader);
    response.setContentType(QuotaAnswer.PROBLEM_JSON);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** The answer to a lease or budget denial (see the class description). */
  private static QuotaAnswer answer(Policy policy, QuotaExceeded q, QuotaAnswer.HeaderStyle style) {
    return QuotaAnswer.refused(policy, q, "1 request", style);
  }

  /** Runs once when the request is done: releases the lease, charges the budgets. */
  private static final class Completion implements AsyncListener {
    private final Setup setup;
    private final HttpServletRequest request;
    private final String key;
    private final Lease lease;
    private final AtomicBoolean finished = new AtomicBoolean();

    Completion(Setup setup, HttpServletRequest request, String key, Lease lease) {
      this.setup = setup;
      this.request = request;
      this.key = key;
      this.lease = lease;
    }

    /** After the chain returned or threw: done now, or when the async processing ends. */
    void afterChain() {
      if (request.isAsyncStarted()) {
        try {
          AsyncContext async = request.getAsyncContext();
          async.addListener(this);
          return;
        } catch (IllegalStateException e) {
          // the async cycle ended between the two calls: the request is done
        }
      }
      finish();
    }

    void finish() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      try {
        if (lease != null) {
          lease.release();
        }
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "releasing " + lease + " failed; it expires by itself", e);
      }
      long cost = cost(request.getAttribute(setup.costAttribute));
      if (cost > 0) {
        for (Budgets b : setup.budgets) {
          try {
            b.record(key, cost);
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "charging " + cost + " to budget '" + b.policy().name()
                + "' failed", e);
          }
        }
      }
    }

    private long cost(Object value) {
      if (value == null) {
        return 0;
      }
      if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
        return ((Number) value).longValue();
      }
      LOG.log(System.Logger.Level.WARNING, "request attribute '" + setup.costAttribute + "' is a "
          + value.getClass().getName() + ", not a Long: nothing charged");
      return 0;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      finish();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      finish();
    }

    @Override
    public void onError(AsyncEvent event) {
      finish();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      // a new async cycle drops the listeners: stay on it
      AsyncContext async = event.getAsyncContext();
      if (async != null) {
        async.addListener(this);
      }
    }
  }

  /** Builds a {@link SluiceFilter}. */
  public static final class Builder {
    private final HttpQuotas quotas;
    private Leases leases;
    private final List<Budgets> budgets = new ArrayList<>();
    private String costAttribute = DEFAULT_COST_ATTRIBUTE;
    private QuotaAnswer.HeaderStyle style = QuotaAnswer.HeaderStyle.IETF;

    private Builder(HttpQuotas quotas) {
      this.quotas = quotas;
    }

    /**
     * Holds one slot of {@code leases} on the client's key while a request runs (default none).
     *
     * @param leases the concurrency policy, from {@code sluice.leases(Concurrency.of(...))}
     * @return this builder
     * @throws NullPointerException if {@code leases} is null
     */
    public Builder concurrency(Leases leases) {
      this.leases = Objects.requireNonNull(leases, "leases");
      return this;
    }

    /**
     * Checks {@code budget} on the client's key before a request and charges it the request's
     * cost after (default none); may be called again to add more budgets, each charged the same
     * cost.
     *
     * @param budget the budget, from {@code sluice.budget(Budget.daily(...))}
     * @return this builder
     * @throws NullPointerException if {@code budget} is null
     */
    public Builder budget(Budgets budget) {
      budgets.add(Objects.requireNonNull(budget, "budget"));
      return this;
    }

    /**
     * The request attribute the application sets to what the request cost the budgets, as a
     * {@link Long} (an {@link Integer} is read too); default {@value #DEFAULT_COST_ATTRIBUTE}.
     * Unset, zero or negative charges nothing.
     *
     * @param name the attribute's name
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Builder costAttribute(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("the cost attribute's name must not be empty");
      }
      this.costAttribute = name;
      return this;
    }

    /**
     * Which rate-limit headers the filter's own lease and budget refusals carry (default
     * {@link QuotaAnswer.HeaderStyle#IETF}); the rate rules' answers use the style
     * {@link HttpQuotas} was built with.
     *
     * @param style the style
     * @return this builder
     * @throws NullPointerException if {@code style} is null
     */
    public Builder headers(QuotaAnswer.HeaderStyle style) {
      this.style = Objects.requireNonNull(style, "style");
      return this;
    }

    /**
     * The filter.
     *
     * @return the filter
     */
    public SluiceFilter build() {
      return new SluiceFilter(this);
    }
  }
}
