package dev.sluice.server.settings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every {@link Variable} from an environment the way envconfig does: an unset variable
 * takes its default, a set one (even to the empty string) is parsed by its type. A malformed value
 * is recorded as a problem naming the variable, the value (masked if secret) and what is accepted,
 * and the default stands in for it so that reading can go on and report every problem at once.
 */
final class Reader {

  /** How a secret is shown. */
  static final String MASK = "*****";

  private final Map<String, String> env;
  private final Map<Variable, Object> values = new EnumMap<>(Variable.class);
  private final List<String> problems = new ArrayList<>();

  Reader(Map<String, String> env) {
    this.env = Map.copyOf(env);
    for (Variable v : Variable.values()) {
      values.put(v, read(v));
    }
  }

  private Object read(Variable v) {
    String raw = env.get(v.name());
    if (raw == null) {
      return byDefault(v);
    }
    try {
      return parse(v, raw);
    } catch (IllegalArgumentException e) {
      problems.add(v.name() + "='" + shown(v, raw) + "': " + e.getMessage() + "; expected " + expected(v.kind));
      return byDefault(v);
    }
  }

  /** The default; an empty default is the type's zero value, as in envconfig (which skips the field). */
  private static Object byDefault(Variable v) {
    if (v.defaultText.isEmpty()) {
      switch (v.kind) {
        case BOOL:
          return Boolean.FALSE;
        case INT:
          return 0L;
        default:
          break;
      }
    }
    return parse(v, v.defaultText);
  }

  /** A set value, read as envconfig reads it: the empty string is text, an empty list or map, or malformed. */
  private static Object parse(Variable v, String s) {
    switch (v.kind) {
      case STRING:
        return s;
      case BOOL:
        return GoSyntax.parseBool(s);
      case INT:
        return GoSyntax.parseInt(s);
      case FLOAT32:
        return GoSyntax.parseFloat(s, 32);
      case FLOAT64:
        return GoSyntax.parseFloat(s, 64);
      case DURATION:
        return GoSyntax.parseDuration(s);
      case LIST:
        return s.isBlank() ? List.of() : List.of(s.split(",", -1));
      case MAP:
        return map(v, s);
      default:
        throw new AssertionError(v.kind);
    }
  }

  /** envconfig's map: {@code k1:v1,k2:v2}, each item exactly one colon; blank is empty. */
  private static Map<String, String> map(Variable v, String s) {
    Map<String, String> m = new LinkedHashMap<>();
    if (s.isBlank()) {
      return m;
    }
    for (String item : s.split(",", -1)) {
      String[] kv = item.split(":", -1);
      if (kv.length != 2) {
        throw new IllegalArgumentException(v.mask == Variable.Mask.MAP_VALUES
            ? "an item is not key:value" : "item '" + item + "' is not key:value");
      }
      m.put(kv[0], kv[1]);
    }
    return Collections.unmodifiableMap(m);
  }

  private static String expected(Variable.Kind kind) {
    switch (kind) {
      case BOOL:
        return GoSyntax.BOOLS;
      case INT:
        return GoSyntax.INTS;
      case FLOAT32:
      case FLOAT64:
        return GoSyntax.FLOATS;
      case DURATION:
        return GoSyntax.DURATIONS;
      case MAP:
        return "key:value pairs separated by commas, e.g. k1:v1,k2:v2";
      default:
        return "text";
    }
  }

  /** Whether the environment sets {@code v} (to anything, the empty string included). */
  boolean isSet(Variable v) {
    return env.containsKey(v.name());
  }

  /** Whether the value equals the default's (as parsed: {@code 10000ms} is {@code 10s}). */
  boolean isDefault(Variable v) {
    return values.get(v).equals(byDefault(v));
  }

  /** The value's text: the environment's, or the default. */
  String raw(Variable v) {
    String raw = env.get(v.name());
    return raw != null ? raw : v.defaultText;
  }

  /** {@link #raw} as it may be shown: secrets masked. */
  String shown(Variable v) {
    return shown(v, raw(v));
  }

  static String shown(Variable v, String raw) {
    switch (v.mask) {
      case SECRET:
        return raw.isEmpty() ? "" : MASK;
      case URL:
        return maskUrl(raw);
      case MAP_VALUES:
        return raw.replaceAll(":[^,]*", ":" + MASK);
      default:
        return raw;
    }
  }

  /**
   * Hides the credentials of every {@code scheme://user:password@host} in {@code url} (all up to
   * the last {@code @} of the authority, as envoyproxy/ratelimit's MaskCredentialsInUrl does),
   * and {@code password=} query parameters.
   */
  static String maskUrl(String url) {
    return url.replaceAll("://[^/?#]*@", "://" + MASK + "@")
        .replaceAll("(?i)([?&]password=)[^&#]*", "$1" + MASK);
  }

  String string(Variable v) {
    return (String) values.get(v);
  }

  boolean bool(Variable v) {
    return (Boolean) values.get(v);
  }

  long integer(Variable v) {
    return (Long) values.get(v);
  }

  double number(Variable v) {
    return (Double) values.get(v);
  }

  Duration duration(Variable v) {
    return (Duration) values.get(v);
  }

  @SuppressWarnings("unchecked")
  Map<String, String> map(Variable v) {
    return (Map<String, String>) values.get(v);
  }

  /** {@code v} as a whole number from {@code min} to {@code max}, or a problem and {@code min}. */
  long integer(Variable v, long min, long max) {
    long n = integer(v);
    if (n < min || n > max) {
      problems.add(v.name() + "=" + n + " is out of range: expected " + min + " to " + max);
      return min;
    }
    return n;
  }

  /** {@code v} as a duration that is not negative, or a problem and zero. */
  Duration nonNegative(Variable v) {
    Duration d = duration(v);
    if (d.isNegative()) {
      problems.add(v.name() + "=" + raw(v) + " is negative: expected 0 or more");
      return Duration.ZERO;
    }
    return d;
  }

  void problem(String message) {
    problems.add(message);
  }

  List<String> problems() {
    return problems;
  }
}
