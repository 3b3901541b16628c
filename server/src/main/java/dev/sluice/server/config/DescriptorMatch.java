package dev.sluice.server.config;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Which rule applies to a request descriptor: envoyproxy/ratelimit's {@code GetLimit}, step for
 * step, including the stats key it computes.
 *
 * <h2>Model</h2>
 * A request descriptor is a list of entries {@code (key, value)}; a domain's config is a tree
 * whose children are keyed {@code key} or {@code key_value}. The entries walk the tree from the
 * domain's root, one level per entry. At each level the entry's {@code key_value} is looked up
 * first; failing that, the level's wildcard patterns ({@code key_val*}, {@code key_a*b*c}), in
 * config order, against {@code key_value}, the first match winning; failing that, the bare
 * {@code key} (the level's default). The walk stops when nothing matches or the matched node has
 * no children. A rule applies only if the node matched by the <em>last</em> entry has a
 * {@code rate_limit}: a limit at a shallower depth, or a request that runs out of entries above
 * the limit, gives none ("depth must match"). An unknown domain or an empty entry list gives none.
 *
 * <h2>State and units</h2>
 * None but the immutable tree. The walk builds three texts, all starting with the domain and
 * adding {@code .} and one part per entry: the <em>detailed</em> key ({@code key_value} of every
 * entry, as requested); the <em>by-value</em> key ({@code key}, plus {@code _value} where the
 * config matched a value: the request's value for an explicit value or for
 * {@code value_to_metric}, the pattern for a wildcard, and for a wildcard with
 * {@code share_threshold} always the pattern); and the per-entry share patterns (for entries
 * matched through a wildcard whose node has {@code share_threshold}: the pattern without its
 * {@code key_} prefix). The rule's full key is then, as theirs: with {@code detailed_metric}, the
 * detailed key, or, if any entry shares, each entry as {@code key_pattern} when it shares and
 * {@code key_value} (or {@code key}) otherwise; without it, the by-value key.
 *
 * <h2>Rounding</h2>
 * None: keys are text. Theirs compares bytes of UTF-8 and this compares UTF-16 chars; prefix,
 * suffix and in-order containment give the same answers on well-formed text.
 *
 * <h2>Overflow</h2>
 * None: the texts grow with the request's entries, which the caller bounds.
 *
 * <h2>Clock jumps</h2>
 * None: matching reads no clock.
 *
 * <h2>Bound</h2>
 * Per entry: two hash lookups and at most one pass over the level's wildcard patterns, each
 * matched in time linear in the entry's length. Their quirk, kept for exactness: where theirs
 * rebuilds the rule (a {@code detailed_metric} leaf without children, or a by-value key that
 * differs from the load-time key), it drops the descriptor's {@code metadata}; so does this.
 */
final class DescriptorMatch {
  private DescriptorMatch() {}

  static RateLimitRule lookup(Descriptor root, String domain, List<Map.Entry<String, String>> entries) {
    int n = entries.size();
    Map<String, Descriptor> level = root.children;
    Descriptor prev = root;
    StringBuilder byValue = new StringBuilder(domain);
    String[] shared = null;
    RateLimitRule found = null;
    Map<String, Object> metadata = Metadata.EMPTY;
    String[] foundShared = null;
    boolean rebuilt = false;

    for (int i = 0; i < n; i++) {
      String key = entries.get(i).getKey();
      String value = entries.get(i).getValue();
      String composite = key + "_" + value;

      Descriptor next = level.get(composite);
      String wildcard = null;
      if (next == null) {
        for (Descriptor.Wildcard w : prev.wildcards) {
          if (w.matches(composite)) {
            next = level.get(w.key());
            wildcard = w.key();
            break;
          }
        }
      }
      boolean byItsValue = next != null;
      if (next == null) {
        next = level.get(key);
      }

      if (wildcard != null && next != null && next.shareThreshold && !next.wildcardPattern.isEmpty()) {
        if (shared == null) {
          shared = new String[n];
        }
        shared[i] = trimPrefix(next.wildcardPattern, key + "_");
      }

      byValue.append('.').append(key);
      if (next != null) {
        String part = "";
        if (wildcard != null) {
          if (shared != null && shared[i] != null) {
            part = shared[i];
          } else if (next.valueToMetric) {
            part = value;
          } else {
            part = trimPrefix(wildcard, key + "_");
          }
        } else if (byItsValue || next.valueToMetric) {
          part = value;
        }
        if (!part.isEmpty()) {
          byValue.append('_').append(part);
        }
      }

      if (next != null && next.limit != null && i == n - 1) {
        found = next.limit;
        metadata = next.metadata;
        if (shared != null) {
          foundShared = Arrays.copyOf(shared, n);
          for (int j = 0; j < n; j++) {
            if (foundShared[j] == null) {
              foundShared[j] = "";
            }
          }
        }
      }

      if (next == null || next.children.isEmpty()) {
        rebuilt = found != null && found.detailedMetric();
        break;
      }
      level = next.children;
      prev = next;
    }

    if (found == null) {
      return null;
    }
    String fullKey = found.fullKey();
    if (found.detailedMetric()) {
      fullKey = foundShared == null ? detailedKey(domain, entries) : sharedKey(domain, entries, foundShared);
    } else if (!fullKey.contentEquals(byValue)) {
      fullKey = byValue.toString();
      rebuilt = true;
    } else if (foundShared == null && found.shareThresholdPatterns().isEmpty() && metadata.equals(found.metadata())) {
      return found; // what withLookup would make: the rule as loaded
    }
    return found.withLookup(fullKey, foundShared == null ? List.of() : List.of(foundShared),
        rebuilt ? Metadata.EMPTY : metadata);
  }

  /** The detailed key: {@code domain.key_value} for every entry (their {@code detailed_metric}). */
  private static String detailedKey(String domain, List<Map.Entry<String, String>> entries) {
    StringBuilder b = new StringBuilder(domain);
    for (Map.Entry<String, String> e : entries) {
      b.append('.').append(e.getKey()).append('_').append(e.getValue());
    }
    return b.toString();
  }

  /** The detailed key where entries share: {@code key_pattern} for those, else {@code key_value}. */
  private static String sharedKey(String domain, List<Map.Entry<String, String>> entries, String[] shared) {
    StringBuilder b = new StringBuilder(domain);
    for (int i = 0; i < entries.size(); i++) {
      String key = entries.get(i).getKey();
      String value = entries.get(i).getValue();
      b.append('.').append(key);
      if (!shared[i].isEmpty()) {
        b.append('_').append(shared[i]);
      } else if (!value.isEmpty()) {
        b.append('_').append(value);
      }
    }
    return b.toString();
  }

  /**
   * Their {@code descriptorKey}, the full key of a request-level limit override: the domain,
   * {@code .}, then each entry as {@code key_value} (or {@code key} for an empty value), joined
   * with {@code .} (as theirs: no {@code .} is added while the joined text is still empty).
   */
  static String overrideKey(String domain, List<Map.Entry<String, String>> entries) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : entries) {
      if (b.length() > 0) {
        b.append('.');
      }
      b.append(e.getKey());
      if (!e.getValue().isEmpty()) {
        b.append('_').append(e.getValue());
      }
    }
    return domain + "." + b;
  }

  private static String trimPrefix(String s, String prefix) {
    return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
  }
}
