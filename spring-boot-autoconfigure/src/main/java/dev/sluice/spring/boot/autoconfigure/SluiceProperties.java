package dev.sluice.spring.boot.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice:} tree of {@code application.yml} (docs/http.md, "Spring Boot"), bound as it
 * is written and handed on, as a plain tree, to {@code dev.sluice.http.QuotaConfig}, which gives
 * it its meaning. Unset values are left out of that tree, so its defaults apply. Unknown keys are
 * refused (a typo must not silently disable a limit).
 */
@ConfigurationProperties(prefix = "sluice", ignoreUnknownFields = false)
public class SluiceProperties {

  /** Whether Sluice is configured at all: false turns the auto-configuration off. */
  private boolean enabled = true;

  /** Where the usage is counted. */
  private Store store = new Store();

  /**
   * Policies by name, each in the text form of docs/policies.md, e.g.
   * {@code fixed-window limit=100 period=1d}.
   */
  private Map<String, String> policies = new LinkedHashMap<>();

  /** Where authenticated client ids come from; none configured: every client is anonymous. */
  private Identity identity = new Identity();

  /** How an anonymous client's address is found. */
  private ClientAddress clientAddress = new ClientAddress();

  /** Which rate-limit headers answers carry: ietf (default), legacy, both or none. */
  private String headers;

  /** Route rules, tried in order; the first that matches decides. */
  private List<Rule> rules = new ArrayList<>();

  /** A concurrency policy's name: one lease per client around each request. */
  private String concurrency;

  /** Budget policies' names, charged after each response with the cost the application sets. */
  private List<String> budgets;

  /** The request (exchange) attribute holding a request's budget cost, a Long. */
  private String costAttribute;

  /**
   * Whether the auto-configuration is on.
   *
   * @return whether it is
   */
  public boolean isEnabled() {
    return enabled;
  }

  /**
   * Sets whether the auto-configuration is on.
   *
   * @param enabled whether it is
   */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * The store.
   *
   * @return the store's settings
   */
  public Store getStore() {
    return store;
  }

  /**
   * Sets the store.
   *
   * @param store the store's settings
   */
  public void setStore(Store store) {
    this.store = store;
  }

  /**
   * The policies by name.
   *
   * @return name to policy text, in the order written
   */
  public Map<String, String> getPolicies() {
    return policies;
  }

  /**
   * Sets the policies.
   *
   * @param policies name to policy text
   */
  public void setPolicies(Map<String, String> policies) {
    this.policies = policies;
  }

  /**
   * The identity sources.
   *
   * @return the identity settings
   */
  public Identity getIdentity() {
    return identity;
  }

  /**
   * Sets the identity sources.
   *
   * @param identity the identity settings
   */
  public void setIdentity(Identity identity) {
    this.identity = identity;
  }

  /**
   * The client address settings.
   *
   * @return the settings
   */
  public ClientAddress getClientAddress() {
    return clientAddress;
  }

  /**
   * Sets the client address settings.
   *
   * @param clientAddress the settings
   */
  public void setClientAddress(ClientAddress clientAddress) {
    this.clientAddress = clientAddress;
  }

  /**
   * The header style.
   *
   * @return the style's name, or null for the default
   */
  public String getHeaders() {
    return headers;
  }

  /**
   * Sets the header style.
   *
   * @param headers ietf, legacy, both or none
   */
  public void setHeaders(String headers) {
    this.headers = headers;
  }

  /**
   * The route rules.
   *
   * @return the rules in order
   */
  public List<Rule> getRules() {
    return rules;
  }

  /**
   * Sets the route rules.
   *
   * @param rules the rules in order
   */
  public void setRules(List<Rule> rules) {
    this.rules = rules;
  }

  /**
   * The concurrency policy's name.
   *
   * @return the name, or null for none
   */
  public String getConcurrency() {
    return concurrency;
  }

  /**
   * Sets the concurrency policy's name.
   *
   * @param concurrency the name
   */
  public void setConcurrency(String concurrency) {
    this.concurrency = concurrency;
  }

  /**
   * The budget policies' names.
   *
   * @return the names, or null for none
   */
  public List<String> getBudgets() {
    return budgets;
  }

  /**
   * Sets the budget policies' names.
   *
   * @param budgets the names
   */
  public void setBudgets(List<String> budgets) {
    this.budgets = budgets;
  }

  /**
   * The cost attribute's name.
   *
   * @return the name, or null for the default
   */
  public String getCostAttribute() {
    return costAttribute;
  }

  /**
   * Sets the cost attribute's name.
   *
   * @param costAttribute the name
   */
  public void setCostAttribute(String costAttribute) {
    this.costAttribute = costAttribute;
  }

  /**
   * The tree under {@code sluice:} as {@code QuotaConfig.read} takes it: maps, lists, strings,
   * numbers and booleans, with the kebab-case names of the YAML and only what was set.
   *
   * @return the tree; {@code enabled} is not part of it (it is Spring's alone)
   */
  public Map<String, Object> tree() {
    Map<String, Object> t = new LinkedHashMap<>();
    Map<String, Object> s = store.tree();
    if (!s.isEmpty()) {
      t.put("store", s);
    }
    if (!policies.isEmpty()) {
      t.put("policies", new LinkedHashMap<>(policies));
    }
    Map<String, Object> i = identity.tree();
    if (!i.isEmpty()) {
      t.put("identity", i);
    }
    Map<String, Object> a = clientAddress.tree();
    if (!a.isEmpty()) {
      t.put("client-address", a);
    }
    put(t, "headers", headers);
    if (!rules.isEmpty()) {
      List<Object> list = new ArrayList<>();
      for (Rule r : rules) {
        list.add(r.tree());
      }
      t.put("rules", list);
    }
    put(t, "concurrency", concurrency);
    if (budgets != null) {
      t.put("budgets", List.copyOf(budgets));
    }
    put(t, "cost-attribute", costAttribute);
    return t;
  }

  static void put(Map<String, Object> tree, String name, Object value) {
    if (value != null) {
      tree.put(name, value);
    }
  }

  /** {@code sluice.store}: where the usage is counted. */
  public static class Store {

    /** memory (default), sqlite or redis. */
    private String type;

    /** sqlite: the database file (required for sqlite). */
    private String path;

    /** redis: a redis:// or rediss:// URL (required for redis); a comma-separated seed list for a cluster. */
    private String url;

    /** redis: whether the URL names a Redis Cluster. */
    private Boolean cluster;

    /** closed (default) or open: what a request gets when the store cannot decide. */
    private String failure;

    /**
     * The store type.
     *
     * @return memory, sqlite or redis; null for the default
     */
    public String getType() {
      return type;
    }

    /**
     * Sets the store type.
     *
     * @param type memory, sqlite or redis
     */
    public void setType(String type) {
      this.type = type;
    }

    /**
     * The SQLite file.
     *
     * @return the path, or null
     */
    public String getPath() {
      return path;
    }

    /**
     * Sets the SQLite file.
     *
     * @param path the path
     */
    public void setPath(String path) {
      this.path = path;
    }

    /**
     * The Redis URL.
     *
     * @return the URL, or null
     */
    public String getUrl() {
      return url;
    }

    /**
     * Sets the Redis URL.
     *
     * @param url the URL, or a comma-separated seed list for a cluster
     */
    public void setUrl(String url) {
      this.url = url;
    }

    /**
     * Whether Redis is a cluster.
     *
     * @return whether it is; null for the default (no)
     */
    public Boolean getCluster() {
      return cluster;
    }

    /**
     * Sets whether Redis is a cluster.
     *
     * @param cluster whether it is
     */
    public void setCluster(Boolean cluster) {
      this.cluster = cluster;
    }

    /**
     * The failure choice.
     *
     * @return closed or open; null for the default (closed)
     */
    public String getFailure() {
      return failure;
    }

    /**
     * Sets the failure choice.
     *
     * @param failure closed or open
     */
    public void setFailure(String failure) {
      this.failure = failure;
    }

    Map<String, Object> tree() {
      Map<String, Object> t = new LinkedHashMap<>();
      put(t, "type", type);
      put(t, "path", path);
      put(t, "url", url);
      put(t, "cluster", cluster);
      put(t, "failure", failure);
      return t;
    }
  }

  /** {@code sluice.identity}: sources of client ids, tried in the order principal, header, api-keys. */
  public static class Identity {

    /** Whether the request's authenticated principal name is a client id. */
    private Boolean principal;

    /** A header set by a trusted proxy whose value is the client id. */
    private String header;

    /** API keys looked up in a table of hashed keys. */
    private ApiKeys apiKeys;

    /**
     * Whether the principal is a source.
     *
     * @return whether it is; null for the default (no)
     */
    public Boolean getPrincipal() {
      return principal;
    }

    /**
     * Sets whether the principal is a source.
     *
     * @param principal whether it is
     */
    public void setPrincipal(Boolean principal) {
      this.principal = principal;
    }

    /**
     * The client id header.
     *
     * @return the header's name, or null for none
     */
    public String getHeader() {
      return header;
    }

    /**
     * Sets the client id header.
     *
     * @param header the header's name
     */
    public void setHeader(String header) {
      this.header = header;
    }

    /**
     * The API key source.
     *
     * @return the API key settings, or null for none
     */
    public ApiKeys getApiKeys() {
      return apiKeys;
    }

    /**
     * Sets the API key source.
     *
     * @param apiKeys the API key settings
     */
    public void setApiKeys(ApiKeys apiKeys) {
      this.apiKeys = apiKeys;
    }

    Map<String, Object> tree() {
      Map<String, Object> t = new LinkedHashMap<>();
      put(t, "principal", principal);
      put(t, "header", header);
      if (apiKeys != null) {
        t.put("api-keys", apiKeys.tree());
      }
      return t;
    }
  }

  /** {@code sluice.identity.api-keys}: a table of clients and the SHA-256 hashes of their keys. */
  public static class ApiKeys {

    /** The header holding the key (default Authorization). */
    private String header;

    /** The scheme before the key, e.g. Bearer; absent: the whole header value is the key. */
    private String scheme;

    /** Client id to {@code sha256:<64 hex digits>} of its key. */
    private Map<String, String> clients = new LinkedHashMap<>();

    /**
     * The key header.
     *
     * @return the header's name, or null for the default
     */
    public String getHeader() {
      return header;
    }

    /**
     * Sets the key header.
     *
     * @param header the header's name
     */
    public void setHeader(String header) {
      this.header = header;
    }

    /**
     * The scheme.
     *
     * @return the scheme, or null for none
     */
    public String getScheme() {
      return scheme;
    }

    /**
     * Sets the scheme.
     *
     * @param scheme the scheme, e.g. Bearer
     */
    public void setScheme(String scheme) {
      this.scheme = scheme;
    }

    /**
     * The clients' key hashes.
     *
     * @return client id to hash
     */
    public Map<String, String> getClients() {
      return clients;
    }

    /**
     * Sets the clients' key hashes.
     *
     * @param clients client id to hash
     */
    public void setClients(Map<String, String> clients) {
      this.clients = clients;
    }

    Map<String, Object> tree() {
      Map<String, Object> t = new LinkedHashMap<>();
      put(t, "header", header);
      put(t, "scheme", scheme);
      t.put("clients", new LinkedHashMap<>(clients));
      return t;
    }
  }

  /** {@code sluice.client-address}: the anonymous client's address. */
  public static class ClientAddress {

    /** CIDRs of the proxies whose forwarding headers are believed (default none). */
    private List<String> trustedProxies;

    /** IPv6 clients are grouped by this prefix length (default 64). */
    private Integer ipv6Prefix;

    /** Which forwarding header: x-forwarded-for (default), forwarded or both. */
    private String header;

    /**
     * The trusted proxies.
     *
     * @return the CIDRs, or null for none
     */
    public List<String> getTrustedProxies() {
      return trustedProxies;
    }

    /**
     * Sets the trusted proxies.
     *
     * @param trustedProxies the CIDRs
     */
    public void setTrustedProxies(List<String> trustedProxies) {
      this.trustedProxies = trustedProxies;
    }

    /**
     * The IPv6 prefix length.
     *
     * @return the length, or null for the default
     */
    public Integer getIpv6Prefix() {
      return ipv6Prefix;
    }

    /**
     * Sets the IPv6 prefix length.
     *
     * @param ipv6Prefix 1 to 128
     */
    public void setIpv6Prefix(Integer ipv6Prefix) {
      this.ipv6Prefix = ipv6Prefix;
    }

    /**
     * The forwarding header.
     *
     * @return its name, or null for the default
     */
    public String getHeader() {
      return header;
    }

    /**
     * Sets the forwarding header.
     *
     * @param header x-forwarded-for, forwarded or both
     */
    public void setHeader(String header) {
      this.header = header;
    }

    Map<String, Object> tree() {
      Map<String, Object> t = new LinkedHashMap<>();
      if (trustedProxies != null) {
        t.put("trusted-proxies", List.copyOf(trustedProxies));
      }
      put(t, "ipv6-prefix", ipv6Prefix);
      put(t, "header", header);
      return t;
    }
  }

  /** One of {@code sluice.rules}: an exclusion, or a path with its policies. */
  public static class Rule {

    /** A path pattern no policy applies to (e.g. /actuator/**); an exclusion takes nothing else. */
    private String exclude;

    /** The path pattern this rule matches. */
    private String path;

    /** The methods it matches (default every method). */
    private List<String> methods;

    /** Rate policies of anonymous clients, charged together. */
    private List<String> anonymous;

    /** Rate policies of authenticated clients, charged together. */
    private List<String> authenticated;

    /** What one request costs (default 1). */
    private Long cost;

    /**
     * The excluded pattern.
     *
     * @return the pattern, or null if this is not an exclusion
     */
    public String getExclude() {
      return exclude;
    }

    /**
     * Sets the excluded pattern.
     *
     * @param exclude the pattern
     */
    public void setExclude(String exclude) {
      this.exclude = exclude;
    }

    /**
     * The path pattern.
     *
     * @return the pattern, or null
     */
    public String getPath() {
      return path;
    }

    /**
     * Sets the path pattern.
     *
     * @param path the pattern
     */
    public void setPath(String path) {
      this.path = path;
    }

    /**
     * The methods.
     *
     * @return the methods, or null for every method
     */
    public List<String> getMethods() {
      return methods;
    }

    /**
     * Sets the methods.
     *
     * @param methods the methods
     */
    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    /**
     * The anonymous clients' policies.
     *
     * @return the names, or null
     */
    public List<String> getAnonymous() {
      return anonymous;
    }

    /**
     * Sets the anonymous clients' policies.
     *
     * @param anonymous the names
     */
    public void setAnonymous(List<String> anonymous) {
      this.anonymous = anonymous;
    }

    /**
     * The authenticated clients' policies.
     *
     * @return the names, or null
     */
    public List<String> getAuthenticated() {
      return authenticated;
    }

    /**
     * Sets the authenticated clients' policies.
     *
     * @param authenticated the names
     */
    public void setAuthenticated(List<String> authenticated) {
      this.authenticated = authenticated;
    }

    /**
     * The cost of one request.
     *
     * @return the cost, or null for the default
     */
    public Long getCost() {
      return cost;
    }

    /**
     * Sets the cost of one request.
     *
     * @param cost at least 1
     */
    public void setCost(Long cost) {
      this.cost = cost;
    }

    Map<String, Object> tree() {
      Map<String, Object> t = new LinkedHashMap<>();
      put(t, "exclude", exclude);
      put(t, "path", path);
      if (methods != null) {
        t.put("methods", List.copyOf(methods));
      }
      if (anonymous != null) {
        t.put("anonymous", List.copyOf(anonymous));
      }
      if (authenticated != null) {
        t.put("authenticated", List.copyOf(authenticated));
      }
      put(t, "cost", cost);
      return t;
    }
  }
}
