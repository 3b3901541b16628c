package dev.sluice.server.config;

import dev.sluice.server.config.GoYaml.Resolved;
import dev.sluice.server.config.YamlNode.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one config file the way envoyproxy/ratelimit's {@code ConfigFileContentToYaml} does, in
 * its three steps:
 *
 * <ol>
 *   <li>yaml.v2 decodes the first document into a generic map (every value, every key
 *       resolved; aliases followed, {@code <<} merges applied, a repeated key's last value wins);
 *   <li>{@link KeyCheck} checks that map's keys ({@code validateYamlKeys});
 *   <li>yaml.v2 decodes the document again into their typed structs ({@link Raw}): text fields
 *       take any scalar's text, {@code requests_per_unit} a whole number 0 to 2^32-1, flags a
 *       YAML 1.1 boolean, null gives the zero value, a repeated or merged mapping is decoded
 *       into the same struct, and keys that the struct lacks are skipped.
 * </ol>
 *
 * Each step counts its decode operations and alias expansions like yaml.v2 does, and refuses a
 * document with excessive aliasing by the same ratio. Every error is a {@link ConfigException}
 * naming the file and the path of the node at fault.
 */
final class YamlDecoder {

  /** One decoding step, given a node that is not an alias. */
  @FunctionalInterface
  private interface Step<T> {
    T apply(YamlNode node) throws ConfigException;
  }

  /** A struct's field setter: a field name and the node for its value. */
  @FunctionalInterface
  private interface Field {
    void set(String name, YamlNode value) throws ConfigException;
  }

  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private final String file;
  private final Set<YamlNode> expanding = Collections.newSetFromMap(new IdentityHashMap<>());
  private long decodeCount;
  private long aliasCount;
  private int aliasDepth;

  private YamlDecoder(String file) {
    this.file = file;
  }

  /**
   * A file's content as their typed structs.
   *
   * @param f the file
   * @return the decoded root
   * @throws ConfigException if the YAML does not parse, a key is not theirs, or a value does not
   *     fit its field
   */
  static Raw.Root read(ConfigFile f) throws ConfigException {
    YamlNode doc;
    try {
      doc = YamlNode.parseFirstDocument(f.content());
    } catch (YamlNode.SyntaxError e) {
      throw new ConfigException(f.name(), "", "error loading config file: yaml: " + e.getMessage());
    }
    return read(f.name(), doc);
  }

  /**
   * One parsed node as a whole config file: steps 2 and 3 of {@link #read(ConfigFile)}, for a
   * config that is part of a larger document (see {@link ConfigLoader#loadList}).
   *
   * @param file the file's name, for messages
   * @param doc the node that stands for the file's document; null is an empty document
   */
  static Raw.Root read(String file, YamlNode doc) throws ConfigException {
    Map<Object, Object> generic = new YamlDecoder(file).genericRoot(doc);
    KeyCheck.validate(file, generic);
    return new YamlDecoder(file).typedRoot(doc);
  }

  // ------------------------------------------------------------------------ yaml.v2 machinery

  /** yaml.v2's {@code unmarshal}: counts the node, follows an alias (refusing a cycle). */
  private <T> T unmarshal(YamlNode n, String path, Step<T> step) throws ConfigException {
    count(path);
    if (n.kind == Kind.ALIAS) {
      if (!expanding.add(n)) {
        throw failure(path, "anchor '" + n.value + "' value contains itself");
      }
      aliasDepth++;
      try {
        return unmarshal(n.target, path, step);
      } finally {
        aliasDepth--;
        expanding.remove(n);
      }
    }
    return step.apply(n);
  }

  /**
   * yaml.v2's alias budget: with more than 100 alias expansions in more than 1000 decode
   * operations, expansions may be at most 99% of operations up to 400,000 operations, falling
   * linearly to 10% at 4,000,000 and beyond. In integers: {@code aliases/ops > r(ops)}.
   */
  private void count(String path) throws ConfigException {
    decodeCount++;
    if (aliasDepth > 0) {
      aliasCount++;
    }
    if (aliasCount <= 100 || decodeCount <= 1000) {
      return;
    }
    long ops = decodeCount;
    boolean excessive;
    if (ops <= 400_000) {
      excessive = 100 * aliasCount > 99 * ops;
    } else if (ops >= 4_000_000) {
      excessive = 10 * aliasCount > ops;
    } else {
      excessive = aliasCount * 360_000_000L > ops * (356_400_000L - 89 * (ops - 400_000));
    }
    if (excessive) {
      throw failure(path, "document contains excessive aliasing");
    }
  }

  private static boolean isMerge(YamlNode k) {
    return k.kind == Kind.SCALAR && k.value.equals("<<")
        && ((k.tag == null && k.plain) || GoYaml.MERGE.equals(k.tag));
  }

  /** yaml.v2's {@code merge}: a mapping, an alias of one, or a list of them (earlier wins). */
  private void merge(YamlNode v, String path, Step<Void> into) throws ConfigException {
    switch (v.kind) {
      case MAPPING -> unmarshal(v, path, into);
      case ALIAS -> {
        if (v.target.kind != Kind.MAPPING) {
          throw failure(path, "map merge requires map or sequence of maps as the value");
        }
        unmarshal(v, path, into);
      }
      case SEQUENCE -> {
        for (int i = v.children.size() - 1; i >= 0; i--) {
          YamlNode c = v.children.get(i);
          if (c.resolved().kind != Kind.MAPPING) {
            throw failure(path, "map merge requires map or sequence of maps as the value");
          }
          unmarshal(c, path, into);
        }
      }
      default -> throw failure(path, "map merge requires map or sequence of maps as the value");
    }
  }

  private Resolved resolve(YamlNode r, String path) throws ConfigException {
    try {
      return GoYaml.scalar(r.tag, r.value, r.plain);
    } catch (GoYaml.Failure e) {
      throw failure(path, "line " + r.line + ": " + e.getMessage());
    }
  }

  private boolean isNull(YamlNode r, String path) throws ConfigException {
    return r.kind == Kind.SCALAR && resolve(r, path).value() == null;
  }

  private ConfigException failure(String path, String reason) {
    return new ConfigException(file, path, "error loading config file: yaml: " + reason);
  }

  private ConfigException typeError(YamlNode r, String path, String expected) {
    String what = switch (r.kind) {
      case SCALAR -> "'" + r.value + "'";
      case MAPPING -> "a mapping";
      default -> "a list";
    };
    return new ConfigException(file, path,
        "error loading config file: line " + r.line + ": cannot read " + what + " as " + expected);
  }

  // -------------------------------------------------------------------- step 1: generic decode

  private Map<Object, Object> genericRoot(YamlNode doc) throws ConfigException {
    Map<Object, Object> root = new LinkedHashMap<>();
    if (doc == null) {
      return root;
    }
    decodeCount++; // the document node
    unmarshal(doc, "", r -> {
      if (r.kind == Kind.MAPPING) {
        genericMapping(r, root, "");
      } else if (!isNull(r, "")) {
        throw typeError(r, "", "a mapping (a config file is a mapping with domain and descriptors)");
      }
      return null;
    });
    return root;
  }

  private Object generic(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> switch (r.kind) {
      case SCALAR -> {
        Resolved v = resolve(r, path);
        yield v.tag().equals(GoYaml.TIMESTAMP) ? r.value : v.value();
      }
      case MAPPING -> {
        Map<Object, Object> m = new LinkedHashMap<>();
        genericMapping(r, m, path);
        yield m;
      }
      default -> {
        List<Object> list = new ArrayList<>();
        for (YamlNode c : r.children) {
          list.add(generic(c, path));
        }
        yield list;
      }
    });
  }

  private void genericMapping(YamlNode r, Map<Object, Object> into, String path) throws ConfigException {
    for (int i = 0; i < r.children.size(); i += 2) {
      YamlNode k = r.children.get(i);
      YamlNode v = r.children.get(i + 1);
      if (isMerge(k)) {
        merge(v, path, m -> {
          genericMapping(m, into, path);
          return null;
        });
        continue;
      }
      Object key = generic(k, path);
      if (key instanceof Map || key instanceof List) {
        throw failure(path, "line " + k.line + ": invalid map key: " + GoYaml.format(key));
      }
      into.put(key, generic(v, path));
    }
  }

  // ---------------------------------------------------------------------- step 3: typed decode

  private Raw.Root typedRoot(YamlNode doc) throws ConfigException {
    Raw.Root root = new Raw.Root();
    if (doc == null) {
      return root;
    }
    decodeCount++; // the document node
    String path = Paths.domainLabel(doc);
    unmarshal(doc, "", r -> {
      if (r.kind == Kind.MAPPING) {
        struct(r, path, (name, v) -> {
          switch (name) {
            case "domain" -> root.domain = string(v, Paths.at(path, "domain"));
            case "descriptors" -> root.descriptors = descriptors(v, path);
            default -> misplaced(name, path);
          }
        });
      } else if (!isNull(r, "")) {
        throw typeError(r, "", "a mapping");
      }
      return null;
    });
    return root;
  }

  /** yaml.v2's {@code mappingStruct}: merges, then each known field; unknown keys skipped. */
  private void struct(YamlNode r, String path, Field field) throws ConfigException {
    for (int i = 0; i < r.children.size(); i += 2) {
      YamlNode k = r.children.get(i);
      YamlNode v = r.children.get(i + 1);
      if (isMerge(k)) {
        merge(v, path, m -> {
          struct(m, path, field);
          return null;
        });
        continue;
      }
      field.set(string(k, path), v);
    }
  }

  /** Sluice's keys belong inside {@code rate_limit} only; elsewhere they would be ignored. */
  private void misplaced(String name, String path) throws ConfigException {
    if (name.equals("policy") || name.equals("policies")) {
      throw new ConfigException(file, Paths.at(path, name), name + " is valid only inside rate_limit");
    }
  }

  private List<Raw.Descriptor> descriptors(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, Paths.at(path, "descriptors"), r -> {
      if (r.kind != Kind.SEQUENCE) {
        if (isNull(r, path)) {
          return null;
        }
        throw typeError(r, Paths.at(path, "descriptors"), "a list of descriptors");
      }
      List<Raw.Descriptor> list = new ArrayList<>();
      for (int i = 0; i < r.children.size(); i++) {
        String at = Paths.at(path, Paths.descriptorLabel(r.children.get(i), i + 1));
        Raw.Descriptor d = new Raw.Descriptor();
        unmarshal(r.children.get(i), at, e -> {
          if (e.kind == Kind.MAPPING) {
            struct(e, at, (name, v) -> descriptorField(d, name, v, at));
          } else if (!isNull(e, at)) {
            throw typeError(e, at, "a descriptor (a mapping)");
          }
          return null;
        });
        list.add(d);
      }
      return list;
    });
  }

  private void descriptorField(Raw.Descriptor d, String name, YamlNode v, String path) throws ConfigException {
    String at = Paths.at(path, name);
    switch (name) {
      case "key" -> d.key = string(v, at);
      case "value" -> d.value = string(v, at);
      case "rate_limit" -> d.rateLimit = rateLimit(v, d.rateLimit, at);
      case "descriptors" -> d.descriptors = descriptors(v, path);
      case "shadow_mode" -> d.shadowMode = bool(v, at);
      case "quota_mode" -> d.quotaMode = bool(v, at);
      case "detailed_metric" -> d.detailedMetric = bool(v, at);
      case "value_to_metric" -> d.valueToMetric = bool(v, at);
      case "share_threshold" -> d.shareThreshold = bool(v, at);
      case "metadata" -> d.metadata = metadata(v, d.metadata, at);
      default -> misplaced(name, path);
    }
  }

  private Raw.RateLimit rateLimit(YamlNode n, Raw.RateLimit existing, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.MAPPING) {
        if (isNull(r, path)) {
          return null;
        }
        throw typeError(r, path, "a rate_limit (a mapping)");
      }
      Raw.RateLimit rl = existing != null ? existing : new Raw.RateLimit();
      struct(r, path, (name, v) -> {
        String at = Paths.at(path, name);
        switch (name) {
          case "requests_per_unit" -> {
            rl.requestsPerUnitGiven = true;
            rl.requestsPerUnit = uint32(v, at);
          }
          case "unit" -> {
            rl.unitGiven = true;
            rl.unit = string(v, at);
          }
          case "unlimited" -> rl.unlimited = bool(v, at);
          case "name" -> rl.name = string(v, at);
          case "replaces" -> rl.replaces = replaces(v, at);
          case "policy" -> rl.policy = policyText(v, at);
          case "policies" -> rl.policies = policyTexts(v, at);
          default -> { } // a valid key of another level: yaml.v2 skips it
        }
      });
      return rl;
    });
  }

  private List<Raw.Replaces> replaces(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.SEQUENCE) {
        if (isNull(r, path)) {
          return null;
        }
        throw typeError(r, path, "a list of {name: ...} entries");
      }
      List<Raw.Replaces> list = new ArrayList<>();
      for (int i = 0; i < r.children.size(); i++) {
        String at = path + " #" + (i + 1);
        Raw.Replaces entry = new Raw.Replaces();
        unmarshal(r.children.get(i), at, e -> {
          if (e.kind == Kind.MAPPING) {
            struct(e, at, (name, v) -> {
              if (name.equals("name")) {
                entry.name = string(v, Paths.at(at, "name"));
              } else {
                misplaced(name, at);
              }
            });
          } else if (!isNull(e, at)) {
            throw typeError(e, at, "a {name: ...} entry");
          }
          return null;
        });
        list.add(entry);
      }
      return list;
    });
  }

  /** A {@code map[string]interface{}}: keys as text, values generic. */
  private Map<String, Object> metadata(YamlNode n, Map<String, Object> existing, String path)
      throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.MAPPING) {
        if (isNull(r, path)) {
          return null;
        }
        throw typeError(r, path, "a mapping");
      }
      Map<String, Object> m = existing != null ? existing : new LinkedHashMap<>();
      stringMap(r, m, path);
      return m;
    });
  }

  private void stringMap(YamlNode r, Map<String, Object> into, String path) throws ConfigException {
    for (int i = 0; i < r.children.size(); i += 2) {
      YamlNode k = r.children.get(i);
      YamlNode v = r.children.get(i + 1);
      if (isMerge(k)) {
        merge(v, path, m -> {
          stringMap(m, into, path);
          return null;
        });
        continue;
      }
      String key = string(k, path);
      into.put(key, generic(v, Paths.at(path, key)));
    }
  }

  /** A Go string: any scalar's text as written; null is empty. */
  private String string(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.SCALAR) {
        throw typeError(r, path, "text");
      }
      Resolved v = resolve(r, path);
      if (v.value() == null) {
        return "";
      }
      return v.tag().equals(GoYaml.BINARY) ? (String) v.value() : r.value;
    });
  }

  /**
   * A Go uint32: a whole number 0 to 2^32-1 (null is 0). A float is truncated as Go converts it,
   * if it is in range and not negative (Go's conversion of a negative float is
   * platform-dependent); only a repeated or merged key can bring one here, as step 2 refuses
   * floats.
   */
  private long uint32(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      String expected = "a whole number from 0 to " + UINT32_MAX;
      if (r.kind != Kind.SCALAR) {
        throw typeError(r, path, expected);
      }
      Object v = resolve(r, path).value();
      if (v == null) {
        return 0L;
      }
      if (v instanceof Long l && l >= 0 && l <= UINT32_MAX) {
        return l;
      }
      if (v instanceof Double d && d >= 0 && d < 4_294_967_296.0) {
        return (long) d.doubleValue();
      }
      throw typeError(r, path, expected);
    });
  }

  /** A Go bool: YAML 1.1's true and false words; null is false. */
  private boolean bool(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind == Kind.SCALAR) {
        Object v = resolve(r, path).value();
        if (v == null || v instanceof Boolean) {
          return v != null && (Boolean) v;
        }
      }
      throw typeError(r, path, "true or false (or yes/no, on/off)");
    });
  }

  private String policyText(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.SCALAR || isNull(r, path)) {
        throw new ConfigException(file, path, "must be a policy text, e.g. \"fixed-window limit=10 period=1m\"");
      }
      return string(r, path);
    });
  }

  private List<String> policyTexts(YamlNode n, String path) throws ConfigException {
    return unmarshal(n, path, r -> {
      if (r.kind != Kind.SEQUENCE) {
        throw new ConfigException(file, path, "must be a list of policy texts");
      }
      List<String> list = new ArrayList<>();
      for (int i = 0; i < r.children.size(); i++) {
        list.add(policyText(r.children.get(i), path + " #" + (i + 1)));
      }
      return list;
    });
  }
}
