package dev.sluice.server.config;

import dev.sluice.server.config.YamlNode.Kind;

/**
 * The paths that errors name, from the domain down:
 * {@code domain 'x' > descriptor key 'k' value 'v' > rate_limit > unit}. A descriptor without a
 * key is named by its place in its list ({@code descriptor #2}); list entries are numbered from 1.
 */
final class Paths {
  private Paths() {}

  /** {@code path > segment}, or {@code segment} at the top. */
  static String at(String path, String segment) {
    return path.isEmpty() ? segment : path + " > " + segment;
  }

  /** {@code domain 'x'} for a document whose root maps {@code domain} to a scalar, else empty. */
  static String domainLabel(YamlNode doc) {
    String domain = scalarOf(doc, "domain");
    return domain == null || domain.isEmpty() ? "" : "domain " + quote(domain);
  }

  /** {@code descriptor key 'k' value 'v'}, or {@code descriptor #i} without a key. */
  static String descriptorLabel(YamlNode item, int number) {
    return descriptorLabel(scalarOf(item, "key"), scalarOf(item, "value"), number);
  }

  static String descriptorLabel(String key, String value, int number) {
    if (key == null || key.isEmpty()) {
      return "descriptor #" + number;
    }
    return "descriptor key " + quote(key) + (value == null || value.isEmpty() ? "" : " value " + quote(value));
  }

  /** The text of the last scalar that a mapping gives {@code key}, or null. */
  private static String scalarOf(YamlNode node, String key) {
    YamlNode n = node.resolved();
    if (n.kind != Kind.MAPPING) {
      return null;
    }
    String found = null;
    for (int i = 0; i < n.children.size(); i += 2) {
      YamlNode k = n.children.get(i).resolved();
      YamlNode v = n.children.get(i + 1).resolved();
      if (k.kind == Kind.SCALAR && k.value.equals(key) && v.kind == Kind.SCALAR) {
        found = v.value;
      }
    }
    return found;
  }

  /** {@code 'text'}, with control characters and lone surrogates escaped. */
  static String quote(String text) {
    StringBuilder b = new StringBuilder(text.length() + 2).append('\'');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1));
      if (pair) {
        b.append(c).append(text.charAt(++i));
      } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04X", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('\'').toString();
  }
}
