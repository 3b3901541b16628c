package dev.sluice.http;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.Keys;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.spi.FailurePolicy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code sluice:} configuration tree, read once and checked whole: the one reader behind the
 * Servlet filter's YAML file and the Spring Boot starter's {@code application.yml}. It reads a
 * plain tree — {@code Map<String, ?>}, {@code List<?>}, {@code String}, {@code Number},
 * {@code Boolean}, as a YAML parser or Spring gives it — and has no YAML dependency itself.
 *
 * <pre>{@code
 * QuotaConfig config = QuotaConfig.read(tree, "quotas.yaml");  // tree = the map under `sluice:`
 * HttpQuotas quotas = config.quotas(sluice);                  // on a store built from config.store()
 * }</pre>
 *
 * <p>The tree (every key optional; kebab-case, also accepted in camelCase or snake_case):
 *
 * <pre>{@code
 * enabled: true                   # false: the adapter takes nothing (Spring: no auto-configuration)
 * store:
 *   type: sqlite                  # memory (default) | sqlite | redis
 *   path: ./data/quotas.db        # sqlite only, required there
 *   url: redis://127.0.0.1:6379   # redis only, required there: redis:// or rediss://, comma-separated for a cluster
 *   cluster: false                # redis only
 *   failure: closed               # closed (default) | open
 * policies:                       # name -> PolicyText spec (or its map form)
 *   anon-daily: fixed-window limit=100 period=1d
 * identity:                       # tried in this order: principal, header, api-keys
 *   principal: false
 *   header: X-Client-Id
 *   api-keys:
 *     header: Authorization       # default Authorization
 *     scheme: Bearer              # optional
 *     clients: {billing: "sha256:<64 hex>"}
 * client-address:
 *   trusted-proxies: [10.0.0.0/8]
 *   ipv6-prefix: 64
 *   header: x-forwarded-for       # x-forwarded-for (default) | forwarded | both
 * headers: ietf                   # ietf (default) | legacy | both | none
 * rules:
 *   - exclude: /actuator/**       # may have methods too
 *   - path: /**
 *     methods: [GET, POST]        # default every method
 *     anonymous: [anon-daily]     # rate policies' names
 *     authenticated: [client-daily]
 *     cost: 1
 * concurrency: in-flight          # a concurrency policy's name
 * budgets: [rows]                 # budget policies' names
 * cost-attribute: dev.sluice.servlet.cost
 * }</pre>
 *
 * <p>Whole numbers may be given as text ({@code "64"}) and booleans as {@code "true"}/{@code
 * "false"}, as Spring's property sources give them. Every error is an {@link
 * IllegalArgumentException} whose message starts with the origin and the full path of the value at
 * fault, then names the value and the reason, e.g. {@code quotas.yaml:
 * sluice.rules[2].anonymous[0]: unknown policy 'anon-dayly'; the policies are anon-daily,
 * client-daily}. Unknown keys are refused (a typo must not silently disable a limit), as are rules
 * with per-client policies when no identity source is configured. Reading builds nothing that
 * holds resources (no store, no engine) and returns only a wholly checked configuration.
 * Immutable and thread-safe.
 */
public final class QuotaConfig {

  /** The root of every path in messages. */
  public static final String ROOT = "sluice";

  private static final List<String> TOP = List.of("enabled", "store", "policies", "identity", "client-address",
      "headers", "rules", "concurrency", "budgets", "cost-attribute");
  private static final List<String> STORE = List.of("type", "path", "url", "cluster", "failure");
  private static final List<String> IDENTITY = List.of("principal", "header", "api-keys");
  private static final List<String> API_KEYS = List.of("header", "scheme", "clients");
  private static final List<String> ADDRESS = List.of("trusted-proxies", "ipv6-prefix", "header");
  private static final List<String> RULE = List.of("path", "exclude", "methods", "anonymous", "authenticated",
      "cost");
  private static final List<String> EXCLUSION = List.of("exclude", "methods");
  private static final List<String> STORE_TYPES = List.of("memory", "sqlite", "redis");
  private static final List<String> FAILURES = List.of("closed", "open");
  private static final List<String> FORWARD_HEADERS = List.of("x-forwarded-for", "forwarded", "both");
  private static final List<String> HEADER_STYLES = List.of("ietf", "legacy", "both", "none");
  private static final String RATE_TYPES = "token-bucket, fixed-window, sliding-log, sliding-counter";
  private static final PathPattern ANY = PathPattern.parse("/**");

  /**
   * Where counts are kept, as plain data: building the store is the adapter's job (this module
   * depends on core only).
   *
   * @param type which store
   * @param path the SQLite file, as written (relative to the adapter's working directory); present
   *     exactly for {@link Type#SQLITE}
   * @param url the Redis URL ({@code redis://} or {@code rediss://}), or for a cluster one or more
   *     such URLs separated by commas; present exactly for {@link Type#REDIS}
   * @param cluster whether the Redis store is a Redis Cluster; false for other types
   * @param failure what a request gets when the store cannot decide: {@link FailurePolicy#closed()}
   *     (503, the default) or {@link FailurePolicy#open()} (it passes)
   */
  public record StoreSpec(Type type, Optional<String> path, Optional<String> url, boolean cluster,
      FailurePolicy failure) {

    /** The kinds of store. */
    public enum Type {
      /** Counts in this process's memory; lost on restart. The default. */
      MEMORY,
      /** Counts in a SQLite file (artifact {@code sluice-sqlite}). */
      SQLITE,
      /** Counts in Redis (artifact {@code sluice-redis}). */
      REDIS
    }

    /**
     * Checks the components.
     *
     * @param type which store
     * @param path the SQLite file; present exactly for SQLite
     * @param url the Redis URL or URLs; present exactly for Redis
     * @param cluster whether Redis is a cluster; only for Redis
     * @param failure the failure choice
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if path, url or cluster does not fit the type
     */
    public StoreSpec {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(failure, "failure");
      if (path.isPresent() != (type == Type.SQLITE)) {
        throw new IllegalArgumentException("path is for a sqlite store, and required there (type " + type + ")");
      }
      if (url.isPresent() != (type == Type.REDIS)) {
        throw new IllegalArgumentException("url is for a redis store, and required there (type " + type + ")");
      }
      if (cluster && type != Type.REDIS) {
        throw new IllegalArgumentException("cluster is for a redis store (type " + type + ")");
      }
    }

    /**
     * The in-memory store, failing closed.
     *
     * @return the default store
     */
    public static StoreSpec memory() {
      return new StoreSpec(Type.MEMORY, Optional.empty(), Optional.empty(), false, FailurePolicy.closed());
    }

    /**
     * The Redis URLs: the one URL, or for a cluster each seed of the comma-separated list, trimmed.
     *
     * @return the URLs; empty unless the type is {@link Type#REDIS}
     */
    public List<String> urls() {
      if (url.isEmpty()) {
        return List.of();
      }
      List<String> out = new ArrayList<>();
      for (String u : url.get().split(",", -1)) {
        out.add(u.strip());
      }
      return List.copyOf(out);
    }
  }

  private final String origin;
  private final boolean enabled;
  private final StoreSpec store;
  private final Map<String, Policy> policies;
  private final Identities identities;
  private final ClientAddresses addresses;
  private final QuotaAnswer.HeaderStyle headers;
  private final RouteRules rules;
  private final Concurrency concurrency;
  private final List<Budget> budgets;
  private final String costAttribute;

  private QuotaConfig(Reader r) {
    this.origin = r.origin;
    this.enabled = r.enabled;
    this.store = r.store;
    this.policies = Collections.unmodifiableMap(new LinkedHashMap<>(r.policies));
    this.identities = r.identities;
    this.addresses = r.addresses;
    this.headers = r.headers;
    this.rules = r.rules;
    this.concurrency = r.concurrency;
    this.budgets = List.copyOf(r.budgets);
    this.costAttribute = r.costAttribute;
  }

  /**
   * Reads and checks a tree.
   *
   * @param tree the mapping under {@code sluice:}; null reads as empty (every default: no rules)
   * @param origin where the tree comes from, such as the file name, for messages
   * @return the configuration
   * @throws IllegalArgumentException at the first error: {@code <origin>: sluice.<path>: <value and
   *     reason>}
   * @throws NullPointerException if {@code origin} is null
   */
  public static QuotaConfig read(Map<String, ?> tree, String origin) {
    Objects.requireNonNull(origin, "origin");
    Reader r = new Reader(origin);
    r.read(new ConfigNode(origin, ROOT, tree == null ? Map.of() : tree));
    return new QuotaConfig(r);
  }

  /**
   * The per-client quotas this configuration describes, on {@code sluice}: identities, client
   * addresses, rules and header style. Concurrency and budgets are the adapter's to apply.
   *
   * @param sluice the engine, on the store built from {@link #store()}
   * @return the quotas
   * @throws NullPointerException if {@code sluice} is null
   */
  public HttpQuotas quotas(Sluice sluice) {
    return HttpQuotas.builder(sluice).identities(identities).addresses(addresses).rules(rules).headers(headers)
        .build();
  }

  /**
   * Where the tree came from, as given to {@link #read}.
   *
   * @return the origin
   */
  public String origin() {
    return origin;
  }

  /**
   * {@code enabled}: false when the adapter is to take nothing.
   *
   * @return whether quotas are on (default true)
   */
  public boolean enabled() {
    return enabled;
  }

  /**
   * {@code store}.
   *
   * @return the store to build (default {@link StoreSpec#memory()})
   */
  public StoreSpec store() {
    return store;
  }

  /**
   * {@code policies}, by name.
   *
   * @return the policies in the order written; immutable
   */
  public Map<String, Policy> policies() {
    return policies;
  }

  /**
   * {@code identity}.
   *
   * @return the identity sources ({@link Identities#none()} when none)
   */
  public Identities identities() {
    return identities;
  }

  /**
   * {@code client-address}.
   *
   * @return how anonymous clients' addresses are read
   */
  public ClientAddresses addresses() {
    return addresses;
  }

  /**
   * {@code headers}.
   *
   * @return the rate-limit header style (default {@link QuotaAnswer.HeaderStyle#IETF})
   */
  public QuotaAnswer.HeaderStyle headers() {
    return headers;
  }

  /**
   * {@code rules}.
   *
   * @return the route rules, in order (none when absent)
   */
  public RouteRules rules() {
    return rules;
  }

  /**
   * {@code concurrency}: the policy leased once per client around each request.
   *
   * @return the concurrency policy, or empty
   */
  public Optional<Concurrency> concurrency() {
    return Optional.ofNullable(concurrency);
  }

  /**
   * {@code budgets}: charged after each response with the cost the application sets.
   *
   * @return the budget policies, in order; immutable
   */
  public List<Budget> budgets() {
    return budgets;
  }

  /**
   * {@code cost-attribute}: the request attribute holding the budgets' cost.
   *
   * @return the attribute's name, or empty for the adapter's default
   */
  public Optional<String> costAttribute() {
    return Optional.ofNullable(costAttribute);
  }

  /**
   * A summary: the origin, the store type, the policy names and the number of rules; no key hash.
   *
   * @return the summary
   */
  @Override
  public String toString() {
    return "QuotaConfig[" + origin + ": store " + store.type() + ", policies " + policies.keySet() + ", "
        + rules.rules().size() + " rules]";
  }

  /** Reads a tree into its fields, in the order a reader needs them (policies before rules). */
  private static final class Reader {
    final String origin;
    boolean enabled = true;
    StoreSpec store = StoreSpec.memory();
    final Map<String, Policy> policies = new LinkedHashMap<>();
    Identities identities = Identities.none();
    ClientAddresses addresses = ClientAddresses.builder().build();
    QuotaAnswer.HeaderStyle headers = QuotaAnswer.HeaderStyle.IETF;
    RouteRules rules = RouteRules.builder().build();
    Concurrency concurrency;
    final List<Budget> budgets = new ArrayList<>();
    String costAttribute;

    Reader(String origin) {
      this.origin = origin;
    }

    void read(ConfigNode root) {
      Map<String, ConfigNode> f = root.fields(TOP);
      if (f.containsKey("enabled")) {
        enabled = f.get("enabled").bool();
      }
      if (f.containsKey("store")) {
        store = store(f.get("store"));
      }
      if (f.containsKey("policies")) {
        for (Map.Entry<String, ConfigNode> e : f.get("policies").entries("policy name").entrySet()) {
          policies.put(e.getKey(), policy(e.getKey(), e.getValue()));
        }
      }
      if (f.containsKey("identity")) {
        identities = identity(f.get("identity"));
      }
      if (f.containsKey("client-address")) {
        addresses = addresses(f.get("client-address"));
      }
      if (f.containsKey("headers")) {
        headers = QuotaAnswer.HeaderStyle.values()[f.get("headers").choice(HEADER_STYLES, "a header style")];
      }
      if (f.containsKey("rules")) {
        rules = rules(f.get("rules"));
      }
      if (f.containsKey("concurrency")) {
        ConfigNode n = f.get("concurrency");
        Policy p = named(n, Policy.Kind.CONCURRENCY, "concurrency takes a concurrency policy");
        concurrency = (Concurrency) p;
      }
      if (f.containsKey("budgets")) {
        Set<String> seen = new LinkedHashSet<>();
        for (ConfigNode n : f.get("budgets").items()) {
          Budget b = (Budget) named(n, Policy.Kind.BUDGET, "budgets take budget policies");
          if (!seen.add(b.name())) {
            throw n.error("budget '" + b.name() + "' is listed twice");
          }
          budgets.add(b);
        }
      }
      if (f.containsKey("cost-attribute")) {
        ConfigNode n = f.get("cost-attribute");
        String name = n.text();
        if (name.isBlank()) {
          throw n.error("the cost attribute's name must not be empty");
        }
        costAttribute = name;
      }
    }

    private StoreSpec store(ConfigNode node) {
      Map<String, ConfigNode> f = node.fields(STORE);
      StoreSpec.Type type = f.containsKey("type")
          ? StoreSpec.Type.values()[f.get("type").choice(STORE_TYPES, "a store type")] : StoreSpec.Type.MEMORY;
      String typeName = STORE_TYPES.get(type.ordinal());
      Optional<String> path = Optional.empty();
      if (f.containsKey("path")) {
        ConfigNode n = f.get("path");
        if (type != StoreSpec.Type.SQLITE) {
          throw n.error("is for a sqlite store; this store's type is " + typeName);
        }
        String p = n.text();
        if (p.isBlank()) {
          throw n.error("the SQLite file's path must not be empty");
        }
        path = Optional.of(p);
      } else if (type == StoreSpec.Type.SQLITE) {
        throw node.error("a sqlite store needs path: the SQLite file, e.g. ./data/quotas.db");
      }
      Optional<String> url = Optional.empty();
      if (f.containsKey("url")) {
        ConfigNode n = f.get("url");
        if (type != StoreSpec.Type.REDIS) {
          throw n.error("is for a redis store; this store's type is " + typeName);
        }
        String u = n.text();
        for (String one : u.split(",", -1)) {
          String s = one.strip();
          if (!(s.startsWith("redis://") || s.startsWith("rediss://")) || s.length() <= "rediss://".length()) {
            throw n.error("'" + Keys.printable(u) + "' must be a redis:// or rediss:// URL"
                + " (for a cluster, several separated by commas)");
          }
        }
        url = Optional.of(u);
      } else if (type == StoreSpec.Type.REDIS) {
        throw node.error("a redis store needs url: redis://host:port or rediss://host:port");
      }
      boolean cluster = false;
      if (f.containsKey("cluster")) {
        ConfigNode n = f.get("cluster");
        cluster = n.bool();
        if (type != StoreSpec.Type.REDIS) {
          throw n.error("is for a redis store; this store's type is " + typeName);
        }
      }
      if (url.isPresent() && !cluster && url.get().contains(",")) {
        throw f.get("url").error("'" + Keys.printable(url.get())
            + "' names several servers; only a cluster (cluster: true) takes a list");
      }
      FailurePolicy failure = FailurePolicy.closed();
      if (f.containsKey("failure")) {
        failure = f.get("failure").choice(FAILURES, "a failure choice") == 0
            ? FailurePolicy.closed() : FailurePolicy.open();
      }
      return new StoreSpec(type, path, url, cluster, failure);
    }

    private Policy policy(String name, ConfigNode node) {
      Map<String, Object> fields = null;
      if (node.value() instanceof Map<?, ?> map) {
        fields = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!(e.getKey() instanceof String k)) {
            throw node.error("field " + ConfigNode.describe(e.getKey()) + " must be text");
          }
          Object v = e.getValue();
          if (!(v instanceof String || v instanceof Long || v instanceof Integer || v instanceof BigInteger)) {
            throw new ConfigNode(origin, node.path() + "." + Keys.printable(k), v)
                .error(ConfigNode.describe(v) + " must be text or a whole number");
          }
          fields.put(k, v);
        }
      }
      String spec = fields == null ? node.text() : null;
      try {
        return fields == null ? PolicyText.parse(name, spec) : PolicyText.parse(name, fields);
      } catch (IllegalArgumentException e) {
        throw node.error(e);
      }
    }

    /** The policy {@code node} names, of {@code kind}. */
    private Policy named(ConfigNode node, Policy.Kind kind, String rule) {
      String name = node.text();
      Policy p = policies.get(name);
      if (p == null) {
        throw node.error("unknown policy '" + Keys.printable(name) + "'; "
            + (policies.isEmpty() ? "no policies are configured" : "the policies are "
                + String.join(", ", policies.keySet())));
      }
      if (p.kind() != kind) {
        throw node.error("policy '" + name + "' is a " + typeOf(p) + " policy; " + rule);
      }
      return p;
    }

    private static String typeOf(Policy p) {
      String spec = PolicyText.format(p);
      int space = spec.indexOf(' ');
      return space < 0 ? spec : spec.substring(0, space);
    }

    private Identities identity(ConfigNode node) {
      Map<String, ConfigNode> f = node.fields(IDENTITY);
      Identities.Builder b = Identities.builder();
      if (f.containsKey("principal") && f.get("principal").bool()) {
        b.principal();
      }
      if (f.containsKey("header")) {
        ConfigNode n = f.get("header");
        String name = n.text();
        try {
          b.header(name);
        } catch (IllegalArgumentException e) {
          throw n.error(e);
        }
      }
      if (f.containsKey("api-keys")) {
        ConfigNode n = f.get("api-keys");
        Map<String, ConfigNode> k = n.fields(API_KEYS);
        ConfigNode headerNode = k.get("header");
        String header = headerNode == null ? "Authorization" : headerNode.text();
        ConfigNode clientsNode = k.get("clients");
        if (clientsNode == null) {
          throw n.error("needs clients: client id -> sha256:<64 hex> of its key");
        }
        ApiKeys.Builder keys = ApiKeys.builder();
        for (Map.Entry<String, ConfigNode> e : clientsNode.entries("client id").entrySet()) {
          String hash = e.getValue().text();
          try {
            keys.add(e.getKey(), hash);
          } catch (IllegalArgumentException ex) {
            throw e.getValue().error(ex);
          }
        }
        ApiKeys table = keys.build();
        ConfigNode schemeNode = k.get("scheme");
        String scheme = schemeNode == null ? null : schemeNode.text();
        try {
          if (scheme != null) {
            b.apiKey(header, scheme, table);
          } else {
            b.apiKey(header, table);
          }
        } catch (IllegalArgumentException e) {
          String m = String.valueOf(e.getMessage());
          throw (m.startsWith("scheme") ? schemeNode : m.startsWith("header name") ? headerNode : clientsNode)
              .error(e);
        }
      }
      try {
        return b.build();
      } catch (IllegalArgumentException e) {
        throw node.error(e);
      }
    }

    private ClientAddresses addresses(ConfigNode node) {
      Map<String, ConfigNode> f = node.fields(ADDRESS);
      ClientAddresses.Builder b = ClientAddresses.builder();
      if (f.containsKey("trusted-proxies")) {
        List<Cidr> proxies = new ArrayList<>();
        for (ConfigNode n : f.get("trusted-proxies").items()) {
          String range = n.text();
          try {
            proxies.add(Cidr.parse(range));
          } catch (IllegalArgumentException e) {
            throw n.error(e);
          }
        }
        b.trustedProxies(proxies);
      }
      if (f.containsKey("ipv6-prefix")) {
        b.ipv6Prefix((int) f.get("ipv6-prefix").whole(1, 128));
      }
      if (f.containsKey("header")) {
        b.header(ClientAddresses.Header.values()[f.get("header").choice(FORWARD_HEADERS, "a forwarding header")]);
      }
      return b.build();
    }

    private RouteRules rules(ConfigNode node) {
      RouteRules.Builder b = RouteRules.builder();
      List<ConfigNode> items = node.items();
      ConfigNode firstPerClient = null;
      for (ConfigNode item : items) {
        boolean exclusion = item.value() instanceof Map<?, ?> m
            && m.keySet().stream().anyMatch(k -> k instanceof String s && ConfigNode.kebab(s).equals("exclude"));
        Map<String, ConfigNode> f = item.fields(exclusion ? EXCLUSION : RULE);
        if (exclusion && f.containsKey("path")) {
          throw f.get("path").error("a rule has path or exclude, not both");
        }
        ConfigNode pathNode = f.get(exclusion ? "exclude" : "path");
        if (pathNode == null) {
          throw item.error("a rule needs path (a rule with policies) or exclude (an exclusion)");
        }
        String patternText = pathNode.text();
        PathPattern pattern;
        try {
          pattern = PathPattern.parse(patternText);
        } catch (IllegalArgumentException e) {
          throw pathNode.error(e);
        }
        Set<String> methods = new LinkedHashSet<>();
        if (f.containsKey("methods")) {
          for (ConfigNode m : f.get("methods").items()) {
            String method = m.text().toUpperCase(java.util.Locale.ROOT);
            try {
              new RouteRules.Rule(pattern, Set.of(method), List.of(), List.of(), 1, false);
            } catch (IllegalArgumentException e) {
              throw m.error(e);
            }
            if (!methods.add(method)) {
              throw m.error("method '" + method + "' is listed twice");
            }
          }
        }
        List<Policy> anonymous = ratePolicies(f.get("anonymous"));
        List<Policy> authenticated = ratePolicies(f.get("authenticated"));
        if (!exclusion && anonymous.isEmpty() && authenticated.isEmpty()) {
          throw item.error("rule " + pattern + " has no policies (anonymous, authenticated);"
              + " to take nothing on a path, write exclude: " + pattern);
        }
        if (!authenticated.isEmpty() && firstPerClient == null) {
          firstPerClient = f.get("authenticated");
        }
        long cost = f.containsKey("cost") ? f.get("cost").whole(1, Long.MAX_VALUE) : 1;
        try {
          b.add(new RouteRules.Rule(pattern, methods, anonymous, authenticated, cost, exclusion));
        } catch (IllegalArgumentException e) {
          throw item.error(e);
        }
      }
      if (firstPerClient != null) {
        try {
          identities.requireSource();
        } catch (IllegalStateException e) {
          throw firstPerClient.error(e);
        }
      }
      return b.build();
    }

    private List<Policy> ratePolicies(ConfigNode node) {
      if (node == null) {
        return List.of();
      }
      List<Policy> out = new ArrayList<>();
      Set<String> seen = new LinkedHashSet<>();
      for (ConfigNode n : node.items()) {
        Policy p = named(n, Policy.Kind.RATE, "a rule takes rate policies (" + RATE_TYPES + ")");
        if (!seen.add(p.name())) {
          throw n.error("policy '" + p.name() + "' is listed twice");
        }
        out.add(p);
      }
      return out;
    }
  }
}
