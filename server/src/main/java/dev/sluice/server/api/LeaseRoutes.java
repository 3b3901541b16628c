package dev.sluice.server.api;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.server.http.Request;
import dev.sluice.server.http.Response;
import dev.sluice.server.http.Routes;
import dev.sluice.spi.Command;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Leases on named concurrency policies: {@code POST /v1/leases/acquire}, {@code /renew} and
 * {@code /release}. A lease is named by its policy, its key and its id, all three sent back on
 * renew and release; the server keeps nothing between calls (the store does), so any instance on
 * the same store can renew or release a lease another one granted, and a restart loses none.
 *
 * <p>A lease not renewed within the policy's TTL expires and frees its slots by itself. Release
 * answers 404 for a lease that is not held (expired, released, never granted): it renews the
 * lease first, the store's one way to tell, then releases it.
 */
final class LeaseRoutes {

  private final NamedPolicies policies;

  LeaseRoutes(NamedPolicies policies) {
    this.policies = policies;
  }

  void addTo(Routes.Builder routes) {
    routes.postBlocking("/v1/leases/acquire", "take slots of a concurrency policy for a key",
        Handlers.guarded(this::acquire));
    routes.postBlocking("/v1/leases/renew", "extend a lease by its policy's TTL",
        Handlers.guarded(this::renew));
    routes.postBlocking("/v1/leases/release", "give a lease's slots back",
        Handlers.guarded(this::release));
  }

  private Response acquire(Request request) {
    Body body = Body.of(request, "policy", "key", "slots");
    String name = body.string("policy");
    Concurrency policy = concurrency(name);
    String key = body.key("key");
    long slots = body.integer("slots", 1, Long.MAX_VALUE, 1);
    NamedPolicies.Hold hold = policies.hold(policy, key, slots);
    Decision d = hold.decision();
    if (!d.allowed()) {
      throw Decisions.refusal(d, name, key, slots + (slots == 1 ? " slot" : " slots"), List.of(d))
          .with("slots", slots);
    }
    Map<String, Object> out = lease(name, key, hold, policy);
    out.put("slots", slots);
    out.putAll(state(d));
    return Decisions.ok(out, List.of(d));
  }

  private Response renew(Request request) {
    Body body = Body.of(request, "policy", "key", "id");
    String name = body.string("policy");
    Concurrency policy = concurrency(name);
    String key = body.key("key");
    long id = body.id("id");
    NamedPolicies.Hold hold = policies.renew(policy, name, key, id, "lease");
    Map<String, Object> out = lease(name, key, hold, policy);
    out.putAll(state(hold.decision()));
    return Decisions.ok(out, List.of(hold.decision()));
  }

  private Response release(Request request) {
    Body body = Body.of(request, "policy", "key", "id");
    String name = body.string("policy");
    Concurrency policy = concurrency(name);
    String key = body.key("key");
    long id = body.id("id");
    policies.renew(policy, name, key, id, "lease");
    Decision d = policies.apply(policy, key, Command.release(id));
    NamedPolicies.requireStoreDecided(d, name, key, "the release of lease " + Body.formatId(id));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("released", true);
    out.put("id", Body.formatId(id));
    out.put("policy", name);
    out.put("key", key);
    out.putAll(state(d));
    return Decisions.ok(out, List.of(d));
  }

  private Concurrency concurrency(String name) {
    return (Concurrency) policies.resolve("policy", name, Policy.Kind.CONCURRENCY);
  }

  private static Map<String, Object> lease(String name, String key, NamedPolicies.Hold hold,
      Concurrency policy) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", Body.formatId(hold.id()));
    out.put("policy", name);
    out.put("key", key);
    out.put("ttlMillis", policy.leaseTtl().toMillis());
    out.put("expiresAt", hold.expiry(policy.leaseTtl()).toString());
    return out;
  }

  /** The key's slots after the call: limit, held, remaining, and whether the store decided. */
  private static Map<String, Object> state(Decision d) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("limit", d.limit());
    out.put("held", d.used());
    out.put("remaining", d.remaining());
    out.put("storeDecided", d.storeDecided());
    return out;
  }
}
