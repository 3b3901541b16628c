package dev.sluice.server.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * envoyproxy/ratelimit's {@code validateYamlKeys}, over the file decoded generically: every key
 * anywhere (except inside {@code metadata}) must be text and one of theirs, at any level (their
 * check does not know levels: a key of another level is accepted here and then ignored); every
 * list must hold mappings; a scalar must be text, a whole number within int64, a boolean or null
 * — a float (or a whole number beyond int64) is refused. Sluice adds two keys, {@code policy} and
 * {@code policies}, the second a list of texts.
 */
final class KeyCheck {
  private KeyCheck() {}

  /** Their {@code validKeys}, plus Sluice's {@code policy} and {@code policies}. */
  static final Set<String> VALID_KEYS = Set.of(
      "domain", "key", "value", "descriptors", "rate_limit", "unit", "requests_per_unit", "unlimited",
      "shadow_mode", "quota_mode", "name", "replaces", "detailed_metric", "value_to_metric",
      "share_threshold", "metadata",
      "policy", "policies");

  static void validate(String file, Map<Object, Object> root) throws ConfigException {
    Object domain = root.get("domain");
    String path = domain == null || domain instanceof Map || domain instanceof List
        ? "" : "domain " + Paths.quote(GoYaml.format(domain));
    validate(file, root, path);
  }

  private static void validate(String file, Map<?, ?> map, String path) throws ConfigException {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (!(e.getKey() instanceof String key)) {
        throw new ConfigException(file, path,
            "config error, key is not of type string: " + GoYaml.format(e.getKey()));
      }
      if (!VALID_KEYS.contains(key)) {
        throw new ConfigException(file, path, "config error, unknown key '" + key + "'");
      }
      if (key.equals("metadata")) {
        continue; // arbitrary: checked when it becomes a protobuf Struct
      }
      Object v = e.getValue();
      if (v instanceof List<?> list) {
        if (key.equals("policies")) {
          policyTexts(file, Paths.at(path, key), list);
          continue;
        }
        int number = 0;
        for (Object item : list) {
          number++;
          if (!(item instanceof Map<?, ?> m)) {
            throw new ConfigException(file, Paths.at(path, key),
                "config error, yaml file contains list of type other than map: " + GoYaml.format(item));
          }
          validate(file, m, Paths.at(path, itemLabel(key, m, number)));
        }
      } else if (v instanceof Map<?, ?> m) {
        validate(file, m, Paths.at(path, key));
      } else if (!(v == null || v instanceof String || v instanceof Long || v instanceof Boolean)) {
        throw new ConfigException(file, Paths.at(path, key), "error checking config: "
            + GoYaml.format(v) + " is " + (v instanceof Double ? "a float" : "a whole number beyond int64")
            + "; a value is text, a whole number or a boolean (quote it to make it text)");
      }
    }
  }

  private static void policyTexts(String file, String path, List<?> list) throws ConfigException {
    int number = 0;
    for (Object item : list) {
      number++;
      if (item == null || item instanceof Map || item instanceof List) {
        throw new ConfigException(file, path + " #" + number,
            "must be a policy text, e.g. \"fixed-window limit=10 period=1m\", not " + GoYaml.format(item));
      }
    }
  }

  private static String itemLabel(String key, Map<?, ?> item, int number) {
    if (!key.equals("descriptors")) {
      return key + " #" + number;
    }
    Object k = item.get("key");
    Object v = item.get("value");
    return Paths.descriptorLabel(k == null ? null : GoYaml.format(k), v == null ? null : GoYaml.format(v), number);
  }
}
