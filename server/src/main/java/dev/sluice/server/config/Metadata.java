package dev.sluice.server.config;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A descriptor's {@code metadata} as theirs turns it into a protobuf {@code Struct}
 * ({@code parseMetadata}, {@code structpb.NewStruct}): keys of nested mappings become text the way
 * Go prints them ({@code %v}: {@code 1}, {@code true}, {@code <nil>}), every number becomes a
 * double, and the result is deeply immutable. Values are {@code null} (JSON null),
 * {@link Boolean}, {@link Double}, {@link String}, {@code List<Object>} and
 * {@code Map<String, Object>}, in the file's order.
 */
final class Metadata {
  private Metadata() {}

  /** A deeply immutable map that may hold null values; {@link #freeze} keeps it as it is. */
  private static final class Frozen extends AbstractMap<String, Object> {
    private final Map<String, Object> map;

    Frozen(Map<String, Object> map) {
      this.map = map;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return Collections.unmodifiableMap(map).entrySet();
    }

    @Override
    public Object get(Object key) {
      return map.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return map.containsKey(key);
    }
  }

  static final Map<String, Object> EMPTY = new Frozen(Map.of());

  /**
   * The Struct form of decoded YAML metadata.
   *
   * @param decoded the {@code metadata} mapping as decoded (generic values), or null
   * @return the frozen Struct form; empty for null or an empty mapping, as theirs is nil then
   */
  static Map<String, Object> fromYaml(Map<String, Object> decoded) {
    if (decoded == null || decoded.isEmpty()) {
      return EMPTY;
    }
    return freeze(decoded);
  }

  /**
   * A deeply immutable copy, numbers as doubles, nested keys as Go prints them.
   *
   * @param map the map; an already frozen one is returned as it is
   * @return the frozen map
   */
  static Map<String, Object> freeze(Map<String, ?> map) {
    if (map instanceof Frozen f) {
      return f;
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(k, value(v)));
    return new Frozen(copy);
  }

  private static Object value(Object v) {
    if (v instanceof Map<?, ?> m) {
      if (m instanceof Frozen) {
        return m;
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      m.forEach((k, x) -> copy.put(k instanceof String s ? s : GoYaml.format(k), value(x)));
      return new Frozen(copy);
    }
    if (v instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object o : list) {
        copy.add(value(o));
      }
      return Collections.unmodifiableList(copy);
    }
    if (v instanceof Number n && !(v instanceof Double)) {
      return n.doubleValue(); // structpb: every number is a float64
    }
    return v;
  }
}
