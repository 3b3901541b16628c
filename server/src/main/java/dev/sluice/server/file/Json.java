package dev.sluice.server.file;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON to write the schema, byte for byte the same on every run: objects are
 * {@link LinkedHashMap}s (their order is kept), arrays lists; two-space indentation; an array of
 * scalars on one line; a newline at the end.
 */
final class Json {
  private Json() {}

  /** An object from alternating keys and values. */
  static Map<String, Object> object(Object... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("keys and values must alternate");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  /** An array. */
  static List<Object> array(Object... items) {
    return new ArrayList<>(Arrays.asList(items));
  }

  static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, "");
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object v, String indent) {
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      b.append("{\n");
      String inner = indent + "  ";
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(inner);
        string(b, (String) e.getKey());
        b.append(": ");
        write(b, e.getValue(), inner);
        b.append(++i < m.size() ? ",\n" : "\n");
      }
      b.append(indent).append('}');
    } else if (v instanceof List<?> list) {
      boolean flat = list.stream().noneMatch(x -> x instanceof Map || x instanceof List);
      if (flat) {
        b.append('[');
        for (int i = 0; i < list.size(); i++) {
          b.append(i > 0 ? ", " : "");
          write(b, list.get(i), indent);
        }
        b.append(']');
        return;
      }
      b.append("[\n");
      String inner = indent + "  ";
      for (int i = 0; i < list.size(); i++) {
        b.append(inner);
        write(b, list.get(i), inner);
        b.append(i + 1 < list.size() ? ",\n" : "\n");
      }
      b.append(indent).append(']');
    } else if (v instanceof String s) {
      string(b, s);
    } else if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long) {
      b.append(v);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw new IllegalArgumentException("JSON has no " + d);
      }
      b.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : Double.toString(d));
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass());
    }
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
