package dev.sluice.server.api;

import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.config.RateLimitRule;
import dev.sluice.server.http.Request;
import dev.sluice.server.http.Response;
import dev.sluice.server.http.Routes;
import dev.sluice.server.service.RateLimitService;
import dev.sluice.spi.Command;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The admin API, on the debug listener, every route behind {@link AdminAccess}: list the envoy
 * domains and the named policies, inspect a key's usage and reset it, for a named policy and key
 * or for an envoy domain and descriptor. Every reset is logged at INFO: who (the peer address)
 * and what (policy and key, or domain and descriptor).
 */
final class AdminRoutes {

  private static final Logger LOG = Logger.getLogger(AdminRoutes.class.getName());
  /** The most entries of one descriptor, as the envoy service takes them. */
  static final int MAX_ENTRIES = 64;

  private final AdminAccess access;
  private final NamedPolicies policies;
  private final Supplier<RateLimitConfig> config;
  private final RateLimitService service;

  AdminRoutes(AdminAccess access, NamedPolicies policies, Supplier<RateLimitConfig> config,
      RateLimitService service) {
    this.access = Objects.requireNonNull(access, "access");
    this.policies = policies;
    this.config = Objects.requireNonNull(config, "config");
    this.service = Objects.requireNonNull(service, "service");
  }

  void addTo(Routes.Builder routes) {
    routes.get("/v1/admin/policies", "admin: the named policies",
        access.guard(Handlers.guarded(this::listPolicies)));
    routes.get("/v1/admin/domains", "admin: the envoy config's domains",
        access.guard(Handlers.guarded(this::listDomains)));
    routes.postBlocking("/v1/admin/policies/inspect", "admin: a key's usage of a named policy",
        access.guard(Handlers.guarded(this::inspectPolicy)));
    routes.postBlocking("/v1/admin/policies/reset", "admin: forget a key's usage of a named policy",
        access.guard(Handlers.guarded(this::resetPolicy)));
    routes.postBlocking("/v1/admin/domains/inspect",
        "admin: an envoy descriptor's rule and counters",
        access.guard(Handlers.guarded(this::inspectDescriptor)));
    routes.postBlocking("/v1/admin/domains/reset", "admin: forget an envoy descriptor's counters",
        access.guard(Handlers.guarded(this::resetDescriptor)));
  }

  private Response listPolicies(Request request) {
    List<Map<String, Object>> out = new ArrayList<>();
    new TreeMap<>(policies.all()).forEach((name, p) -> out.add(describe(name, p)));
    return Json.response(200, Map.of("policies", out));
  }

  private Response listDomains(Request request) {
    return Json.response(200, Map.of("domains", List.copyOf(config.get().domains())));
  }

  private Response inspectPolicy(Request request) {
    Body body = Body.of(request, "policy", "key");
    String name = body.string("policy");
    Policy p = policies.resolve("policy", name, Policy.Kind.values());
    String key = body.key("key");
    Decision d = policies.apply(p, key, Command.peek(0));
    NamedPolicies.requireStoreDecided(d, name, key, "the usage");
    Map<String, Object> out = describe(name, p);
    out.put("key", key);
    out.putAll(counter(d));
    return Json.response(200, out);
  }

  private Response resetPolicy(Request request) {
    Body body = Body.of(request, "policy", "key");
    String name = body.string("policy");
    Policy p = policies.resolve("policy", name, Policy.Kind.values());
    String key = body.key("key");
    Decision d = policies.apply(p, key, Command.reset());
    NamedPolicies.requireStoreDecided(d, name, key, "the reset");
    LOG.info(() -> "admin reset by " + who(request) + ": policy " + quote(name) + " key " + quote(key));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("reset", true);
    out.put("policy", name);
    out.put("key", key);
    return Json.response(200, out);
  }

  private Response inspectDescriptor(Request request) {
    Descriptor at = descriptor(request);
    Map<String, Object> out = at.json();
    if (at.rule.unlimited()) {
      out.put("counters", List.of());
      return Json.response(200, out);
    }
    RateLimitService.Counters counters = service.inspect(at.domain, at.entries, at.rule);
    List<Map<String, Object>> shown = new ArrayList<>();
    for (Decision d : counters.counters()) {
      if (!d.storeDecided()) {
        throw Decisions.refusal(d, d.policy().name(), counters.storeKey(), "the counters",
            List.of(d));
      }
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("policy", d.policy().name());
      c.put("spec", PolicyText.format(d.policy()));
      c.putAll(counter(d));
      shown.add(c);
    }
    out.put("storeKey", counters.storeKey());
    out.put("counters", shown);
    return Json.response(200, out);
  }

  private Response resetDescriptor(Request request) {
    Descriptor at = descriptor(request);
    Map<String, Object> out = at.json();
    if (at.rule.unlimited()) {
      out.put("reset", false);
      return Json.response(200, out); // an unlimited rule keeps no counters
    }
    String storeKey;
    try {
      storeKey = service.reset(at.domain, at.entries, at.rule);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warning(() -> "admin reset of domain " + quote(at.domain) + " failed in the store: " + e);
      throw new Problem(Problem.Type.STORE_UNAVAILABLE, "the store failed while resetting the"
          + " counters of this descriptor; retry after 1 s").header("Retry-After", "1");
    }
    LOG.info(() -> "admin reset by " + who(request) + ": domain " + quote(at.domain)
        + " descriptor " + quote(entriesText(at.entries)) + " (rule " + quote(at.rule.fullKey())
        + ")");
    out.put("reset", true);
    out.put("storeKey", storeKey);
    return Json.response(200, out);
  }

  /** A domain, a descriptor and the rule it maps to. */
  private record Descriptor(String domain, List<Map.Entry<String, String>> entries,
      RateLimitRule rule) {

    Map<String, Object> json() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("domain", domain);
      out.put("descriptor", entriesJson(entries));
      out.put("rule", ruleJson(rule));
      return out;
    }
  }

  private Descriptor descriptor(Request request) {
    Body body = Body.of(request, "domain", "descriptor");
    String domain = body.string("domain");
    RateLimitConfig cfg = config.get();
    if (!cfg.domains().contains(domain)) {
      throw new Problem(Problem.Type.UNKNOWN_DOMAIN, "field 'domain' names domain '"
          + Keys.printable(domain) + "', which the config does not have; its domains are "
          + (cfg.domains().isEmpty() ? "none" : String.join(", ", cfg.domains())))
          .with("field", "domain").with("value", Problem.shown(domain));
    }
    List<Map.Entry<String, String>> entries = body.entries("descriptor", MAX_ENTRIES);
    RateLimitRule rule = cfg.lookup(domain, entries);
    if (rule == null) {
      throw new Problem(Problem.Type.NO_RULE, "descriptor " + entriesText(entries)
          + " matches no rule with a limit in domain '" + Keys.printable(domain) + "'")
          .with("field", "descriptor").with("value", entriesJson(entries));
    }
    return new Descriptor(domain, entries, rule);
  }

  private static Map<String, Object> describe(String name, Policy p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("kind", NamedPolicies.kind(p));
    out.put("spec", PolicyText.format(p));
    out.put("limit", p.limit());
    return out;
  }

  /** What a peek of 0 shows: limit, used, remaining, resetAfterMillis. */
  private static Map<String, Object> counter(Decision d) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("limit", d.limit());
    out.put("used", d.used());
    out.put("remaining", d.remaining());
    out.put("resetAfterMillis", Decisions.millis(d.resetAfterNanos()));
    return out;
  }

  private static Map<String, Object> ruleJson(RateLimitRule r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("fullKey", r.fullKey());
    if (!r.name().isEmpty()) {
      out.put("name", r.name());
    }
    out.put("unlimited", r.unlimited());
    if (r.unit() != null) {
      out.put("unit", r.unit().name());
      out.put("requestsPerUnit", r.requestsPerUnit());
    }
    if (!r.policies().isEmpty()) {
      List<String> specs = new ArrayList<>();
      for (Policy p : r.policies()) {
        specs.add(p.name() + ": " + PolicyText.format(p));
      }
      out.put("policies", specs);
    }
    out.put("shadowMode", r.shadowMode());
    out.put("quotaMode", r.quotaMode());
    return out;
  }

  private static List<Map<String, String>> entriesJson(List<Map.Entry<String, String>> entries) {
    List<Map<String, String>> out = new ArrayList<>(entries.size());
    for (Map.Entry<String, String> e : entries) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("key", e.getKey());
      m.put("value", e.getValue());
      out.add(m);
    }
    return out;
  }

  private static String entriesText(List<Map.Entry<String, String>> entries) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < entries.size(); i++) {
      Map.Entry<String, String> e = entries.get(i);
      b.append(i == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
    }
    return b.append(']').toString();
  }

  /** The peer as the log shows it: {@code host:port}, or {@code unknown}. */
  private static String who(Request request) {
    InetSocketAddress peer = request.peer();
    if (peer == null) {
      return "unknown";
    }
    String host = peer.getAddress() == null ? peer.getHostString() : peer.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + peer.getPort();
  }

  /**
   * {@code s} in single quotes for the log, every control character, lone surrogate, quote and
   * backslash escaped: a key cannot forge a log line. Not shortened: the log says exactly which
   * key was reset.
   */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('\'');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1));
      if (pair) {
        b.append(c).append(s.charAt(++i));
      } else if (c == '\'' || c == '\\') {
        b.append('\\').append(c);
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)
          || Character.getType(c) == Character.LINE_SEPARATOR
          || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('\'').toString();
  }
}
