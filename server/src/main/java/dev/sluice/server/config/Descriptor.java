package dev.sluice.server.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One node of a domain's descriptor tree, immutable: their {@code rateLimitDescriptor}. A domain's
 * root is a node with no key and no limit. Children are keyed by their composite key:
 * {@code key}, or {@code key_value} when the config gives a value; the children whose composite
 * key holds a {@code *} are also listed, in config order, as {@link #wildcards}.
 */
final class Descriptor {

  /** The configured key and value ({@code ""} for none, and for a domain's root). */
  final String key;
  final String value;
  /** Children by composite key, in config order. */
  final Map<String, Descriptor> children;
  /** The children's wildcard patterns, in config order: the first that matches wins. */
  final List<Wildcard> wildcards;
  /** The limit, with the load-time full key; null without {@code rate_limit}. */
  final RateLimitRule limit;
  final boolean valueToMetric;
  final boolean shareThreshold;
  /** The composite key when {@code share_threshold} is set (it then holds a {@code *}), else empty. */
  final String wildcardPattern;
  /** The metadata, as their Struct holds it; empty if none. */
  final Map<String, Object> metadata;

  private Descriptor(Builder b, Function<Builder, RateLimitRule> limits) {
    this.key = b.key;
    this.value = b.value;
    Map<String, Descriptor> kids = new LinkedHashMap<>();
    b.children.forEach((k, child) -> kids.put(k, new Descriptor(child, limits)));
    this.children = Collections.unmodifiableMap(kids);
    this.wildcards = List.copyOf(b.wildcards);
    this.limit = limits.apply(b);
    this.valueToMetric = b.valueToMetric;
    this.shareThreshold = b.shareThreshold;
    this.wildcardPattern = b.wildcardPattern;
    this.metadata = b.metadata;
  }

  /** A pattern split at its {@code *}s; {@code *} matches any text, also none. */
  record Wildcard(String key, List<String> parts) {

    static Wildcard of(String key) {
      return new Wildcard(key, List.of(key.split("\\*", -1)));
    }

    /**
     * Whether {@code text} matches: it starts with the first part, ends with the last, and holds
     * the middle parts in order between them, without overlap.
     */
    boolean matches(String text) {
      String first = parts.get(0);
      String last = parts.get(parts.size() - 1);
      if (!text.startsWith(first) || !text.endsWith(last)) {
        return false;
      }
      int fixed = 0;
      for (String p : parts) {
        fixed += p.length();
      }
      if (text.length() < fixed) {
        return false;
      }
      int from = first.length();
      int to = text.length() - last.length();
      for (String p : parts.subList(1, parts.size() - 1)) {
        int at = text.indexOf(p, from);
        if (at < 0 || at + p.length() > to) {
          return false;
        }
        from = at + p.length();
      }
      return true;
    }
  }

  /** A node while files load into it (a merged domain takes several files). */
  static final class Builder {
    final String key;
    final String value;
    final Map<String, Builder> children = new LinkedHashMap<>();
    final List<Wildcard> wildcards = new ArrayList<>();
    /** The limit, or null; for a Sluice rule the policies come at build time. */
    RateLimitRule limit;
    /** A Sluice rule's policy texts, or null. */
    List<String> policyTexts;
    /** The node's path as (domain, composite key, composite key, ...), for policy names. */
    final List<String> path;
    boolean valueToMetric;
    boolean shareThreshold;
    String wildcardPattern = "";
    Map<String, Object> metadata = Metadata.EMPTY;

    Builder(String key, String value, List<String> path) {
      this.key = key;
      this.value = value;
      this.path = List.copyOf(path);
    }

    /** The immutable tree; {@code limits} gives each node's final limit. */
    Descriptor build(Function<Builder, RateLimitRule> limits) {
      return new Descriptor(this, limits);
    }
  }
}
