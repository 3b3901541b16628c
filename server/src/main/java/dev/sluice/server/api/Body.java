package dev.sluice.server.api;

import dev.sluice.Keys;
import dev.sluice.server.http.Request;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;

/**
 * A request body: one JSON object whose fields are read and checked one by one. Every refusal is
 * a {@link Problem} naming the field and the value it held, thrown before anything is charged.
 * A field the route does not know is refused too: a misspelt {@code "cots"} must not silently
 * leave the cost at its default.
 */
final class Body {

  /** Ids of leases and reservations: 16 lowercase hex digits of a value in [1, 2^63). */
  private static final int ID_DIGITS = 16;

  private final JsonNode object;

  private Body(JsonNode object) {
    this.object = object;
  }

  /**
   * The body of {@code request}, which must be a JSON object with no field beyond {@code fields}.
   *
   * @throws Problem (malformed body) if it is not a JSON object; (invalid field) for an unknown
   *     field
   */
  static Body of(Request request, String... fields) {
    JsonNode node = Json.read(request);
    if (!node.isObject()) {
      throw new Problem(Problem.Type.MALFORMED_BODY,
          "the request body must be a JSON object, not " + describe(node));
    }
    Set<String> known = Set.of(fields);
    for (String name : node.propertyNames()) {
      if (!known.contains(name)) {
        throw Problem.invalid(name, node.get(name), "field '" + Keys.printable(name)
            + "' is not a field of this request; its fields are " + String.join(", ", fields));
      }
    }
    return new Body(node);
  }

  /** A required string field. */
  String string(String field) {
    return string(field, required(field));
  }

  /** A required key: a string that {@link Keys#check} accepts. */
  String key(String field) {
    String key = string(field);
    try {
      return Keys.check(key);
    } catch (IllegalArgumentException e) {
      throw Problem.invalid(field, key, "field '" + field + "': " + e.getMessage());
    }
  }

  /** A required integer field in {@code [min, max]}. */
  long integer(String field, long min, long max) {
    return integer(field, required(field), min, max);
  }

  /** An optional integer field in {@code [min, max]}; {@code absent} when it is left out. */
  long integer(String field, long min, long max, long absent) {
    JsonNode v = object.get(field);
    return v == null ? absent : integer(field, v, min, max);
  }

  /**
   * A required array of {@code 1..max} distinct strings.
   *
   * @return the strings, in order
   */
  List<String> strings(String field, int max) {
    JsonNode v = required(field);
    if (!v.isArray()) {
      throw Problem.invalid(field, v, "field '" + field + "' must be an array of strings, not "
          + describe(v));
    }
    if (v.isEmpty() || v.size() > max) {
      throw Problem.invalid(field, v, "field '" + field + "' must hold 1 to " + max
          + " names (held " + v.size() + ")");
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      String s = string(field + "[" + i + "]", v.get(i));
      int first = out.indexOf(s);
      if (first >= 0) {
        throw Problem.invalid(field + "[" + i + "]", s, "field '" + field + "[" + i + "]' ('"
            + Keys.printable(s) + "') repeats " + field + "[" + first + "]");
      }
      out.add(s);
    }
    return out;
  }

  /**
   * A required array of {@code {"key": k, "value": v}} objects: a descriptor's entries, 1 to
   * {@code max} of them.
   */
  List<Map.Entry<String, String>> entries(String field, int max) {
    JsonNode v = required(field);
    if (!v.isArray() || v.isEmpty() || v.size() > max) {
      throw Problem.invalid(field, v, "field '" + field + "' must be an array of 1 to " + max
          + " {\"key\": ..., \"value\": ...} objects");
    }
    List<Map.Entry<String, String>> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      String at = field + "[" + i + "]";
      JsonNode e = v.get(i);
      if (!e.isObject()) {
        throw Problem.invalid(at, e, "field '" + at + "' must be a {\"key\": ..., \"value\": ...}"
            + " object, not " + describe(e));
      }
      for (String name : e.propertyNames()) {
        if (!name.equals("key") && !name.equals("value")) {
          throw Problem.invalid(at + "." + name, e.get(name), "field '" + at + "." + name
              + "' is not a field of a descriptor entry; its fields are key, value");
        }
      }
      JsonNode k = e.get("key");
      if (k == null) {
        throw Problem.invalid(at + ".key", null, "field '" + at + ".key' is missing");
      }
      String key = string(at + ".key", k);
      JsonNode value = e.get("value");
      out.add(Map.entry(key, value == null ? "" : string(at + ".value", value)));
    }
    return out;
  }

  /** A required id of a lease or reservation, as {@link #formatId} wrote it. */
  long id(String field) {
    String s = string(field);
    if (s.length() == ID_DIGITS) {
      try {
        long id = Long.parseUnsignedLong(s, 16);
        if (id > 0) {
          return id;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
    }
    throw Problem.invalid(field, s, "field '" + field + "' ('" + Keys.printable(s)
        + "') is not an id as the server hands them out: " + ID_DIGITS + " hex digits");
  }

  /** An id as the API shows it: 16 lowercase hex digits. */
  static String formatId(long id) {
    return String.format(Locale.ROOT, "%016x", id);
  }

  /** A random id in {@code [1, 2^63)}, as the core's leases draw them. */
  static long newId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    } while (id == 0);
    return id;
  }

  private JsonNode required(String field) {
    JsonNode v = object.get(field);
    if (v == null) {
      throw Problem.invalid(field, null, "field '" + field + "' is missing");
    }
    return v;
  }

  private static String string(String field, JsonNode v) {
    if (!v.isString()) {
      throw Problem.invalid(field, v, "field '" + field + "' must be a string, not " + describe(v));
    }
    return v.stringValue();
  }

  private static long integer(String field, JsonNode v, long min, long max) {
    String range = "an integer from " + min + " to " + max;
    if (!v.isNumber()) {
      throw Problem.invalid(field, v, "field '" + field + "' must be " + range + ", not "
          + describe(v));
    }
    if (!v.isIntegralNumber()) {
      throw Problem.invalid(field, v, "field '" + field + "' (" + v + ") must be " + range
          + ", not a fraction or exponent");
    }
    BigInteger n = v.bigIntegerValue();
    if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
      throw Problem.invalid(field, v, "field '" + field + "' (" + n + ") must be " + range);
    }
    return n.longValueExact();
  }

  private static String describe(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> v.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }
}
