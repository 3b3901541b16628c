package dev.sluice.spring.boot.autoconfigure;

import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.spi.Command;
import dev.sluice.spi.Store;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads usage from the store without charging anything or telling a listener (a peek of cost 0),
 * for the actuator endpoint and the health indicators.
 */
final class StoreProbe {
  /** The key the health check peeks at: no client key has this form ({@code ip:} or {@code id:}). */
  static final String HEALTH_KEY = "sluice-health";

  private final Store store;
  private final Map<String, Policy> policies;
  private final String type;

  StoreProbe(Store store, Map<String, Policy> policies, String type) {
    this.store = store;
    this.policies = policies;
    this.type = type;
  }

  String type() {
    return type;
  }

  Map<String, Policy> policies() {
    return policies;
  }

  /** The configured policies, name to text form. */
  Map<String, Object> describe() {
    Map<String, Object> list = new LinkedHashMap<>();
    for (Map.Entry<String, Policy> e : policies.entrySet()) {
      list.put(e.getKey(), PolicyText.format(e.getValue()));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("store", type);
    out.put("policies", list);
    return out;
  }

  /** A key's usage under a policy; null if the policy is not configured. */
  Map<String, Object> usage(String policyName, String key) {
    Policy p = policies.get(policyName);
    if (p == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("policy", policyName);
    out.put("key", key);
    try {
      Keys.check(key);
    } catch (IllegalArgumentException e) {
      out.put("error", e.getMessage());
      return out;
    }
    Decision d = store.partition(p).apply(key, Command.peek(0));
    out.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
    out.put("limit", d.limit());
    out.put("used", d.used());
    out.put("remaining", d.remaining());
    out.put("resetAfterSeconds", seconds(d.resetAfterNanos()));
    out.put("storeDecided", d.storeDecided());
    return out;
  }

  /** Whether the store decides now: null if it does, else why not. */
  String problem() {
    if (policies.isEmpty()) {
      return null;
    }
    Policy p = policies.values().iterator().next();
    try {
      Decision d = store.partition(p).apply(HEALTH_KEY, Command.peek(0));
      return d.storeDecided() ? null : "the store could not decide (" + d.reason() + ")";
    } catch (RuntimeException e) {
      return "the store failed: " + e;
    }
  }

  private static long seconds(long nanos) {
    return nanos == Decision.NEVER ? -1 : (nanos + 999_999_999L) / 1_000_000_000L;
  }
}
