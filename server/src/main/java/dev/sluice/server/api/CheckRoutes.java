package dev.sluice.server.api;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.Sluice;
import dev.sluice.server.http.Request;
import dev.sluice.server.http.Response;
import dev.sluice.server.http.Routes;
import dev.sluice.spi.Command;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/check} and {@code POST /v1/check/peek}: one key, one cost, one or several named
 * rate or budget policies, decided in one atomic store call ({@link Sluice#tryAcquireAll}): every
 * policy admits and is charged, or none is.
 *
 * <p>The answer lists every policy. The deciding one (the denial with the longest wait, else the
 * admission with the least remaining) is the atomic call's own decision; the others are read just
 * after it, with a peek of the cost (of 0 after an admission, to show what is left): a report, not
 * a second decision, and only made when there are several policies.
 */
final class CheckRoutes {

  /** The most policies one check names. */
  static final int MAX_POLICIES = 16;

  private final NamedPolicies policies;
  private final Sluice sluice;

  CheckRoutes(NamedPolicies policies) {
    this.policies = policies;
    // the engine over the server's store; never closed here, as that would close the store
    this.sluice = Sluice.builder().store(policies.store()).build();
  }

  void addTo(Routes.Builder routes) {
    routes.postBlocking("/v1/check", "check and charge named policies for a key, all or nothing",
        Handlers.guarded(r -> check(r, false)));
    routes.postBlocking("/v1/check/peek", "what /v1/check would decide, charging nothing",
        Handlers.guarded(r -> check(r, true)));
  }

  private Response check(Request request, boolean peek) {
    Body body = Body.of(request, "key", "policies", "cost");
    String key = body.key("key");
    List<String> names = body.strings("policies", MAX_POLICIES);
    long cost = body.integer("cost", 0, Long.MAX_VALUE, 1);
    List<Charge> charges = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      Policy p = policies.resolve("policies[" + i + "]", names.get(i), Policy.Kind.RATE,
          Policy.Kind.BUDGET);
      for (int j = 0; j < i; j++) {
        if (charges.get(j).policy().equals(p)) {
          throw Problem.invalid("policies[" + i + "]", names.get(i), "field 'policies[" + i
              + "]' names the same policy as policies[" + j + "]");
        }
      }
      charges.add(new Charge(p, key, cost));
    }

    Decision deciding;
    try {
      deciding = peek ? sluice.peekAll(charges) : sluice.tryAcquireAll(charges);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      deciding = NamedPolicies.unavailable(charges.get(0).policy(), e);
    }
    int at = indexOf(charges, deciding);
    List<String> shownNames = new ArrayList<>(charges.size());
    List<Decision> each = new ArrayList<>(charges.size());
    for (int i = 0; i < charges.size(); i++) {
      if (i == at) {
        shownNames.add(names.get(i));
        each.add(deciding);
      } else if (deciding.storeDecided()) { // else the store is failing: no more calls to it
        long shown = deciding.allowed() && !peek ? 0 : cost;
        shownNames.add(names.get(i));
        each.add(policies.apply(charges.get(i).policy(), key, Command.peek(shown)));
      }
    }
    List<Map<String, Object>> listed = new ArrayList<>(each.size());
    for (int i = 0; i < each.size(); i++) {
      listed.add(Decisions.json(shownNames.get(i), each.get(i)));
    }
    String decidedBy = names.get(at);
    boolean refusal = !deciding.allowed()
        && (!peek || deciding.reason() == Decision.Reason.STORE_UNAVAILABLE
            || deciding.reason() == Decision.Reason.STORE_FULL);
    if (refusal) {
      throw Decisions.refusal(deciding, decidedBy, key, "a cost of " + cost, each)
          .with("cost", cost).with("policies", listed);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("allowed", deciding.allowed());
    out.put("key", key);
    out.put("cost", cost);
    out.put("decidedBy", decidedBy);
    out.put("policies", listed);
    return Decisions.ok(out, each);
  }

  /** The index of the charge whose policy made {@code d} (the first, if none matches). */
  private static int indexOf(List<Charge> charges, Decision d) {
    for (int i = 0; i < charges.size(); i++) {
      if (charges.get(i).policy().equals(d.policy())) {
        return i;
      }
    }
    return 0;
  }
}
