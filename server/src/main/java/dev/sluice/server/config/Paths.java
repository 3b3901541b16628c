package dev.sluice.server.config;

import dev.sluice.server.config.YamlNode.Kind;
import java.util.List;

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

  /**
   * The line where the node that {@code path} names starts, inside {@code doc} (a document's
   * root, or a domain inside a larger file): each segment is followed down as far as the nodes
   * allow ({@code descriptor ...} into {@code descriptors}, {@code name #i} into a list, any other
   * segment as a key, the key's own line), and the line of the last node reached is the answer.
   * Keys merged in with {@code <<} are not followed; their path stops at the mapping that merges.
   *
   * @return a 1-based line; the document's own when no segment matches
   */
  static int line(YamlNode doc, String path) {
    YamlNode node = doc.resolved();
    int line = doc.line;
    if (path.isEmpty()) {
      return line;
    }
    String[] segments = path.split(" > ");
    for (int s = 0; s < segments.length; s++) {
      String segment = segments[s];
      if (s == 0 && segment.startsWith("domain '")) {
        continue; // the document itself
      }
      if (segment.startsWith("descriptor ")) {
        YamlNode list = valueOf(node, "descriptors");
        YamlNode found = null;
        if (list != null && list.resolved().kind == Kind.SEQUENCE) {
          List<YamlNode> items = list.resolved().children;
          for (int i = 0; i < items.size() && found == null; i++) {
            if (descriptorLabel(items.get(i), i + 1).equals(segment)) {
              found = items.get(i);
            }
          }
        }
        if (found == null) {
          break;
        }
        line = found.line;
        node = found.resolved();
        continue;
      }
      int hash = segment.lastIndexOf(" #");
      String key = hash > 0 ? segment.substring(0, hash) : segment;
      YamlNode keyNode = keyOf(node, key);
      if (keyNode == null) {
        break;
      }
      line = keyNode.line;
      node = valueOf(node, key).resolved();
      if (hash > 0) {
        int number;
        try {
          number = Integer.parseInt(segment.substring(hash + 2));
        } catch (NumberFormatException e) {
          break;
        }
        if (node.kind != Kind.SEQUENCE || number < 1 || number > node.children.size()) {
          break;
        }
        line = node.children.get(number - 1).line;
        node = node.children.get(number - 1).resolved();
      }
    }
    return line;
  }

  /** The last key node of a mapping that reads {@code key}, or null. */
  private static YamlNode keyOf(YamlNode node, String key) {
    int i = lastKey(node, key, false);
    return i < 0 ? null : node.resolved().children.get(i);
  }

  /** The value of the last {@code key} of a mapping, or null. */
  static YamlNode valueOf(YamlNode node, String key) {
    int i = lastKey(node, key, false);
    return i < 0 ? null : node.resolved().children.get(i + 1);
  }

  /** The text of the last scalar that a mapping gives {@code key}, or null. */
  private static String scalarOf(YamlNode node, String key) {
    int i = lastKey(node, key, true);
    return i < 0 ? null : node.resolved().children.get(i + 1).resolved().value;
  }

  /**
   * The index among a mapping's children of its last key that reads {@code key} (with a scalar
   * value, if {@code scalarValue}), or -1; -1 too when {@code node} is not a mapping.
   */
  private static int lastKey(YamlNode node, String key, boolean scalarValue) {
    YamlNode n = node.resolved();
    if (n.kind != Kind.MAPPING) {
      return -1;
    }
    int found = -1;
    for (int i = 0; i < n.children.size(); i += 2) {
      YamlNode k = n.children.get(i).resolved();
      if (k.kind == Kind.SCALAR && k.value.equals(key)
          && (!scalarValue || n.children.get(i + 1).resolved().kind == Kind.SCALAR)) {
        found = i;
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
