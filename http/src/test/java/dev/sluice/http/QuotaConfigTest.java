package dev.sluice.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Concurrency;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.http.QuotaConfig.StoreSpec;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.sqlite.SqliteStore;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code sluice:} tree: every key read into the http objects it configures, every bad value
 * refused at start with the origin, the full path, the value and the reason, and the model user's
 * tree deciding requests on a real SQLite store.
 */
class QuotaConfigTest {

  /** {@code printf %s abc | sha256sum}. */
  static final String ABC = "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  /** A mapping in the order given: key, value, key, value... */
  static Map<String, Object> m(Object... kv) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      map.put((String) kv[i], kv[i + 1]);
    }
    return map;
  }

  static List<Object> l(Object... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  /** Policies of every kind, for trees that need them. */
  static Map<String, Object> policies() {
    return m("anon-daily", "fixed-window limit=100 period=1d",
        "client-daily", "fixed-window limit=10000 period=1d",
        "in-flight", "concurrency slots=4 ttl=5m",
        "rows", "budget limit=1000000 period=1d");
  }

  /** A tree with the policies and an identity source, plus {@code kv}. */
  static Map<String, Object> with(Object... kv) {
    Map<String, Object> tree = m("policies", policies(), "identity", m("header", "X-Client-Id"));
    tree.putAll(m(kv));
    return tree;
  }

  static QuotaConfig read(Map<String, Object> tree) {
    return QuotaConfig.read(tree, "q.yaml");
  }

  static String messageOf(Runnable r) {
    try {
      r.run();
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("no exception");
  }

  // ---------------------------------------------------------------- every key read

  @Test
  void anEmptyOrNullTreeIsEveryDefault() {
    for (Map<String, Object> tree : Arrays.asList(null, m())) {
      QuotaConfig c = QuotaConfig.read(tree, "q.yaml");
      assertThat(c.enabled()).isTrue();
      assertThat(c.store()).isEqualTo(StoreSpec.memory());
      assertThat(c.store().failure()).isEqualTo(FailurePolicy.closed());
      assertThat(c.policies()).isEmpty();
      assertThat(c.identities().isEmpty()).isTrue();
      assertThat(c.addresses().trustedProxies()).isEmpty();
      assertThat(c.addresses().ipv6Prefix()).isEqualTo(ClientAddresses.DEFAULT_IPV6_PREFIX);
      assertThat(c.headers()).isEqualTo(QuotaAnswer.HeaderStyle.IETF);
      assertThat(c.rules().rules()).isEmpty();
      assertThat(c.concurrency()).isEmpty();
      assertThat(c.budgets()).isEmpty();
      assertThat(c.costAttribute()).isEmpty();
      assertThat(c.origin()).isEqualTo("q.yaml");
    }
  }

  @Test
  void theWholeTreeOfTheDocumentIsRead() {
    Map<String, Object> tree = m(
        "enabled", true,
        "store", m("type", "redis", "url", "redis://127.0.0.1:6390,redis://127.0.0.1:6391", "cluster", true,
            "failure", "open"),
        "policies", policies(),
        "identity", m("principal", true, "header", "X-Client-Id",
            "api-keys", m("header", "Authorization", "scheme", "Bearer", "clients", m("billing", ABC))),
        "client-address", m("trusted-proxies", l("10.0.0.0/8", "2001:db8::/32"), "ipv6-prefix", 56,
            "header", "forwarded"),
        "headers", "both",
        "rules", l(
            m("exclude", "/actuator/**"),
            m("path", "/api/reports/**", "methods", l("POST", "put"), "anonymous", l("anon-daily"),
                "authenticated", l("client-daily"), "cost", 10),
            m("path", "/**", "anonymous", l("anon-daily"), "authenticated", l("client-daily"))),
        "concurrency", "in-flight",
        "budgets", l("rows"),
        "cost-attribute", "app.cost");
    QuotaConfig c = read(tree);

    assertThat(c.enabled()).isTrue();
    StoreSpec s = c.store();
    assertThat(s.type()).isEqualTo(StoreSpec.Type.REDIS);
    assertThat(s.url()).contains("redis://127.0.0.1:6390,redis://127.0.0.1:6391");
    assertThat(s.urls()).containsExactly("redis://127.0.0.1:6390", "redis://127.0.0.1:6391");
    assertThat(s.path()).isEmpty();
    assertThat(s.cluster()).isTrue();
    assertThat(s.failure()).isEqualTo(FailurePolicy.open());

    assertThat(c.policies().keySet()).containsExactly("anon-daily", "client-daily", "in-flight", "rows");
    assertThat(c.policies().get("anon-daily"))
        .isEqualTo(PolicyText.parse("anon-daily", "fixed-window limit=100 period=1d"));
    assertThat(c.identities().sources())
        .containsExactly("principal", "header X-Client-Id", "API key Authorization: Bearer");
    assertThat(c.addresses().trustedProxies()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32"));
    assertThat(c.addresses().ipv6Prefix()).isEqualTo(56);
    assertThat(c.addresses().header()).isEqualTo(ClientAddresses.Header.FORWARDED);
    assertThat(c.headers()).isEqualTo(QuotaAnswer.HeaderStyle.BOTH);

    List<RouteRules.Rule> rules = c.rules().rules();
    assertThat(rules).hasSize(3);
    assertThat(rules.get(0).exclusion()).isTrue();
    assertThat(rules.get(0).path()).isEqualTo(PathPattern.parse("/actuator/**"));
    RouteRules.Rule reports = rules.get(1);
    assertThat(reports.exclusion()).isFalse();
    assertThat(reports.methods()).containsExactly("POST", "PUT");
    assertThat(reports.anonymous()).containsExactly(c.policies().get("anon-daily"));
    assertThat(reports.authenticated()).containsExactly(c.policies().get("client-daily"));
    assertThat(reports.cost()).isEqualTo(10);
    assertThat(rules.get(2).methods()).isEmpty();
    assertThat(rules.get(2).cost()).isEqualTo(1);
    assertThat(c.rules().match("POST", "/api/reports/7")).contains(reports);
    assertThat(c.rules().match("GET", "/api/reports/7")).contains(rules.get(2));

    assertThat(c.concurrency()).contains((Concurrency) c.policies().get("in-flight"));
    assertThat(c.budgets()).containsExactly((Budget) c.policies().get("rows"));
    assertThat(c.costAttribute()).contains("app.cost");
    assertThat(c.toString()).isEqualTo("QuotaConfig[q.yaml: store REDIS, policies [anon-daily, client-daily, "
        + "in-flight, rows], 3 rules]");
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
        // Spring's property sources give text: numbers and booleans as strings
        Arguments.of(m("enabled", "false"), (Check) c -> assertThat(c.enabled()).isFalse()),
        Arguments.of(m("enabled", "TRUE"), (Check) c -> assertThat(c.enabled()).isTrue()),
        Arguments.of(m("client-address", m("ipv6-prefix", "48")),
            (Check) c -> assertThat(c.addresses().ipv6Prefix()).isEqualTo(48)),
        Arguments.of(m("client-address", m("ipv6-prefix", 128L)),
            (Check) c -> assertThat(c.addresses().ipv6Prefix()).isEqualTo(128)),
        Arguments.of(m("client-address", m("ipv6-prefix", BigInteger.ONE)),
            (Check) c -> assertThat(c.addresses().ipv6Prefix()).isEqualTo(1)),
        Arguments.of(with("rules", l(m("path", "/**", "anonymous", l("anon-daily"), "cost", "7"))),
            (Check) c -> assertThat(c.rules().rules().get(0).cost()).isEqualTo(7)),
        Arguments.of(m("store", m("type", "sqlite", "path", "q.db", "failure", "OPEN")),
            (Check) c -> assertThat(c.store()).isEqualTo(new StoreSpec(StoreSpec.Type.SQLITE, Optional.of("q.db"),
                Optional.empty(), false, FailurePolicy.open()))),
        Arguments.of(m("store", m("type", "redis", "url", "rediss://cache:6380", "cluster", "false")),
            (Check) c -> assertThat(c.store().urls()).containsExactly("rediss://cache:6380")),
        Arguments.of(m("store", m("type", "memory", "failure", "closed")),
            (Check) c -> assertThat(c.store()).isEqualTo(StoreSpec.memory())),
        // camelCase and snake_case, as Spring's relaxed binding reads them
        Arguments.of(m("clientAddress", m("trustedProxies", l("10.0.0.0/8"), "ipv6_prefix", 60)),
            (Check) c -> {
              assertThat(c.addresses().trustedProxies()).containsExactly(Cidr.parse("10.0.0.0/8"));
              assertThat(c.addresses().ipv6Prefix()).isEqualTo(60);
            }),
        Arguments.of(m("identity", m("apiKeys", m("clients", m("billing", ABC))), "costAttribute", "x"),
            (Check) c -> {
              assertThat(c.identities().sources()).containsExactly("API key Authorization");
              assertThat(c.costAttribute()).contains("x");
            }),
        // principal false adds no source; api-keys with their own header and no scheme
        Arguments.of(m("identity", m("principal", false, "api-keys", m("header", "X-Api-Key",
            "clients", m("billing", ABC)))),
            (Check) c -> assertThat(c.identities().sources()).containsExactly("API key X-Api-Key")),
        // an X-Client-Id header and the API key: the key of client billing identifies it
        Arguments.of(m("identity", m("api-keys", m("scheme", "Bearer", "clients", m("billing", ABC)))),
            (Check) c -> assertThat(c.identities().identify(IdentityView.of(null,
                Map.of("Authorization", List.of("bearer abc"))))).contains(Client.authenticated("billing"))),
        Arguments.of(m("headers", "legacy"), (Check) c -> assertThat(c.headers()).isEqualTo(QuotaAnswer.HeaderStyle.LEGACY)),
        Arguments.of(m("headers", "none"), (Check) c -> assertThat(c.headers()).isEqualTo(QuotaAnswer.HeaderStyle.NONE)),
        Arguments.of(m("client-address", m("header", "both")),
            (Check) c -> assertThat(c.addresses().header()).isEqualTo(ClientAddresses.Header.BOTH)),
        Arguments.of(m("client-address", m("header", "X-Forwarded-For")),
            (Check) c -> assertThat(c.addresses().header()).isEqualTo(ClientAddresses.Header.X_FORWARDED_FOR)),
        // the map form of a policy
        Arguments.of(m("policies", m("bytes", m("type", "budget", "limit", "50GiB", "period", "1d"),
            "n", m("type", "token-bucket", "capacity", 20, "rate", "100/1m"))),
            (Check) c -> assertThat(c.policies()).containsEntry("bytes",
                PolicyText.parse("bytes", "budget limit=50GiB period=1d")).containsEntry("n",
                PolicyText.parse("n", "token-bucket capacity=20 rate=100/1m"))),
        // an exclusion with methods; a rule for anonymous clients only needs no identity source
        Arguments.of(m("policies", policies(), "rules", l(m("exclude", "/health", "methods", l("GET")),
            m("path", "/**", "anonymous", l("anon-daily")))),
            (Check) c -> {
              assertThat(c.rules().rules().get(0).methods()).containsExactly("GET");
              assertThat(c.rules().rules().get(0).exclusion()).isTrue();
              assertThat(c.identities().isEmpty()).isTrue();
            }),
        // a rule for authenticated clients only
        Arguments.of(with("rules", l(m("path", "/**", "authenticated", l("client-daily", "anon-daily")))),
            (Check) c -> assertThat(c.rules().rules().get(0).authenticated()).extracting(Policy::name)
                .containsExactly("client-daily", "anon-daily")),
        Arguments.of(with("budgets", l()), (Check) c -> assertThat(c.budgets()).isEmpty()));
  }

  /** A check of a configuration read. */
  interface Check {
    void accept(QuotaConfig c);
  }

  @ParameterizedTest
  @MethodSource("accepted")
  void everyKeyIsRead(Map<String, Object> tree, Check check) {
    check.accept(read(tree));
  }

  // ---------------------------------------------------------------- every refusal

  static Arguments refused(Map<String, Object> tree, String message) {
    return Arguments.of(tree, message);
  }

  static Stream<Arguments> refusals() {
    String keys = "enabled, store, policies, identity, client-address, headers, rules, concurrency, budgets, "
        + "cost-attribute";
    String policies = "the policies are anon-daily, client-daily, in-flight, rows";
    Map<String, Object> anonRule = m("path", "/**", "anonymous", l("anon-daily"));
    return Stream.of(
        // unknown keys, anywhere, with their full path
        refused(m("limits", m()), "q.yaml: sluice.limits: unknown key; the keys here are " + keys),
        refused(m("store", m("typ", "memory")),
            "q.yaml: sluice.store.typ: unknown key; the keys here are type, path, url, cluster, failure"),
        refused(m("identity", m("headr", "X-Client-Id")),
            "q.yaml: sluice.identity.headr: unknown key; the keys here are principal, header, api-keys"),
        refused(m("identity", m("api-keys", m("clients", m("b", ABC), "schema", "Bearer"))),
            "q.yaml: sluice.identity.api-keys.schema: unknown key; the keys here are header, scheme, clients"),
        refused(m("client-address", m("trusted-proxy", l())),
            "q.yaml: sluice.client-address.trusted-proxy: unknown key; the keys here are trusted-proxies, "
                + "ipv6-prefix, header"),
        refused(with("rules", l(anonRule, m("path", "/x", "anonymous", l("anon-daily"), "cots", 2))),
            "q.yaml: sluice.rules[1].cots: unknown key; the keys here are path, exclude, methods, anonymous, "
                + "authenticated, cost"),
        refused(with("rules", l(m("exclude", "/health", "anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0].anonymous: unknown key; the keys here are exclude, methods"),
        refused(m("ipv6-prefix", 64, "ipv6Prefix", 64),
            "q.yaml: sluice.ipv6-prefix: unknown key; the keys here are " + keys),
        refused(m("client-address", m("ipv6-prefix", 64, "ipv6Prefix", 56)),
            "q.yaml: sluice.client-address.ipv6Prefix: is given twice (as sluice.client-address.ipv6-prefix too)"),
        refused(m("store", nonTextKey()), "q.yaml: sluice.store: key 1 is not one of the keys here: type, path, url, "
            + "cluster, failure"),
        // shapes and scalars
        refused(m("store", "sqlite"), "q.yaml: sluice.store: must be a mapping of keys to values, not 'sqlite'"),
        refused(m("store", null), "q.yaml: sluice.store: has no value: give one or remove the key"),
        refused(m("enabled", "yes"), "q.yaml: sluice.enabled: 'yes' must be true or false"),
        refused(m("enabled", 1), "q.yaml: sluice.enabled: 1 must be true or false"),
        // store
        refused(m("store", m("type", "mongo")),
            "q.yaml: sluice.store.type: 'mongo' is not a store type; it is one of memory, sqlite, redis"),
        refused(m("store", m("type", "sqlite")),
            "q.yaml: sluice.store: a sqlite store needs path: the SQLite file, e.g. ./data/quotas.db"),
        refused(m("store", m("type", "sqlite", "path", " ")),
            "q.yaml: sluice.store.path: the SQLite file's path must not be empty"),
        refused(m("store", m("path", "q.db")),
            "q.yaml: sluice.store.path: is for a sqlite store; this store's type is memory"),
        refused(m("store", m("type", "redis")),
            "q.yaml: sluice.store: a redis store needs url: redis://host:port or rediss://host:port"),
        refused(m("store", m("type", "redis", "url", "http://cache:6379")),
            "q.yaml: sluice.store.url: 'http://cache:6379' must be a redis:// or rediss:// URL (for a cluster, "
                + "several separated by commas)"),
        refused(m("store", m("type", "redis", "url", "redis://a:1,")),
            "q.yaml: sluice.store.url: 'redis://a:1,' must be a redis:// or rediss:// URL (for a cluster, "
                + "several separated by commas)"),
        refused(m("store", m("type", "redis", "url", "redis://a:1,redis://b:1")),
            "q.yaml: sluice.store.url: 'redis://a:1,redis://b:1' names several servers; only a cluster "
                + "(cluster: true) takes a list"),
        refused(m("store", m("type", "sqlite", "path", "q.db", "url", "redis://a:1")),
            "q.yaml: sluice.store.url: is for a redis store; this store's type is sqlite"),
        refused(m("store", m("cluster", true)),
            "q.yaml: sluice.store.cluster: is for a redis store; this store's type is memory"),
        refused(m("store", m("failure", "maybe")),
            "q.yaml: sluice.store.failure: 'maybe' is not a failure choice; it is one of closed, open"),
        // policies: PolicyText's own messages, at the policy's path
        refused(m("policies", m("anon-daily", "fixed-window limit=many period=1d")),
            "q.yaml: sluice.policies.anon-daily: "
                + messageOf(() -> PolicyText.parse("anon-daily", "fixed-window limit=many period=1d"))),
        refused(m("policies", m("anon daily", "fixed-window limit=1 period=1d", "x", "leaky-bucket")),
            "q.yaml: sluice.policies.x: " + messageOf(() -> PolicyText.parse("x", "leaky-bucket"))),
        refused(m("policies", m("a", 100)), "q.yaml: sluice.policies.a: must be text, not 100"),
        refused(m("policies", m("a", m("type", "budget", "limit", 1.5))),
            "q.yaml: sluice.policies.a.limit: 1.5 must be text or a whole number"),
        refused(m("policies", m("a", m("type", "budget", "limit", 10))),
            "q.yaml: sluice.policies.a: " + messageOf(() -> PolicyText.parse("a", Map.of("type", "budget",
                "limit", 10)))),
        refused(m("policies", m(" ", "fixed-window limit=1 period=1d")),
            "q.yaml: sluice.policies[ ]: " + messageOf(() -> PolicyText.parse(" ", "fixed-window limit=1 period=1d"))),
        // identity: the builders' messages, at the path
        refused(m("identity", m("header", "Authorization")),
            "q.yaml: sluice.identity.header: " + messageOf(() -> Identities.builder().header("Authorization"))),
        refused(m("identity", m("header", "X Client")),
            "q.yaml: sluice.identity.header: " + messageOf(() -> Identities.builder().header("X Client"))),
        refused(m("identity", m("header", 5)), "q.yaml: sluice.identity.header: must be text, not 5"),
        refused(m("identity", m("principal", "no")), "q.yaml: sluice.identity.principal: 'no' must be true or false"),
        refused(m("identity", m("api-keys", m("header", "X-Api-Key"))),
            "q.yaml: sluice.identity.api-keys: needs clients: client id -> sha256:<64 hex> of its key"),
        refused(m("identity", m("api-keys", m("clients", m()))),
            "q.yaml: sluice.identity.api-keys.clients: " + messageOf(() -> Identities.builder()
                .apiKey("Authorization", ApiKeys.builder().build()))),
        refused(m("identity", m("api-keys", m("clients", m("billing", "sha256:abc")))),
            "q.yaml: sluice.identity.api-keys.clients.billing: "
                + messageOf(() -> ApiKeys.builder().add("billing", "sha256:abc"))),
        refused(m("identity", m("api-keys", m("clients", m("a", ABC, "b", ABC)))),
            "q.yaml: sluice.identity.api-keys.clients.b: "
                + messageOf(() -> ApiKeys.builder().add("a", ABC).add("b", ABC))),
        refused(m("identity", m("api-keys", m("scheme", "Bea rer", "clients", m("a", ABC)))),
            "q.yaml: sluice.identity.api-keys.scheme: " + messageOf(() -> Identities.builder()
                .apiKey("Authorization", "Bea rer", ApiKeys.builder().add("a", ABC).build()))),
        refused(m("identity", m("api-keys", m("header", "X:Key", "clients", m("a", ABC)))),
            "q.yaml: sluice.identity.api-keys.header: " + messageOf(() -> Identities.builder()
                .apiKey("X:Key", ApiKeys.builder().add("a", ABC).build()))),
        refused(m("identity", m("header", "X-Key", "api-keys", m("header", "x-key", "clients", m("a", ABC)))),
            "q.yaml: sluice.identity: " + messageOf(() -> Identities.builder().header("X-Key")
                .apiKey("x-key", ApiKeys.builder().add("a", ABC).build()).build())),
        // client-address
        refused(m("client-address", m("trusted-proxies", l("10.0.0.0/8", "10.0.0.0/33"))),
            "q.yaml: sluice.client-address.trusted-proxies[1]: " + messageOf(() -> Cidr.parse("10.0.0.0/33"))),
        refused(m("client-address", m("trusted-proxies", "10.0.0.0/8")),
            "q.yaml: sluice.client-address.trusted-proxies: must be a list, e.g. [a, b], not '10.0.0.0/8'"),
        refused(m("client-address", m("trusted-proxies", l("10.0.0.0/8", null))),
            "q.yaml: sluice.client-address.trusted-proxies[1]: has no value: give one or remove the key"),
        refused(m("client-address", m("ipv6-prefix", 129)),
            "q.yaml: sluice.client-address.ipv6-prefix: 129 must be within 1..128"),
        refused(m("client-address", m("ipv6-prefix", "0")),
            "q.yaml: sluice.client-address.ipv6-prefix: 0 must be within 1..128"),
        refused(m("client-address", m("ipv6-prefix", 64.5)),
            "q.yaml: sluice.client-address.ipv6-prefix: 64.5 must be a whole number"),
        refused(m("client-address", m("ipv6-prefix", "/64")),
            "q.yaml: sluice.client-address.ipv6-prefix: '/64' must be a whole number"),
        refused(m("client-address", m("header", "x-real-ip")),
            "q.yaml: sluice.client-address.header: 'x-real-ip' is not a forwarding header; it is one of "
                + "x-forwarded-for, forwarded, both"),
        // headers
        refused(m("headers", "draft"),
            "q.yaml: sluice.headers: 'draft' is not a header style; it is one of ietf, legacy, both, none"),
        // rules
        refused(with("rules", m("path", "/**")),
            "q.yaml: sluice.rules: must be a list, e.g. [a, b], not a mapping"),
        refused(with("rules", l("/**")), "q.yaml: sluice.rules[0]: must be a mapping of keys to values, not '/**'"),
        refused(with("rules", l(m("anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0]: a rule needs path (a rule with policies) or exclude (an exclusion)"),
        refused(with("rules", l(m("exclude", "/x", "path", "/x"))),
            "q.yaml: sluice.rules[0].path: unknown key; the keys here are exclude, methods"),
        refused(with("rules", l(m("path", "api/**", "anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0].path: " + messageOf(() -> PathPattern.parse("api/**"))),
        refused(with("rules", l(m("exclude", "/a/b*"))),
            "q.yaml: sluice.rules[0].exclude: " + messageOf(() -> PathPattern.parse("/a/b*"))),
        refused(with("rules", l(anonRule, anonRule, m("path", "/**", "anonymous", l("anon-dayly")))),
            "q.yaml: sluice.rules[2].anonymous[0]: unknown policy 'anon-dayly'; " + policies),
        refused(m("rules", l(m("path", "/**", "anonymous", l("anon-daily"))))
            , "q.yaml: sluice.rules[0].anonymous[0]: unknown policy 'anon-daily'; no policies are configured"),
        refused(with("rules", l(m("path", "/**", "anonymous", "anon-daily"))),
            "q.yaml: sluice.rules[0].anonymous: must be a list, e.g. [a, b], not 'anon-daily'"),
        refused(with("rules", l(m("path", "/**", "authenticated", l("client-daily", "in-flight")))),
            "q.yaml: sluice.rules[0].authenticated[1]: policy 'in-flight' is a concurrency policy; a rule takes "
                + "rate policies (token-bucket, fixed-window, sliding-log, sliding-counter)"),
        refused(with("rules", l(m("path", "/**", "anonymous", l("rows")))),
            "q.yaml: sluice.rules[0].anonymous[0]: policy 'rows' is a budget policy; a rule takes "
                + "rate policies (token-bucket, fixed-window, sliding-log, sliding-counter)"),
        refused(with("rules", l(m("path", "/**", "anonymous", l("anon-daily", "anon-daily")))),
            "q.yaml: sluice.rules[0].anonymous[1]: policy 'anon-daily' is listed twice"),
        refused(with("rules", l(m("path", "/**", "methods", l("GET", "G ET"), "anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0].methods[1]: rule /**: method 'G ET' must be an HTTP method in upper case, e.g. GET"),
        refused(with("rules", l(m("path", "/**", "methods", l("GET", "get"), "anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0].methods[1]: method 'GET' is listed twice"),
        refused(with("rules", l(m("path", "/**", "methods", "GET", "anonymous", l("anon-daily")))),
            "q.yaml: sluice.rules[0].methods: must be a list, e.g. [a, b], not 'GET'"),
        refused(with("rules", l(m("path", "/**", "anonymous", l("anon-daily"), "cost", 0))),
            "q.yaml: sluice.rules[0].cost: 0 must be within 1..9223372036854775807"),
        refused(with("rules", l(m("path", "/**", "anonymous", l("anon-daily"), "cost", "ten"))),
            "q.yaml: sluice.rules[0].cost: 'ten' must be a whole number"),
        refused(with("rules", l(m("path", "/**", "anonymous", l("anon-daily"), "cost", new BigInteger("9223372036854775808")))),
            "q.yaml: sluice.rules[0].cost: 9223372036854775808 must be within 1..9223372036854775807"),
        refused(with("rules", l(m("path", "/api/**", "anonymous", l(), "authenticated", l()))),
            "q.yaml: sluice.rules[0]: rule /api/** has no policies (anonymous, authenticated); to take nothing on "
                + "a path, write exclude: /api/**"),
        // per-client limits with no identity source: Identities.requireSource()'s message
        refused(m("policies", policies(), "rules", l(anonRule, m("path", "/**", "authenticated", l("client-daily")))),
            "q.yaml: sluice.rules[1].authenticated: " + messageOfState()),
        refused(m("policies", policies(), "identity", m("principal", false),
            "rules", l(m("path", "/**", "authenticated", l("client-daily")))),
            "q.yaml: sluice.rules[0].authenticated: " + messageOfState()),
        // concurrency and budgets
        refused(with("concurrency", "anon-daily"),
            "q.yaml: sluice.concurrency: policy 'anon-daily' is a fixed-window policy; concurrency takes a "
                + "concurrency policy"),
        refused(with("concurrency", "in-flite"), "q.yaml: sluice.concurrency: unknown policy 'in-flite'; " + policies),
        refused(with("concurrency", l("in-flight")), "q.yaml: sluice.concurrency: must be text, not a list"),
        refused(with("budgets", l("rows", "in-flight")),
            "q.yaml: sluice.budgets[1]: policy 'in-flight' is a concurrency policy; budgets take budget policies"),
        refused(with("budgets", l("rows", "rows")), "q.yaml: sluice.budgets[1]: budget 'rows' is listed twice"),
        refused(with("budgets", "rows"), "q.yaml: sluice.budgets: must be a list, e.g. [a, b], not 'rows'"),
        refused(m("cost-attribute", ""), "q.yaml: sluice.cost-attribute: the cost attribute's name must not be empty"));
  }

  private static Map<String, Object> nonTextKey() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put(1, "x");
    @SuppressWarnings("unchecked")
    Map<String, Object> cast = (Map<String, Object>) (Map<?, ?>) map;
    return cast;
  }

  private static String messageOfState() {
    try {
      Identities.none().requireSource();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    throw new AssertionError("no exception");
  }

  @ParameterizedTest
  @MethodSource("refusals")
  void everyBadValueIsRefusedWithItsPath(Map<String, Object> tree, String message) {
    assertThatThrownBy(() -> read(tree)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void theDocumentsExampleMessage() {
    Map<String, Object> tree = with(
        "policies", m("anon-daily", "fixed-window limit=100 period=1d", "client-daily",
            "fixed-window limit=10000 period=1d"),
        "rules", l(m("exclude", "/actuator/**"), m("path", "/a/**", "anonymous", l("anon-daily")),
            m("path", "/**", "anonymous", l("anon-dayly"))));
    assertThatThrownBy(() -> QuotaConfig.read(tree, "quotas.yaml")).hasMessage(
        "quotas.yaml: sluice.rules[2].anonymous[0]: unknown policy 'anon-dayly'; the policies are anon-daily, "
            + "client-daily");
  }

  @Test
  void readingLeavesTheTreeAsItWas() {
    Map<String, Object> tree = with("rules", l(m("path", "/**", "methods", l("get"), "anonymous", l("anon-daily"))));
    String before = tree.toString();
    read(tree);
    assertThat(tree.toString()).isEqualTo(before);
    Map<String, Object> bad = with("rules", l(m("path", "/**", "anonymous", l("nope"))));
    String badBefore = bad.toString();
    assertThatThrownBy(() -> read(bad)).isInstanceOf(IllegalArgumentException.class);
    assertThat(bad.toString()).isEqualTo(badBefore);
  }

  @Test
  void theReadConfigurationIsImmutable() {
    QuotaConfig c = read(with("budgets", l("rows")));
    assertThatThrownBy(() -> c.policies().put("x", c.policies().get("rows")))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> c.budgets().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void aStoreSpecRefusesFieldsOfAnotherType() {
    assertThatThrownBy(() -> new StoreSpec(StoreSpec.Type.MEMORY, Optional.of("x.db"), Optional.empty(), false,
        FailurePolicy.closed())).hasMessage("path is for a sqlite store, and required there (type MEMORY)");
    assertThatThrownBy(() -> new StoreSpec(StoreSpec.Type.REDIS, Optional.empty(), Optional.empty(), false,
        FailurePolicy.closed())).hasMessage("url is for a redis store, and required there (type REDIS)");
    assertThatThrownBy(() -> new StoreSpec(StoreSpec.Type.SQLITE, Optional.of("x.db"), Optional.empty(), true,
        FailurePolicy.closed())).hasMessage("cluster is for a redis store (type SQLITE)");
  }

  // ---------------------------------------------------------------- the model user

  /** The model user's tree: anonymous 100/day per IP, authenticated 10,000/day per X-Client-Id, SQLite. */
  static Map<String, Object> modelUser(Path db) {
    return m(
        "store", m("type", "sqlite", "path", db.toString()),
        "policies", m("anon-daily", "fixed-window limit=100 period=1d",
            "client-daily", "fixed-window limit=10000 period=1d"),
        "identity", m("header", "X-Client-Id"),
        "rules", l(m("exclude", "/health/**"),
            m("path", "/**", "anonymous", l("anon-daily"), "authenticated", l("client-daily"))));
  }

  @TempDir
  Path dir;

  @Test
  void theModelUsersTreeDecidesOnARealSqliteStore() {
    QuotaConfig c = read(modelUser(dir.resolve("quotas.db")));
    StoreSpec spec = c.store();
    assertThat(spec.type()).isEqualTo(StoreSpec.Type.SQLITE);
    ManualClock clock = new ManualClock(Instant.parse("2026-12-07T10:00:00Z"));
    try (SqliteStore store = SqliteStore.open(Path.of(spec.path().orElseThrow())).clock(clock)
            .failure(spec.failure()).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      HttpQuotas quotas = c.quotas(sluice);
      for (int i = 1; i <= 100; i++) {
        assertThat(quotas.decide(request("/api/orders", "203.0.113.7", Map.of())).answer().refused())
            .as("request %d", i).isFalse();
      }
      QuotaAnswer denied = quotas.decide(request("/api/orders", "203.0.113.7", Map.of())).answer();
      assertThat(denied.status()).isEqualTo(429);
      assertThat(denied.headers()).containsEntry("Retry-After", "50400")
          .containsEntry("RateLimit-Policy", "\"anon-daily\";q=100;w=86400");
      assertThat(new String(denied.body(), StandardCharsets.UTF_8)).contains("\"policy\":\"anon-daily\"",
          "\"limit\":100");
      HttpQuotas.Outcome authed = quotas.decide(request("/api/orders", "203.0.113.7",
          Map.of("X-Client-Id", List.of("acme"))));
      assertThat(authed.answer().refused()).isFalse();
      assertThat(authed.client()).isEqualTo(Client.authenticated("acme"));
      assertThat(authed.answer().headers()).containsEntry("RateLimit", "\"client-daily\";r=9999;t=50400");
      assertThat(quotas.decide(request("/health/live", "203.0.113.7", Map.of())).decided()).isFalse();
    }
  }

  private static QuotaRequest request(String path, String ip, Map<String, List<String>> headers) {
    IdentityView view = IdentityView.of(null, headers);
    return new QuotaRequest() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String path() {
        return path;
      }

      @Override
      public InetAddress peer() {
        try {
          return InetAddress.getByName(ip); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
          throw new AssertionError(e);
        }
      }

      @Override
      public String principalName() {
        return view.principalName();
      }

      @Override
      public List<String> headers(String name) {
        return view.headers(name);
      }
    };
  }

  @Test
  void keysAreKebabCaseInEveryForm() {
    for (String form : List.of("ipv6Prefix", "ipv6_prefix", "IPV6_PREFIX", "ipv6-prefix")) {
      assertThat(ConfigNode.kebab(form)).as(form).isEqualTo("ipv6-prefix");
    }
    assertThat(ConfigNode.kebab("costAttribute")).isEqualTo("cost-attribute");
    assertThat(ConfigNode.kebab("apiKeys")).isEqualTo("api-keys");
  }
}
