package dev.sluice.server.config;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.PolicyTextException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Loads envoyproxy/ratelimit config files as they are, with their checks and their messages.
 *
 * <p>Each file is read as theirs reads it (gopkg.in/yaml.v2: YAML 1.1 scalars, so {@code yes} and
 * {@code on} are booleans, {@code 010} is 8; their key whitelist; their typed decoding), then the
 * files are loaded in order into one config: a domain must not be empty; a domain may appear in
 * one file only, unless {@code mergeDomainConfigs} ({@code MERGE_DOMAIN_CONFIG}), which loads a
 * repeated domain's descriptors into the same tree; a descriptor needs a key, and its composite
 * key ({@code key} or {@code key_value}) must be unique among its siblings; a {@code rate_limit}
 * needs a valid {@code unit} (see {@link Unit#parse}) unless {@code unlimited}, which must not have
 * one; {@code replaces} entries must have a name other than the rule's own; {@code share_threshold}
 * needs a {@code *} in the composite key. The first fault ends the load with a
 * {@link ConfigException}.
 *
 * <p>Sluice's extension, inside {@code rate_limit}: {@code policy: "<spec>"} or
 * {@code policies: ["<spec>", ...]}, specs in {@link PolicyText}'s syntax (rate policies only:
 * token-bucket, fixed-window, sliding-log, sliding-counter), instead of {@code unit} and
 * {@code requests_per_unit}, and not with {@code unlimited}. The policies' names are derived from
 * the leaf's path: the full key {@code domain.key_value.key2}, with {@code #1}, {@code #2}, ... for
 * several policies, or, where that is longer than 128 chars or ambiguous, its first 115 chars,
 * {@code ~} and 12 hex digits of a SHA-256 of the unambiguous path.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** The name policies are checked under before the whole config is known. */
  private static final String PROVISIONAL = "provisional";

  /**
   * Loads config files into one config, as theirs loads a runtime directory.
   *
   * @param files the files, in load order
   * @param mergeDomainConfigs whether files may add to a domain that an earlier file declared
   * @return the config
   * @throws ConfigException naming the file, the path and the reason of the first fault
   */
  public static RateLimitConfig load(List<ConfigFile> files, boolean mergeDomainConfigs) throws ConfigException {
    List<Raw.Root> roots = new ArrayList<>(files.size());
    for (ConfigFile f : files) {
      roots.add(YamlDecoder.read(f));
    }
    Loading loading = new Loading(mergeDomainConfigs, Map.of());
    for (int i = 0; i < files.size(); i++) {
      loading.file(files.get(i).name(), roots.get(i));
    }
    return loading.build();
  }

  /**
   * Loads the domains that one list inside a larger YAML file holds, as if each item of the list
   * were a config file of its own: the file is parsed as a config file is (its first document,
   * yaml.v2's syntax, anchors shared across the document), the value of its top-level key
   * {@code key} must be a list (or nothing: no domains), and each item is read and checked exactly
   * as {@link #load} reads and checks a file, in order, into one config. Sluice's server file keeps
   * its domains so. The rest of the file is not looked at.
   *
   * @param file the whole file
   * @param key the top-level key that holds the list, e.g. {@code domains}
   * @param mergeDomainConfigs whether an item may add to a domain that an earlier item declared
   * @return the config
   * @throws ConfigException for the first fault, naming the file, the line where the node at fault
   *     starts, and the path from the list's item ({@code domains #2 > domain 'x' > descriptor key
   *     'k' > rate_limit > unit}); or the file's YAML does not parse, or the root is not a mapping,
   *     or {@code key} does not hold a list
   */
  public static RateLimitConfig loadList(ConfigFile file, String key, boolean mergeDomainConfigs)
      throws ConfigException {
    return loadList(file, key, mergeDomainConfigs, Map.of());
  }

  /**
   * As {@link #loadList(ConfigFile, String, boolean)}, where a {@code policy} or {@code policies}
   * entry of a {@code rate_limit} may also be the name of one of {@code named}: the descriptor then
   * takes that policy's definition (its counts stay the descriptor's own, as with a text).
   *
   * @param file the whole file
   * @param key the top-level key that holds the list
   * @param mergeDomainConfigs whether an item may add to a domain that an earlier item declared
   * @param named the file's named policies, by name
   * @return the config
   * @throws ConfigException as the other overload; also for a name none of {@code named} has
   */
  public static RateLimitConfig loadList(ConfigFile file, String key, boolean mergeDomainConfigs,
      Map<String, Policy> named) throws ConfigException {
    YamlNode doc;
    try {
      doc = YamlNode.parseFirstDocument(file.content());
    } catch (YamlNode.SyntaxError e) {
      throw new ConfigException(file.name(), "", "error loading config file: yaml: " + e.getMessage());
    }
    Loading loading = new Loading(mergeDomainConfigs, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(named)));
    if (doc == null) {
      return loading.build();
    }
    if (doc.resolved().kind != YamlNode.Kind.MAPPING) {
      throw new ConfigException(file.name(), doc.line, "", "the file is not a mapping of keys");
    }
    YamlNode list = Paths.valueOf(doc, key);
    if (list == null || isNull(list.resolved())) {
      return loading.build();
    }
    if (list.resolved().kind != YamlNode.Kind.SEQUENCE) {
      throw new ConfigException(file.name(), list.line, key,
          "must be a list of domains, each an envoyproxy/ratelimit config (domain, descriptors)");
    }
    List<YamlNode> items = list.resolved().children;
    for (int i = 0; i < items.size(); i++) {
      YamlNode item = items.get(i);
      String at = key + " #" + (i + 1);
      try {
        loading.file(file.name(), YamlDecoder.read(file.name(), item));
      } catch (ConfigException e) {
        throw new ConfigException(e.file(), Paths.line(item, e.path()), e.path().isEmpty() ? at : Paths.at(at, e.path()),
            e.reason());
      }
    }
    return loading.build();
  }

  private static boolean isNull(YamlNode n) {
    return n.kind == YamlNode.Kind.SCALAR && n.tag == null && n.plain
        && List.of("", "~", "null", "Null", "NULL").contains(n.value);
  }

  /**
   * Reads and loads config files. A file is UTF-8, or UTF-16 with a byte order mark, as YAML
   * allows; its name in messages is its path as given.
   *
   * @param paths the files, in load order
   * @param merge whether files may add to a domain that an earlier file declared
   * @return the config
   * @throws ConfigException naming the file, the path and the reason of the first fault
   * @throws IOException if a file cannot be read
   */
  public static RateLimitConfig loadFiles(List<Path> paths, boolean merge) throws ConfigException, IOException {
    List<ConfigFile> files = new ArrayList<>(paths.size());
    for (Path p : paths) {
      files.add(new ConfigFile(p.toString(), text(p.toString(), Files.readAllBytes(p))));
    }
    return load(files, merge);
  }

  private static String text(String name, byte[] bytes) throws ConfigException {
    Charset charset = StandardCharsets.UTF_8;
    int skip = 0;
    if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFE && (bytes[1] & 0xFF) == 0xFF) {
      charset = StandardCharsets.UTF_16BE;
      skip = 2;
    } else if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xFE) {
      charset = StandardCharsets.UTF_16LE;
      skip = 2;
    }
    try {
      return charset.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, skip, bytes.length - skip)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(name, "", "error loading config file: yaml: invalid " + charset + " in the file");
    }
  }

  /** One load: the domains as they fill, and the Sluice leaves to name at the end. */
  private static final class Loading {
    private final boolean merge;
    private final Map<String, Policy> named;
    private final Map<String, Descriptor.Builder> domains = new LinkedHashMap<>();
    private final List<Descriptor.Builder> sluiceLeaves = new ArrayList<>();

    Loading(boolean merge, Map<String, Policy> named) {
      this.merge = merge;
      this.named = named;
    }

    void file(String file, Raw.Root root) throws ConfigException {
      String domain = root.domain;
      if (domain.isEmpty()) {
        throw new ConfigException(file, "", "config file cannot have empty domain");
      }
      Descriptor.Builder d = domains.get(domain);
      if (d != null && !merge) {
        throw new ConfigException(file, "", "duplicate domain '" + domain + "' in config file");
      }
      if (d == null) {
        d = new Descriptor.Builder("", "", List.of(domain));
        domains.put(domain, d);
      }
      descriptors(file, d, domain + ".", root.descriptors, "domain " + Paths.quote(domain));
    }

    private void descriptors(String file, Descriptor.Builder parent, String parentKey,
        List<Raw.Descriptor> list, String path) throws ConfigException {
      if (list == null) {
        return;
      }
      for (int i = 0; i < list.size(); i++) {
        Raw.Descriptor c = list.get(i);
        if (c.key.isEmpty()) {
          throw new ConfigException(file, Paths.at(path, "descriptor #" + (i + 1)), "descriptor has empty key");
        }
        String composite = c.value.isEmpty() ? c.key : c.key + "_" + c.value;
        String fullKey = parentKey + composite;
        String at = Paths.at(path, Paths.descriptorLabel(c.key, c.value, i + 1));
        if (parent.children.containsKey(composite)) {
          throw new ConfigException(file, at, "duplicate descriptor composite key '" + fullKey + "'");
        }
        List<String> nodePath = new ArrayList<>(parent.path);
        nodePath.add(composite);
        Descriptor.Builder b = new Descriptor.Builder(c.key, c.value, nodePath);
        if (c.rateLimit != null) {
          rateLimit(file, Paths.at(at, "rate_limit"), b, c, fullKey);
        }
        boolean wildcard = composite.contains("*");
        if (c.shareThreshold && !wildcard) {
          throw new ConfigException(file, Paths.at(at, "share_threshold"),
              "share_threshold can only be used with wildcard values (containing '*'), but found key '"
                  + composite + "'");
        }
        b.wildcardPattern = c.shareThreshold ? composite : "";
        if (wildcard) {
          parent.wildcards.add(Descriptor.Wildcard.of(composite));
        }
        b.valueToMetric = c.valueToMetric;
        b.shareThreshold = c.shareThreshold;
        b.metadata = Metadata.fromYaml(c.metadata);
        descriptors(file, b, fullKey + ".", c.descriptors, at);
        parent.children.put(composite, b);
      }
    }

    private void rateLimit(String file, String path, Descriptor.Builder b, Raw.Descriptor c, String fullKey)
        throws ConfigException {
      Raw.RateLimit r = c.rateLimit;
      List<Policy> policies = List.of();
      Unit unit = null;
      if (r.policy != null || r.policies != null) {
        b.policyTexts = policyTexts(file, path, r);
        policies = new ArrayList<>();
        for (String text : b.policyTexts) {
          policies.add(PolicyText.parse(PROVISIONAL, text));
        }
        sluiceLeaves.add(b);
      } else {
        Optional<Unit> parsed = Unit.parse(r.unit);
        if (r.unlimited && parsed.isPresent()) {
          throw new ConfigException(file, Paths.at(path, "unit"), "should not specify rate limit unit when unlimited");
        }
        if (!r.unlimited && parsed.isEmpty()) {
          throw new ConfigException(file, Paths.at(path, "unit"), "invalid rate limit unit '" + r.unit + "'");
        }
        unit = parsed.orElse(null);
      }
      List<String> replaces = new ArrayList<>();
      if (r.replaces != null) {
        for (int j = 0; j < r.replaces.size(); j++) {
          String name = r.replaces.get(j).name;
          String at = Paths.at(path, "replaces #" + (j + 1));
          if (name.isEmpty()) {
            throw new ConfigException(file, at, "should not have an empty replaces entry");
          }
          if (name.equals(r.name)) {
            throw new ConfigException(file, at, "replaces should not contain name of same descriptor");
          }
          replaces.add(name);
        }
      }
      b.limit = new RateLimitRule(fullKey, policies.isEmpty() ? r.requestsPerUnit : 0, unit,
          r.unlimited, r.name, replaces, c.shadowMode, c.quotaMode, c.detailedMetric, List.of(),
          policies, Metadata.EMPTY);
    }

    /**
     * The texts of the Sluice policies of one rate_limit, checked: each as given, or, for the name
     * of one of the server file's named policies, that policy's text.
     */
    private List<String> policyTexts(String file, String path, Raw.RateLimit r) throws ConfigException {
      String key = r.policy != null ? "policy" : "policies";
      if (r.policy != null && r.policies != null) {
        throw new ConfigException(file, path, "give either policy or policies, not both");
      }
      List<String> given = new ArrayList<>();
      if (r.unitGiven) {
        given.add("unit");
      }
      if (r.requestsPerUnitGiven) {
        given.add("requests_per_unit");
      }
      if (!given.isEmpty()) {
        throw new ConfigException(file, path, key + " cannot be combined with " + String.join(" or ", given)
            + ": a Sluice policy takes the place of unit and requests_per_unit");
      }
      if (r.unlimited) {
        throw new ConfigException(file, path, key + " cannot be combined with unlimited: true");
      }
      List<String> texts = r.policy != null ? List.of(r.policy) : r.policies;
      if (texts.isEmpty()) {
        throw new ConfigException(file, Paths.at(path, key), "must list at least one policy");
      }
      List<String> resolved = new ArrayList<>();
      for (int j = 0; j < texts.size(); j++) {
        String at = Paths.at(path, r.policy != null ? key : key + " #" + (j + 1));
        String text = texts.get(j);
        Policy named = this.named.get(text);
        Policy p;
        if (named != null) {
          p = named;
        } else {
          try {
            p = PolicyText.parse(PROVISIONAL, text);
          } catch (PolicyTextException e) {
            throw new ConfigException(file, at, isName(text) ? unknownName(text) : e.detail());
          }
        }
        if (p.kind() != Policy.Kind.RATE) {
          throw new ConfigException(file, at, "'" + text + "' is a " + p.kind().name().toLowerCase(Locale.ROOT)
              + " policy; a descriptor takes rate policies only (token-bucket, fixed-window, sliding-log,"
              + " sliding-counter)");
        }
        resolved.add(named != null ? PolicyText.format(named) : text);
      }
      return resolved;
    }

    /** Whether {@code text} reads as a policy's name rather than its text: one word, no field. */
    private static boolean isName(String text) {
      return !text.isEmpty() && text.chars().noneMatch(c -> c == '=' || Character.isWhitespace(c) || c == ',');
    }

    private String unknownName(String name) {
      if (named.isEmpty()) {
        return "'" + name + "' is neither a policy text (a type and its fields, docs/policies.md) nor the name"
            + " of a policy: names refer to the policies of a server file (serve --config), and there are none here";
      }
      return "'" + name + "' is neither a policy text (a type and its fields, docs/policies.md) nor the name of"
          + " one of the file's policies (" + String.join(", ", named.keySet()) + ")";
    }

    RateLimitConfig build() {
      Map<Descriptor.Builder, List<String>> names = PolicyNames.assign(sluiceLeaves);
      Map<String, Descriptor> built = new LinkedHashMap<>();
      domains.forEach((domain, d) -> built.put(domain, d.build(b -> named(b, names.get(b)))));
      return new RateLimitConfig(built);
    }

    private static RateLimitRule named(Descriptor.Builder b, List<String> names) {
      if (b.policyTexts == null) {
        return b.limit;
      }
      List<Policy> policies = new ArrayList<>();
      for (int j = 0; j < names.size(); j++) {
        policies.add(PolicyText.parse(names.get(j), b.policyTexts.get(j)));
      }
      RateLimitRule l = b.limit;
      return new RateLimitRule(l.fullKey(), 0, null, false, l.name(), l.replaces(), l.shadowMode(),
          l.quotaMode(), l.detailedMetric(), List.of(), policies, l.metadata());
    }
  }
}
