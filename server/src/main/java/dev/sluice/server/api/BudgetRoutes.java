package dev.sluice.server.api;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.server.http.Request;
import dev.sluice.server.http.Response;
import dev.sluice.server.http.Routes;
import dev.sluice.spi.Command;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost budgets on named budget policies, as core's {@link dev.sluice.Budgets} offers them: {@code
 * POST /v1/budgets/check} (pre-flight), {@code /record} (post-hoc, never refused for being over),
 * {@code /reserve} (hold an estimate; returns the reservation's id), {@code /settle} (charge the
 * real cost instead), {@code /cancel} (give the estimate back) and {@code /usage}. Every answer
 * carries the key's usage after the call.
 *
 * <p>Settle and cancel name the reservation by policy, key and id, and answer 404 for one that is
 * not held: they renew it first, the store's one way to tell. A reservation that expired is not
 * held either: its work was done but its estimate is gone, so settling it charges nothing and the
 * answer says to record the cost instead. (Two settles of one reservation racing each other can
 * both pass the renewal and both charge; one after the other, the second is refused.)
 */
final class BudgetRoutes {

  /** The timeline's end for windows (2^62 ns, core's bound on times). */
  private static final long MAX_WINDOW_NANOS = 1L << 62;

  private final NamedPolicies policies;

  BudgetRoutes(NamedPolicies policies) {
    this.policies = policies;
  }

  void addTo(Routes.Builder routes) {
    routes.postBlocking("/v1/budgets/check", "whether a cost still fits a key's budget",
        Handlers.guarded(this::check));
    routes.postBlocking("/v1/budgets/record", "charge a cost that was spent, unconditionally",
        Handlers.guarded(this::record));
    routes.postBlocking("/v1/budgets/reserve", "hold an estimate against a key's budget",
        Handlers.guarded(this::reserve));
    routes.postBlocking("/v1/budgets/settle", "close a reservation, charging the real cost",
        Handlers.guarded(this::settle));
    routes.postBlocking("/v1/budgets/cancel", "close a reservation, giving its estimate back",
        Handlers.guarded(this::cancel));
    routes.postBlocking("/v1/budgets/usage", "a key's usage of a budget this period",
        Handlers.guarded(this::usage));
  }

  private Response check(Request request) {
    Body body = Body.of(request, "policy", "key", "cost");
    Call c = call(body);
    long cost = body.integer("cost", 0, Long.MAX_VALUE, 1);
    long before = wallNanos();
    Decision d = policies.apply(c.policy, c.key, Command.peek(cost));
    if (!d.allowed()) {
      throw Decisions.refusal(d, c.name, c.key, "a cost of " + cost, List.of(d)).with("cost", cost);
    }
    // an admitting peek tells the usage as it would be after the cost: read the usage as it is
    Decision now = cost == 0 || !d.storeDecided() ? d : policies.apply(c.policy, c.key, Command.peek(0));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("allowed", true);
    out.put("cost", cost);
    return answer(out, c, now, before);
  }

  private Response record(Request request) {
    Body body = Body.of(request, "policy", "key", "cost");
    Call c = call(body);
    long cost = body.integer("cost", 0, Long.MAX_VALUE);
    long before = wallNanos();
    Decision d = policies.apply(c.policy, c.key, cost == 0 ? Command.peek(0) : Command.record(cost));
    NamedPolicies.requireStoreDecided(d, c.name, c.key, "the record of a cost of " + cost);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("recorded", cost);
    return answer(out, c, d, before);
  }

  private Response reserve(Request request) {
    Body body = Body.of(request, "policy", "key", "estimate");
    Call c = call(body);
    long estimate = body.integer("estimate", 1, Long.MAX_VALUE);
    NamedPolicies.Hold hold = policies.hold(c.policy, c.key, estimate);
    Decision d = hold.decision();
    if (!d.allowed()) {
      throw Decisions.refusal(d, c.name, c.key, "an estimate of " + estimate, List.of(d))
          .with("estimate", estimate);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", Body.formatId(hold.id()));
    out.put("estimate", estimate);
    out.put("ttlMillis", c.policy.reservationTtl().toMillis());
    out.put("expiresAt", hold.expiry(c.policy.reservationTtl()).toString());
    return answer(out, c, d, hold.wallBeforeNanos());
  }

  private Response settle(Request request) {
    Body body = Body.of(request, "policy", "key", "id", "actual");
    Call c = call(body);
    long id = body.id("id");
    long actual = body.integer("actual", 0, Long.MAX_VALUE);
    policies.renew(c.policy, c.name, c.key, id, "reservation");
    long before = wallNanos();
    Decision d = policies.apply(c.policy, c.key, Command.settle(id, actual));
    NamedPolicies.requireStoreDecided(d, c.name, c.key, "the settlement of reservation "
        + Body.formatId(id));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("settled", Body.formatId(id));
    out.put("actual", actual);
    return answer(out, c, d, before);
  }

  private Response cancel(Request request) {
    Body body = Body.of(request, "policy", "key", "id");
    Call c = call(body);
    long id = body.id("id");
    policies.renew(c.policy, c.name, c.key, id, "reservation");
    long before = wallNanos();
    Decision d = policies.apply(c.policy, c.key, Command.release(id));
    NamedPolicies.requireStoreDecided(d, c.name, c.key, "the cancellation of reservation "
        + Body.formatId(id));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cancelled", Body.formatId(id));
    return answer(out, c, d, before);
  }

  private Response usage(Request request) {
    Body body = Body.of(request, "policy", "key");
    Call c = call(body);
    long before = wallNanos();
    Decision d = policies.apply(c.policy, c.key, Command.peek(0));
    // a failure answer says used 0: never show it as the key's usage
    NamedPolicies.requireStoreDecided(d, c.name, c.key, "the usage");
    return answer(new LinkedHashMap<>(), c, d, before);
  }

  /** The policy and key every budget route starts with. */
  private record Call(String name, Budget policy, String key) {}

  private Call call(Body body) {
    String name = body.string("policy");
    Budget policy = (Budget) policies.resolve("policy", name, Policy.Kind.BUDGET);
    return new Call(name, policy, body.key("key"));
  }

  /**
   * {@code out}, then the key's usage after the call: policy, key, limit, used (with open
   * reservations; may exceed the limit), remaining, resetAfterMillis and periodEnd.
   */
  private Response answer(Map<String, Object> out, Call c, Decision d, long wallBeforeNanos) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.putAll(out);
    all.put("policy", c.name);
    all.put("key", c.key);
    all.put("limit", d.limit());
    all.put("used", d.used());
    all.put("remaining", d.remaining());
    all.put("resetAfterMillis", Decisions.millis(d.resetAfterNanos()));
    all.put("periodEnd", periodEnd(c.policy, d, wallBeforeNanos).toString());
    all.put("storeDecided", d.storeDecided());
    return Decisions.ok(all, List.of(d));
  }

  /**
   * When the period ends, as core's {@code Budgets.usage} places it: a calendar period's boundary
   * itself (midnight, not a moment before: the store read its clock a little after {@code
   * before}); a fixed period's end placed on the wall clock.
   */
  private Instant periodEnd(Budget policy, Decision d, long before) {
    long untilEnd = d.resetAfterNanos();
    long after = wallNanos();
    long end;
    if (policy.usesWallClock()) {
      long low = saturatedAdd(before, untilEnd);
      long high = saturatedAdd(after, untilEnd);
      long boundary = high > MAX_WINDOW_NANOS ? low : policy.period().startNanos(high);
      end = Math.max(boundary, low);
    } else {
      end = saturatedAdd(after, untilEnd);
    }
    return Instant.ofEpochSecond(0, end);
  }

  private long wallNanos() {
    return policies.store().clock().wallNanos();
  }

  private static long saturatedAdd(long a, long b) {
    return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
  }
}
