package dev.sluice.server.file;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.PolicyTextException;
import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.settings.Settings;
import dev.sluice.server.settings.SettingsException;
import dev.sluice.server.settings.VariableInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Sluice's server file: the whole server's configuration in one YAML file, read and checked.
 *
 * <pre>{@code
 * settings:            # server settings by their environment variable's name
 *   BACKEND_TYPE: sqlite
 *   GRPC_PORT: 8081
 * policies:            # named Sluice policies in PolicyText's syntax
 *   api: token-bucket capacity=20 rate=100/1m
 * domains:             # envoyproxy/ratelimit configs, one list item per config file of theirs
 *   - domain: example
 *     descriptors:
 *       - key: remote_address
 *         rate_limit: {unit: minute, requests_per_unit: 10}
 * }</pre>
 *
 * <p>Three top-level keys, each optional; any other is refused.
 * <ul>
 *   <li>{@code settings}: any variable of {@link Settings#reference()} by its name; a name it does
 *       not list is refused. A value is one scalar, read from its text as written, exactly as the
 *       same text in the environment variable would be ({@code 8081}, {@code "8081"} and
 *       {@code 0x1F91} are the same port; {@code yes} is not a boolean, as it is not for
 *       envoyproxy/ratelimit's environment); an empty value ({@code ~}, {@code null} or nothing)
 *       is the empty string. An environment variable that is set wins over the file's value.
 *   <li>{@code policies}: name to policy text ({@link PolicyText#parse(String, String)}).
 *   <li>{@code domains}: a list whose items are envoyproxy/ratelimit config files, read and
 *       checked exactly as {@link ConfigLoader} reads files ({@link ConfigLoader#loadList}), with
 *       {@code MERGE_DOMAIN_CONFIG} as the settings say.
 * </ul>
 *
 * <p>Every problem found is reported at once, each naming the file, the line and the field
 * ({@link ServerFileException}); domains stop at their first fault, as their loader does. The
 * file is UTF-8 (a byte order mark is skipped), one YAML document.
 */
public final class ServerFile {

  /** The top-level key of the settings. */
  public static final String SETTINGS = "settings";
  /** The top-level key of the named policies. */
  public static final String POLICIES = "policies";
  /** The top-level key of the domains. */
  public static final String DOMAINS = "domains";
  /** The top-level keys, in the order the documentation gives them. */
  public static final List<String> KEYS = List.of(SETTINGS, POLICIES, DOMAINS);

  /** Where a setting in effect came from. */
  public enum Origin {
    /** The file's {@code settings}. */
    FILE,
    /** An environment variable; when the file gives the same setting, the environment wins. */
    ENVIRONMENT
  }

  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
  private static final Pattern LEADING_NAME = Pattern.compile("^([A-Z][A-Z0-9_]*)");

  private final String name;
  private final Settings settings;
  private final Map<String, String> fileSettings;
  private final Map<String, String> variables;
  private final Map<String, Origin> origins;
  private final Map<String, Policy> policies;
  private final RateLimitConfig config;
  private final List<String> notices;

  private ServerFile(String name, Settings settings, Map<String, String> fileSettings, Map<String, String> variables,
      Map<String, Origin> origins, Map<String, Policy> policies, RateLimitConfig config, List<String> notices) {
    this.name = name;
    this.settings = settings;
    this.fileSettings = fileSettings;
    this.variables = variables;
    this.origins = origins;
    this.policies = policies;
    this.config = config;
    this.notices = notices;
  }

  /**
   * Reads and checks a server file.
   *
   * @param path the file; its name in messages is this path as given
   * @param env the environment, e.g. {@link System#getenv()}: its variables win over the file's settings
   * @return the file
   * @throws ServerFileException listing every problem, each with file, line and field
   * @throws IOException if the file cannot be read
   */
  public static ServerFile read(Path path, Map<String, String> env) throws ServerFileException, IOException {
    return load(new ConfigFile(path.toString(), text(path.toString(), Files.readAllBytes(path))), env);
  }

  /**
   * Checks a server file's text.
   *
   * @param file the file's name (for messages) and text
   * @param env the environment: its variables win over the file's settings
   * @return the file
   * @throws ServerFileException listing every problem, each with file, line and field
   */
  public static ServerFile load(ConfigFile file, Map<String, String> env) throws ServerFileException {
    return load(file, env, null);
  }

  /**
   * As {@link #load(ConfigFile, Map)}; {@code merge}, when not null, takes the place of the
   * settings' {@code MERGE_DOMAIN_CONFIG} for the domains (a reload keeps the running server's).
   */
  static ServerFile load(ConfigFile file, Map<String, String> env, Boolean merge) throws ServerFileException {
    Objects.requireNonNull(env, "env");
    return new Reading(file).read(env, merge);
  }

  /**
   * Whether a YAML text looks like a server file rather than an envoyproxy/ratelimit config file:
   * its root is a mapping with at least one of {@link #KEYS} and neither {@code domain} nor
   * {@code descriptors}. Text that does not parse is neither ({@code false}).
   *
   * @param content the text
   * @return whether to read it as a server file
   */
  public static boolean looksLike(String content) {
    try {
      Optional<Node> root = compose(content);
      if (root.isEmpty() || !(root.get() instanceof MappingNode m)) {
        return false;
      }
      boolean ours = false;
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k) {
          if (k.getValue().equals("domain") || k.getValue().equals("descriptors")) {
            return false;
          }
          ours |= KEYS.contains(k.getValue());
        }
      }
      return ours;
    } catch (YamlEngineException e) {
      return false;
    }
  }

  /**
   * The file's name, as given.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * The settings: the file's, with every environment variable that is set in their place.
   *
   * @return the settings
   */
  public Settings settings() {
    return settings;
  }

  /**
   * The file's {@code settings} as written, each value's text.
   *
   * @return name to text, in the file's order
   */
  public Map<String, String> fileSettings() {
    return fileSettings;
  }

  /**
   * The variables the settings were read from, as an environment would hold them: the file's
   * settings, with the environment's variables over them (for what reads its own variable from
   * an environment, such as the API's {@code ADMIN_TOKEN}).
   *
   * @return name to text; unmodifiable
   */
  public Map<String, String> variables() {
    return variables;
  }

  /**
   * Where each setting that is not at its default came from: the file, or the environment (also
   * when the file gives it: the environment wins).
   *
   * @return name to origin, in the table's order
   */
  public Map<String, Origin> origins() {
    return origins;
  }

  /**
   * The named policies.
   *
   * @return name to policy, in the file's order; unmodifiable
   */
  public Map<String, Policy> policies() {
    return policies;
  }

  /**
   * The domains, as envoyproxy/ratelimit's loader would have them.
   *
   * @return the config
   */
  public RateLimitConfig config() {
    return config;
  }

  /**
   * What the start should warn about without stopping: the settings' notices, settings that the
   * environment overrides, and settings that do nothing with a server file (the runtime layout's).
   *
   * @return one message per notice
   */
  public List<String> notices() {
    return notices;
  }

  /**
   * The banner's lines that say where the settings came from: the names from the file, and those
   * from the environment (marked when they override the file's).
   *
   * @return lines without indentation
   */
  public List<String> describeOrigins() {
    List<String> fromFile = new ArrayList<>();
    List<String> fromEnv = new ArrayList<>();
    origins.forEach((n, o) -> {
      if (o == Origin.FILE) {
        fromFile.add(n);
      } else {
        fromEnv.add(fileSettings.containsKey(n) ? n + " (over the file's)" : n);
      }
    });
    List<String> lines = new ArrayList<>();
    lines.add("settings from " + name + ": " + (fromFile.isEmpty() ? "none" : String.join(", ", fromFile)));
    lines.add("settings from the environment: " + (fromEnv.isEmpty() ? "none" : String.join(", ", fromEnv)));
    return lines;
  }

  static String text(String name, byte[] bytes) throws ServerFileException {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      return s.startsWith("\uFEFF") ? s.substring(1) : s;
    } catch (CharacterCodingException e) {
      throw new ServerFileException(List.of(new ServerFileException.Problem(name, 0, "",
          "not valid UTF-8 (a server file is UTF-8 text)")));
    }
  }

  private static Optional<Node> compose(String content) {
    LoadSettings ls = LoadSettings.builder()
        .setCodePointLimit(Integer.MAX_VALUE)
        .setMaxAliasesForCollections(Integer.MAX_VALUE)
        .setUseMarks(true)
        .build();
    return new Compose(ls).composeString(content.startsWith("\uFEFF") ? content.substring(1) : content);
  }

  static int line(Node n) {
    return n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  /** One reading of one file: the problems as they are found. */
  private static final class Reading {
    private final ConfigFile file;
    private final List<ServerFileException.Problem> problems = new ArrayList<>();
    private final Map<String, String> settingsText = new LinkedHashMap<>();
    private final Map<String, Integer> settingsLine = new HashMap<>();
    private final Map<String, Policy> policies = new LinkedHashMap<>();
    private int settingsKeyLine = 1;

    Reading(ConfigFile file) {
      this.file = file;
    }

    private void problem(int line, String field, String reason) {
      problems.add(new ServerFileException.Problem(file.name(), line, field, reason));
    }

    ServerFile read(Map<String, String> env, Boolean mergeOverride) throws ServerFileException {
      Optional<Node> root;
      try {
        root = compose(file.content());
      } catch (MarkedYamlEngineException e) {
        int line = e.getProblemMark().or(e::getContextMark).map(Mark::getLine).orElse(-1) + 1;
        String problem = e.getProblem() == null ? e.getContext() : e.getProblem();
        problem(line, "", "not valid YAML: " + problem);
        throw new ServerFileException(problems);
      } catch (YamlEngineException e) {
        problem(0, "", "not valid YAML: " + e.getMessage());
        throw new ServerFileException(problems);
      }
      boolean hasDomains = false;
      if (root.isPresent() && !isNull(root.get())) {
        if (!(root.get() instanceof MappingNode top)) {
          problem(line(root.get()), "", "a server file is a mapping of " + String.join(", ", KEYS)
              + " (docs/configuration.md)");
          throw new ServerFileException(problems);
        }
        Map<String, Integer> seen = new HashMap<>();
        for (NodeTuple t : top.getValue()) {
          String key = key(t.getKeyNode(), "");
          if (key == null) {
            continue;
          }
          Integer before = seen.put(key, line(t.getKeyNode()));
          if (before != null) {
            problem(line(t.getKeyNode()), key, "given twice (first on line " + before + ")");
            continue;
          }
          switch (key) {
            case SETTINGS -> {
              settingsKeyLine = line(t.getKeyNode());
              settings(t.getValueNode());
            }
            case POLICIES -> policies(t.getValueNode());
            case DOMAINS -> {
              hasDomains = true;
              Node v = t.getValueNode();
              if (!(v instanceof SequenceNode) && !isNull(v)) {
                problem(line(v), DOMAINS, "must be a list of domains, each an envoyproxy/ratelimit config"
                    + " (domain, descriptors)");
                hasDomains = false;
              }
            }
            default -> {
              String hint = key.equals("domain") || key.equals("descriptors")
                  ? "; this looks like an envoyproxy/ratelimit config file: make it an item of domains, or load it"
                      + " from the runtime layout"
                  : closest(key, KEYS).map(c -> "; did you mean " + c + "?").orElse("");
              problem(line(t.getKeyNode()), key, "unknown top-level key: the keys are "
                  + String.join(", ", KEYS) + hint);
            }
          }
        }
      }

      Map<String, String> merged = new HashMap<>(settingsText);
      merged.putAll(env);
      Settings settings = null;
      try {
        settings = Settings.fromEnvironment(merged);
      } catch (SettingsException e) {
        for (String p : e.problems()) {
          settingProblem(p, env);
        }
      }

      boolean merge = mergeOverride != null ? mergeOverride
          : settings != null ? settings.runtime().mergeDomainConfig()
          : Set.of("1", "t", "T", "TRUE", "true", "True").contains(merged.getOrDefault("MERGE_DOMAIN_CONFIG", ""));
      RateLimitConfig config = RateLimitConfig.empty();
      if (hasDomains) {
        try {
          config = ConfigLoader.loadList(file, DOMAINS, merge, policies);
        } catch (ConfigException e) {
          problem(e.line(), e.path(), e.reason());
        }
      }
      if (!problems.isEmpty()) {
        List<ServerFileException.Problem> sorted = new ArrayList<>(problems);
        sorted.sort(java.util.Comparator.comparingInt(p -> p.line() == 0 ? Integer.MAX_VALUE : p.line()));
        throw new ServerFileException(sorted);
      }

      Map<String, Origin> origins = new LinkedHashMap<>();
      for (VariableInfo v : VariableInfo.all()) {
        if (env.containsKey(v.name())) {
          origins.put(v.name(), Origin.ENVIRONMENT);
        } else if (settingsText.containsKey(v.name())) {
          origins.put(v.name(), Origin.FILE);
        }
      }
      return new ServerFile(file.name(), settings, Collections.unmodifiableMap(new LinkedHashMap<>(settingsText)),
          Collections.unmodifiableMap(merged), Collections.unmodifiableMap(origins), Collections.unmodifiableMap(new LinkedHashMap<>(policies)), config,
          List.copyOf(notices(settings, origins, settingsText.keySet())));
    }

    /** A mapping key's text, or null (and a problem) when it is not a scalar. */
    private String key(Node k, String section) {
      if (k instanceof ScalarNode s) {
        return s.getValue();
      }
      problem(line(k), section, "a key must be text, not a " + (k instanceof MappingNode ? "mapping" : "list"));
      return null;
    }

    private void settings(Node node) {
      if (isNull(node)) {
        return;
      }
      if (!(node instanceof MappingNode m)) {
        problem(line(node), SETTINGS, "must be a mapping of setting names to values, e.g. GRPC_PORT: 8081");
        return;
      }
      Set<String> names = new TreeSet<>();
      VariableInfo.all().forEach(v -> names.add(v.name()));
      for (NodeTuple t : m.getValue()) {
        String name = key(t.getKeyNode(), SETTINGS);
        if (name == null) {
          continue;
        }
        String field = SETTINGS + " > " + name;
        int line = line(t.getKeyNode());
        if (!names.contains(name)) {
          problem(line, field, "unknown setting" + closest(name, names).map(c -> "; did you mean " + c + "?")
              .orElse("") + " (`sluice-server settings` lists them all)");
          continue;
        }
        if (settingsLine.containsKey(name)) {
          problem(line, field, "given twice (first on line " + settingsLine.get(name) + ")");
          continue;
        }
        settingsLine.put(name, line);
        Node v = t.getValueNode();
        if (!(v instanceof ScalarNode s)) {
          problem(line(v), field, "must be one value (text, a number or a boolean), as its environment variable"
              + " holds it; not a " + (v instanceof MappingNode ? "mapping" : "list"));
          continue;
        }
        settingsText.put(name, isNull(s) ? "" : s.getValue());
      }
    }

    private void policies(Node node) {
      if (isNull(node)) {
        return;
      }
      if (!(node instanceof MappingNode m)) {
        problem(line(node), POLICIES, "must be a mapping of policy names to policy texts, e.g."
            + " api: token-bucket capacity=20 rate=100/1m");
        return;
      }
      Map<String, Integer> seen = new HashMap<>();
      for (NodeTuple t : m.getValue()) {
        String name = key(t.getKeyNode(), POLICIES);
        if (name == null) {
          continue;
        }
        String field = POLICIES + " > " + name;
        Integer before = seen.put(name, line(t.getKeyNode()));
        if (before != null) {
          problem(line(t.getKeyNode()), field, "given twice (first on line " + before + ")");
          continue;
        }
        Node v = t.getValueNode();
        if (!(v instanceof ScalarNode s) || isNull(v)) {
          problem(line(v), field, "must be a policy in text form, e.g. token-bucket capacity=20 rate=100/1m"
              + " (docs/policies.md)");
          continue;
        }
        try {
          policies.put(name, PolicyText.parse(name, s.getValue()));
        } catch (PolicyTextException e) {
          problem(line(v), field, e.detail());
        } catch (IllegalArgumentException e) {
          problem(line(t.getKeyNode()), field, "not a policy name: " + e.getMessage());
        }
      }
    }

    /** A problem of {@link Settings}, placed at the setting's line when the file gives it. */
    private void settingProblem(String message, Map<String, String> env) {
      Matcher m = LEADING_NAME.matcher(message);
      String name = m.find() ? m.group(1) : null;
      if (name != null && env.containsKey(name)) {
        problem(0, SETTINGS + " > " + name + " (from the environment)", message);
      } else if (name != null && settingsLine.containsKey(name)) {
        problem(settingsLine.get(name), SETTINGS + " > " + name, message);
      } else if (name != null) {
        problem(settingsKeyLine, SETTINGS + " > " + name + " (its default)", message);
      } else {
        problem(settingsKeyLine, SETTINGS, message);
      }
    }

    private List<String> notices(Settings settings, Map<String, Origin> origins, Set<String> inFile) {
      List<String> out = new ArrayList<>();
      for (String n : settings.notices()) {
        if (!n.startsWith("RUNTIME_")) { // the runtime layout is not read with a server file
          out.add(n);
        }
      }
      List<String> unused = new ArrayList<>();
      for (String n : origins.keySet()) {
        if (n.startsWith("RUNTIME_") || n.equals("FORCE_START_WITHOUT_INITIAL_CONFIG")) {
          unused.add(n);
        }
      }
      if (!unused.isEmpty()) {
        out.add(String.join(", ", unused) + (unused.size() == 1 ? " has" : " have") + " no effect with a server"
            + " file: the domains come from " + file.name() + ", which must load for the server to start");
      }
      List<String> overridden = new ArrayList<>();
      for (Map.Entry<String, Origin> e : origins.entrySet()) {
        if (e.getValue() == Origin.ENVIRONMENT && inFile.contains(e.getKey())) {
          overridden.add(e.getKey());
        }
      }
      if (!overridden.isEmpty()) {
        out.add(String.join(", ", overridden) + (overridden.size() == 1 ? " is" : " are") + " set both in "
            + file.name() + " and in the environment: the environment's value is used");
      }
      return out;
    }
  }

  static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.isPlain() && NULLS.contains(s.getValue());
  }

  /**
   * The candidate nearest to {@code name} (fewest edits, case aside), if near enough: at most a
   * third of the name's letters away (1 to 3), or sharing a start of 4 letters or more that leaves
   * at most 3 letters of either ({@code policy} and {@code policies}).
   */
  static Optional<String> closest(String name, Iterable<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String upper = name.toUpperCase(Locale.ROOT);
    for (String c : candidates) {
      String cu = c.toUpperCase(Locale.ROOT);
      int d = distance(upper, cu);
      int common = 0;
      while (common < Math.min(upper.length(), cu.length()) && upper.charAt(common) == cu.charAt(common)) {
        common++;
      }
      boolean near = d <= Math.min(3, Math.max(1, name.length() / 3))
          || common >= 4 && Math.max(upper.length(), cu.length()) - common <= 3;
      if (near && d < bestDistance) {
        best = c;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
