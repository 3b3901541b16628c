package dev.sluice.server.config;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A loaded config: domains and their descriptor trees, immutable, safe to share between threads.
 * Build one with {@link ConfigLoader}; a reload builds a new one, so a server swaps snapshots
 * whole and keeps the last good one when a load fails.
 */
public final class RateLimitConfig {

  private static final RateLimitConfig EMPTY = new RateLimitConfig(Map.of());

  private final Map<String, Descriptor> domains;

  RateLimitConfig(Map<String, Descriptor> domains) {
    this.domains = Collections.unmodifiableMap(domains);
  }

  /**
   * The config with no domains: every lookup gives no limit.
   *
   * @return the empty config
   */
  public static RateLimitConfig empty() {
    return EMPTY;
  }

  /**
   * Whether no domain is configured (theirs: {@code IsEmptyDomains}).
   *
   * @return true if there are no domains
   */
  public boolean isEmpty() {
    return domains.isEmpty();
  }

  /**
   * The configured domains.
   *
   * @return the domains, in load order, unmodifiable
   */
  public Set<String> domains() {
    return domains.keySet();
  }

  /**
   * The rule for a request descriptor, exactly as theirs finds it (see the package's
   * {@code DescriptorMatch}): entries walk the domain's tree one level each, an exact
   * {@code key_value} before a wildcard pattern (first in config order) before the bare
   * {@code key}; the node matched by the last entry must have a {@code rate_limit}.
   *
   * @param domain the request's domain
   * @param entries the descriptor's entries, {@code (key, value)}, in order; none null
   * @return the rule, with the full key theirs computes for it, or null if no limit applies
   *     (unknown domain, no match, or a depth that does not match)
   */
  public RateLimitRule lookup(String domain, List<Map.Entry<String, String>> entries) {
    Objects.requireNonNull(entries, "entries");
    Descriptor root = domains.get(Objects.requireNonNull(domain, "domain"));
    return root == null ? null : DescriptorMatch.lookup(root, domain, entries);
  }

  /**
   * The rule for a descriptor that carries its own limit (the request's
   * {@code RateLimitDescriptor.limit}), as theirs gives it: for a known domain, whatever the
   * entries match, a plain fixed-window rule with that limit, no name, flags or metadata, and the
   * full key {@code domain.key_value.key2} (an entry with an empty value is just its key).
   *
   * @param domain the request's domain
   * @param entries the descriptor's entries, none null
   * @param requestsPerUnit the override's requests per unit, 0 to 2^32-1
   * @param unit the override's unit; not null (theirs has no window for an unknown unit)
   * @return the rule, or null if the domain is not configured
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code requestsPerUnit} is out of range
   */
  public RateLimitRule override(String domain, List<Map.Entry<String, String>> entries, long requestsPerUnit,
      Unit unit) {
    Objects.requireNonNull(entries, "entries");
    Objects.requireNonNull(unit, "unit");
    if (!domains.containsKey(Objects.requireNonNull(domain, "domain"))) {
      return null;
    }
    return new RateLimitRule(DescriptorMatch.overrideKey(domain, entries), requestsPerUnit, unit, false, "",
        List.of(), false, false, false, List.of(), List.of(), Metadata.EMPTY);
  }

  /**
   * Every rule, one line each, as theirs dumps them for {@code /rlconfig}:
   * {@code <full key>: unit=<UNIT> requests_per_unit=<n>, shadow_mode: <bool>, quota_mode: <bool>}
   * ({@code UNKNOWN} for an unlimited rule); a Sluice rule shows {@code policies=[<spec>; ...]}
   * in place of unit and requests. Domains in load order, descriptors depth-first in file order.
   *
   * @return the lines, each ending with a newline; empty for no rules
   */
  public String dump() {
    StringBuilder out = new StringBuilder();
    for (Descriptor d : domains.values()) {
      dump(d, out);
    }
    return out.toString();
  }

  private static void dump(Descriptor d, StringBuilder out) {
    RateLimitRule r = d.limit;
    if (r != null) {
      out.append(r.fullKey()).append(": ");
      if (r.policies().isEmpty()) {
        out.append("unit=").append(r.unit() == null ? "UNKNOWN" : r.unit().name())
            .append(" requests_per_unit=").append(r.requestsPerUnit());
      } else {
        out.append("policies=[").append(specs(r.policies(), "; ")).append(']');
      }
      out.append(", shadow_mode: ").append(r.shadowMode()).append(", quota_mode: ").append(r.quotaMode())
          .append('\n');
    }
    for (Descriptor child : d.children.values()) {
      dump(child, out);
    }
  }

  /**
   * The config as a tree, for {@code config check}: each domain, then each descriptor indented
   * under its parent as {@code key} or {@code key=value}, and what its rule is: e.g.
   * {@code 10 per minute (fixed window)}, {@code unlimited}, a Sluice policy's spec and name, or
   * {@code no limit} for a leaf without one; then its flags and names.
   *
   * @return the tree, one line per domain and descriptor
   */
  public String tree() {
    StringBuilder out = new StringBuilder();
    domains.forEach((name, d) -> {
      out.append("domain ").append(name).append('\n');
      for (Descriptor child : d.children.values()) {
        tree(child, 1, out);
      }
    });
    return out.toString();
  }

  private static void tree(Descriptor d, int depth, StringBuilder out) {
    out.append("  ".repeat(depth)).append(d.key);
    if (!d.value.isEmpty()) {
      out.append('=').append(d.value);
    }
    RateLimitRule r = d.limit;
    if (r != null) {
      out.append(": ").append(describe(r));
    } else if (d.children.isEmpty()) {
      out.append(": no limit");
    }
    List<String> notes = new ArrayList<>();
    if (r != null && r.shadowMode()) {
      notes.add("shadow_mode");
    }
    if (r != null && r.quotaMode()) {
      notes.add("quota_mode");
    }
    if (r != null && r.detailedMetric()) {
      notes.add("detailed_metric");
    }
    if (d.valueToMetric) {
      notes.add("value_to_metric");
    }
    if (d.shareThreshold) {
      notes.add("share_threshold");
    }
    if (!d.metadata.isEmpty()) {
      notes.add("metadata " + d.metadata.keySet());
    }
    if (r != null && !r.name().isEmpty()) {
      notes.add("name '" + r.name() + "'");
    }
    if (r != null && !r.replaces().isEmpty()) {
      notes.add("replaces " + r.replaces());
    }
    if (!notes.isEmpty()) {
      out.append(" [").append(String.join(", ", notes)).append(']');
    }
    out.append('\n');
    for (Descriptor child : d.children.values()) {
      tree(child, depth + 1, out);
    }
  }

  private static String describe(RateLimitRule r) {
    if (r.unlimited()) {
      return "unlimited";
    }
    if (!r.policies().isEmpty()) {
      StringBuilder b = new StringBuilder(specs(r.policies(), " and "));
      b.append(r.policies().size() == 1 ? " (policy " : " (policies ");
      for (int i = 0; i < r.policies().size(); i++) {
        b.append(i == 0 ? "'" : ", '").append(r.policies().get(i).name()).append('\'');
      }
      return b.append(')').toString();
    }
    String unit = r.unit().name().toLowerCase();
    if (r.requestsPerUnit() == 0) {
      return "0 per " + unit + " (fixed window: every request is over the limit)";
    }
    return r.requestsPerUnit() + " per " + unit + " (fixed window)";
  }

  private static String specs(List<Policy> policies, String separator) {
    List<String> specs = new ArrayList<>();
    for (Policy p : policies) {
      specs.add(PolicyText.format(p));
    }
    return String.join(separator, specs);
  }
}
