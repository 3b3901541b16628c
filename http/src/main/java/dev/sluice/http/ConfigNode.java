package dev.sluice.http;

import dev.sluice.Keys;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One value of a plain configuration tree (maps, lists, strings, numbers, booleans, as a YAML
 * parser or Spring's binder gives them) with where it is: the origin (a file name) and the full
 * path ({@code sluice.rules[2].anonymous[0]}). Every read either returns a checked value or throws
 * an {@link IllegalArgumentException} whose message starts {@code <origin>: <path>: }.
 */
final class ConfigNode {

  private final String origin;
  private final String path;
  private final Object value;

  ConfigNode(String origin, String path, Object value) {
    this.origin = origin;
    this.path = path;
    this.value = value;
  }

  String path() {
    return path;
  }

  Object value() {
    return value;
  }

  /** An error at this node: {@code <origin>: <path>: <reason>}. */
  IllegalArgumentException error(String reason) {
    return new IllegalArgumentException(origin + ": " + path + ": " + reason);
  }

  /** A builder's refusal, at this node. */
  IllegalArgumentException error(RuntimeException cause) {
    return new IllegalArgumentException(origin + ": " + path + ": " + cause.getMessage(), cause);
  }

  /**
   * A mapping of fixed keys. Keys are matched in kebab-case, camelCase or snake_case
   * ({@code ipv6-prefix}, {@code ipv6Prefix}, {@code ipv6_prefix}), as Spring's relaxed binding
   * reads them; an unknown key, or one key written twice in two forms, is refused.
   *
   * @param keys the kebab-case keys allowed here
   * @return the values by kebab-case key, in the order written; absent keys are not in it
   */
  Map<String, ConfigNode> fields(List<String> keys) {
    Map<?, ?> map = mapping();
    Map<String, ConfigNode> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String written)) {
        throw error("key " + describe(e.getKey()) + " is not one of the keys here: " + String.join(", ", keys));
      }
      String childPath = path + "." + written;
      String canonical = kebab(written);
      if (!keys.contains(canonical)) {
        throw new ConfigNode(origin, path + "." + Keys.printable(written), null)
            .error("unknown key; the keys here are " + String.join(", ", keys));
      }
      if (out.containsKey(canonical)) {
        throw new ConfigNode(origin, childPath, null).error("is given twice (as " + out.get(canonical).path
            + " too)");
      }
      out.put(canonical, new ConfigNode(origin, childPath, nonNull(childPath, e.getValue())));
    }
    return out;
  }

  /**
   * A mapping of names the user chooses (policy names, client ids): the keys as written.
   *
   * @param what what a key names, for messages
   * @return the values by name, in the order written
   */
  Map<String, ConfigNode> entries(String what) {
    Map<?, ?> map = mapping();
    Map<String, ConfigNode> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String name)) {
        throw error(what + " " + describe(e.getKey()) + " must be text: quote it");
      }
      String childPath = simple(name) ? path + "." + name : path + "[" + Keys.printable(name) + "]";
      out.put(name, new ConfigNode(origin, childPath, nonNull(childPath, e.getValue())));
    }
    return out;
  }

  /** The items of a list, each with its index in the path. */
  List<ConfigNode> items() {
    if (!(value instanceof List<?> list)) {
      throw error("must be a list, e.g. [a, b], not " + describe(value));
    }
    List<ConfigNode> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String childPath = path + "[" + i + "]";
      out.add(new ConfigNode(origin, childPath, nonNull(childPath, list.get(i))));
    }
    return out;
  }

  /** Text: a string (a number or a boolean is refused, so that {@code 1e3} is not read as text by accident). */
  String text() {
    if (!(value instanceof String s)) {
      throw error("must be text, not " + describe(value));
    }
    return s;
  }

  /** One of {@code choices}, matched ignoring ASCII case; returns its index. */
  int choice(List<String> choices, String what) {
    String s = text();
    for (int i = 0; i < choices.size(); i++) {
      if (choices.get(i).equalsIgnoreCase(s)) {
        return i;
      }
    }
    throw error("'" + Keys.printable(s) + "' is not " + what + "; it is one of " + String.join(", ", choices));
  }

  /** A boolean: {@code true}/{@code false}, or that text in any case (Spring gives text). */
  boolean bool() {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s) {
      if (s.equalsIgnoreCase("true")) {
        return true;
      }
      if (s.equalsIgnoreCase("false")) {
        return false;
      }
    }
    throw error(describe(value) + " must be true or false");
  }

  /** A whole number within {@code [min, max]}: an integer, or its decimal digits as text ({@code "64"}). */
  long whole(long min, long max) {
    BigInteger n = null;
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      n = BigInteger.valueOf(((Number) value).longValue());
    } else if (value instanceof BigInteger b) {
      n = b;
    } else if (value instanceof String s && s.matches("[+-]?[0-9]{1,30}")) {
      n = new BigInteger(s);
    }
    if (n == null) {
      throw error(describe(value) + " must be a whole number");
    }
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      throw error(n + " must be within " + min + ".." + max);
    }
    return n.longValue();
  }

  private Map<?, ?> mapping() {
    if (!(value instanceof Map<?, ?> map)) {
      throw error("must be a mapping of keys to values, not " + describe(value));
    }
    return map;
  }

  private Object nonNull(String childPath, Object child) {
    if (child == null) {
      throw new ConfigNode(origin, childPath, null).error("has no value: give one or remove the key");
    }
    return child;
  }

  /** How a value is named in a message: text quoted, numbers and booleans as they are, containers by kind. */
  static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof String s) {
      return "'" + Keys.printable(s) + "'";
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return "a " + v.getClass().getSimpleName();
  }

  /** {@code ipv6Prefix}, {@code ipv6_prefix}, {@code IPV6-PREFIX} to {@code ipv6-prefix}. */
  static String kebab(String key) {
    StringBuilder b = new StringBuilder(key.length() + 4);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '_') {
        b.append('-');
      } else if (c >= 'A' && c <= 'Z') {
        boolean afterLower = i > 0 && Character.isLowerCase(key.charAt(i - 1))
            || i > 0 && Character.isDigit(key.charAt(i - 1));
        if (afterLower) {
          b.append('-');
        }
        b.append((char) (c + ('a' - 'A')));
      } else {
        b.append(c);
      }
    }
    return b.toString().toLowerCase(Locale.ROOT);
  }

  private static boolean simple(String name) {
    if (name.isEmpty() || name.length() > 64) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
  }
}
