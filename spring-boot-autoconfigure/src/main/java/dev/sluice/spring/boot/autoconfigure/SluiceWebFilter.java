package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Budgets;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.QuotaExceeded;
import dev.sluice.QuotaExceededException;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.QuotaAnswer;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Per-client quotas in front of a WebFlux application: the decisions of the Servlet module's
 * {@code SluiceFilter}, on a {@link ServerWebExchange}.
 *
 * <p>For each request: {@link HttpQuotas#decide} (the principal, if any, resolved first); a
 * refusal is written (status, headers, {@code application/problem+json} body) and the chain is
 * not called. When the matching rule is not an exclusion, each budget is checked and one slot of
 * the concurrency policy is leased on the client's key. The admission's rate-limit headers are
 * set, then the chain runs; when it completes, errs or is cancelled, the lease is released and the
 * budgets are charged the cost the application left in the exchange attribute (a {@code Long}).
 *
 * <p>A store that may block (SQLite, Redis) is asked on {@link Schedulers#boundedElastic()}, never
 * on the event loop.
 */
public final class SluiceWebFilter implements WebFilter, Ordered {

  /** The filter's order: after Spring Security's web filter chain (-100), so a principal is known. */
  public static final int ORDER = -50;

  private static final System.Logger LOG = System.getLogger(SluiceWebFilter.class.getName());

  private final HttpQuotas quotas;
  private final Leases leases;
  private final List<Budgets> budgets;
  private final String costAttribute;
  private final QuotaAnswer.HeaderStyle style;
  private final Scheduler scheduler;

  /**
   * A filter.
   *
   * @param quotas the per-client quotas every request is decided by
   * @param leases the concurrency policy held around each request, or null for none
   * @param budgets the budgets checked before and charged after each request
   * @param costAttribute the exchange attribute holding a request's budget cost
   * @param style the header style of the filter's own lease and budget refusals
   * @param blocking whether the store may block (then it is asked off the event loop)
   */
  public SluiceWebFilter(HttpQuotas quotas, Leases leases, List<Budgets> budgets, String costAttribute,
      QuotaAnswer.HeaderStyle style, boolean blocking) {
    this.quotas = Objects.requireNonNull(quotas, "quotas");
    this.leases = leases;
    this.budgets = List.copyOf(budgets);
    this.costAttribute = Objects.requireNonNull(costAttribute, "costAttribute");
    this.style = Objects.requireNonNull(style, "style");
    this.scheduler = blocking ? Schedulers.boundedElastic() : Schedulers.immediate();
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  /** What the decision step found: a refusal, or an admission with its lease. */
  private record Step(QuotaAnswer refusal, QuotaAnswer admission, String key, Lease lease, boolean limited) {}

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    return exchange.getPrincipal().map(Principal::getName).map(Optional::of).defaultIfEmpty(Optional.empty())
        .flatMap(principal -> Mono.fromCallable(() -> decide(exchange, principal.orElse(null))).subscribeOn(scheduler))
        .flatMap(step -> step.refusal() != null ? refuse(exchange.getResponse(), step.refusal())
            : pass(exchange, chain, step));
  }

  private Step decide(ServerWebExchange exchange, String principal) {
    HttpQuotas.Outcome outcome = quotas.decide(new ExchangeQuotaRequest(exchange.getRequest(), principal));
    if (outcome.answer().refused()) {
      return new Step(outcome.answer(), null, null, null, false);
    }
    boolean limited = outcome.rule().map(r -> !r.exclusion()).orElse(false);
    String key = outcome.client().key();
    Lease lease = null;
    if (limited) {
      for (Budgets b : budgets) {
        QuotaExceeded spent = b.denial(key).orElse(null);
        if (spent != null) {
          return new Step(QuotaProblems.answer(b.policy(), spent, "1 request", style), null, null, null, false);
        }
      }
      if (leases != null) {
        try {
          lease = leases.acquire(key);
        } catch (QuotaExceededException e) {
          return new Step(QuotaProblems.answer(leases.policy(), e.quota(), "1 request", style), null, null, null,
              false);
        }
      }
    }
    return new Step(null, outcome.answer(), key, lease, limited);
  }

  private Mono<Void> pass(ServerWebExchange exchange, WebFilterChain chain, Step step) {
    for (Map.Entry<String, String> h : step.admission().headers().entrySet()) {
      exchange.getResponse().getHeaders().set(h.getKey(), h.getValue());
    }
    if (!step.limited() || step.lease() == null && budgets.isEmpty()) {
      return chain.filter(exchange);
    }
    AtomicBoolean finished = new AtomicBoolean();
    return chain.filter(exchange).doFinally(signal -> {
      if (finished.compareAndSet(false, true)) {
        scheduler.schedule(() -> finish(exchange, step));
      }
    });
  }

  private void finish(ServerWebExchange exchange, Step step) {
    if (step.lease() != null) {
      try {
        step.lease().release();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "releasing " + step.lease() + " failed; it expires by itself", e);
      }
    }
    long cost = cost(exchange.getAttribute(costAttribute));
    if (cost > 0) {
      for (Budgets b : budgets) {
        try {
          b.record(step.key(), cost);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "charging " + cost + " to budget '" + b.policy().name() + "' failed", e);
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
    LOG.log(System.Logger.Level.WARNING, "exchange attribute '" + costAttribute + "' is a "
        + value.getClass().getName() + ", not a Long: nothing charged");
    return 0;
  }

  static Mono<Void> refuse(ServerHttpResponse response, QuotaAnswer answer) {
    byte[] body = answer.body();
    response.setStatusCode(HttpStatusCode.valueOf(answer.status()));
    for (Map.Entry<String, String> h : answer.headers().entrySet()) {
      response.getHeaders().set(h.getKey(), h.getValue());
    }
    response.getHeaders().setContentType(MediaType.parseMediaType(QuotaAnswer.PROBLEM_JSON));
    response.getHeaders().setContentLength(body.length);
    DataBuffer buffer = response.bufferFactory().wrap(body);
    return response.writeWith(Mono.just(buffer));
  }
}
