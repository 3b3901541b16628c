package dev.sluice.http;

import dev.sluice.Policy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which policies a request takes: an ordered list of rules, each a path pattern and methods, with
 * the policies of anonymous and of authenticated clients and the request's cost; the first rule
 * that matches decides. An exclusion (a health endpoint) matches like a rule and takes nothing. A
 * request no rule matches takes nothing either: end the list with {@code /**} to limit everything.
 *
 * <pre>{@code
 * RouteRules rules = RouteRules.builder()
 *     .exclude("/health/**")
 *     .rule(RouteRules.rule("/api/reports/**").methods("POST")
 *         .anonymous(reportsPerIp).authenticated(reportsPerClient).cost(10))
 *     .rule(RouteRules.rule("/**").anonymous(perIpDaily).authenticated(perClientDaily))
 *     .build();
 * rules.match("POST", "/api/reports/7")  // the reports rule, cost 10
 * }</pre>
 *
 * <p>The several policies of one rule and client kind are charged together, all or nothing, by
 * whoever applies the match.
 */
public final class RouteRules {

  /**
   * One rule.
   *
   * @param path the path pattern
   * @param methods the methods it applies to, upper case; empty for every method
   * @param anonymous the policies of anonymous clients; may be empty
   * @param authenticated the policies of authenticated clients; may be empty
   * @param cost what one request costs, at least 1
   * @param exclusion whether a match takes nothing (the policies are then empty)
   */
  public record Rule(PathPattern path, Set<String> methods, List<Policy> anonymous, List<Policy> authenticated,
      long cost, boolean exclusion) {

    /**
     * Checks the components and copies the collections.
     *
     * @param path the path pattern
     * @param methods the methods, upper case; empty for every method
     * @param anonymous the policies of anonymous clients
     * @param authenticated the policies of authenticated clients
     * @param cost what one request costs, at least 1
     * @param exclusion whether a match takes nothing
     * @throws NullPointerException if one is null
     * @throws IllegalArgumentException naming the rule's path if the cost is below 1, an exclusion
     *     has policies, a method is not an HTTP token in upper case, or one kind's policies name
     *     the same policy twice
     */
    public Rule {
      Objects.requireNonNull(path, "path");
      methods = Collections.unmodifiableSet(new LinkedHashSet<>(methods));
      anonymous = List.copyOf(anonymous);
      authenticated = List.copyOf(authenticated);
      if (cost < 1) {
        throw new IllegalArgumentException("rule " + path + ": cost must be at least 1 (was " + cost + ")");
      }
      if (exclusion && !(anonymous.isEmpty() && authenticated.isEmpty())) {
        throw new IllegalArgumentException("rule " + path + ": an exclusion takes no policies");
      }
      for (String m : methods) {
        if (m.isEmpty() || !m.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c == '-' || c == '_')) {
          throw new IllegalArgumentException("rule " + path + ": method '" + m
              + "' must be an HTTP method in upper case, e.g. GET");
        }
      }
      unique(path, "anonymous", anonymous);
      unique(path, "authenticated", authenticated);
    }

    private static void unique(PathPattern path, String kind, List<Policy> policies) {
      Set<String> names = new LinkedHashSet<>();
      for (Policy p : policies) {
        if (!names.add(p.name())) {
          throw new IllegalArgumentException("rule " + path + ": the " + kind + " policies name '" + p.name()
              + "' twice");
        }
      }
    }

    /** Whether the rule applies to {@code method} (any case) on {@code path}. */
    boolean matches(String method, List<String> resolvedPath) {
      return (methods.isEmpty() || methods.contains(method.toUpperCase(Locale.ROOT)))
          && this.path.matches(resolvedPath);
    }

    /**
     * The policies of {@code kind}.
     *
     * @param kind the client's kind
     * @return the policies charged for such a client; empty if none
     */
    public List<Policy> policies(Client.Kind kind) {
      return kind == Client.Kind.AUTHENTICATED ? authenticated : anonymous;
    }
  }

  /** Builds a {@link Rule}. */
  public static final class RuleBuilder {
    private final PathPattern path;
    private final Set<String> methods = new LinkedHashSet<>();
    private final List<Policy> anonymous = new ArrayList<>();
    private final List<Policy> authenticated = new ArrayList<>();
    private long cost = 1;

    private RuleBuilder(PathPattern path) {
      this.path = path;
    }

    /**
     * Limits the rule to these methods (by default it applies to every method).
     *
     * @param names HTTP methods, e.g. {@code GET}, {@code POST}; any case
     * @return this builder
     */
    public RuleBuilder methods(String... names) {
      for (String m : names) {
        methods.add(Objects.requireNonNull(m, "method").toUpperCase(Locale.ROOT));
      }
      return this;
    }

    /**
     * Adds policies for anonymous clients.
     *
     * @param policies the policies
     * @return this builder
     */
    public RuleBuilder anonymous(Policy... policies) {
      anonymous.addAll(List.of(policies));
      return this;
    }

    /**
     * Adds policies for authenticated clients.
     *
     * @param policies the policies
     * @return this builder
     */
    public RuleBuilder authenticated(Policy... policies) {
      authenticated.addAll(List.of(policies));
      return this;
    }

    /**
     * Sets what one request costs (default 1).
     *
     * @param units at least 1
     * @return this builder
     */
    public RuleBuilder cost(long units) {
      this.cost = units;
      return this;
    }

    Rule build(boolean exclusion) {
      return new Rule(path, methods, anonymous, authenticated, cost, exclusion);
    }
  }

  private final List<Rule> rules;

  private RouteRules(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * A rule for {@code pattern}.
   *
   * @param pattern a {@link PathPattern}
   * @return its builder
   * @throws IllegalArgumentException if the pattern is not valid
   */
  public static RuleBuilder rule(String pattern) {
    return new RuleBuilder(PathPattern.parse(pattern));
  }

  /**
   * A builder of an empty list.
   *
   * @return a builder of an empty list
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The first rule that applies to {@code method} on {@code path}.
   *
   * @param method the request's method
   * @param path the request's path, without the query
   * @return the rule, which may be an exclusion; empty if none applies
   */
  public Optional<Rule> match(String method, String path) {
    return Optional.ofNullable(find(method, path));
  }

  /** {@link #match}, or null when no rule applies. */
  Rule find(String method, String path) {
    Objects.requireNonNull(method, "method");
    List<String> resolved = PathPattern.resolve(path); // once for all the rules
    for (Rule r : rules) {
      if (r.matches(method, resolved)) {
        return r;
      }
    }
    return null;
  }

  /**
   * The rules, in order.
   *
   * @return the rules, in order
   */
  public List<Rule> rules() {
    return rules;
  }

  /** Builds {@link RouteRules}: rules are tried in the order added. */
  public static final class Builder {
    private final List<Rule> rules = new ArrayList<>();

    private Builder() {}

    /** Adds a rule built elsewhere (the configuration reader builds whole rules). */
    Builder add(Rule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /**
     * Adds a rule.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder rule(RuleBuilder rule) {
      rules.add(rule.build(false));
      return this;
    }

    /**
     * Adds an exclusion: requests it matches take no policy.
     *
     * @param pattern a {@link PathPattern}
     * @param methods the methods it covers; none for every method
     * @return this builder
     */
    public Builder exclude(String pattern, String... methods) {
      rules.add(RouteRules.rule(pattern).methods(methods).build(true));
      return this;
    }

    /**
     * The rules.
     *
     * @return the rules
     */
    public RouteRules build() {
      return new RouteRules(rules);
    }
  }
}
