package dev.sluice.server.file;

import dev.sluice.server.config.Unit;
import dev.sluice.server.settings.VariableInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tables that both the JSON Schema ({@link ServerFileSchema}) and the reference page
 * ({@link ConfigurationPage}) are made from, beside the settings' own table
 * ({@link VariableInfo#all()}): the keys of an envoyproxy/ratelimit config, the policy types, the
 * value syntaxes. Tests hold each against the code that reads it (the config loader, PolicyText,
 * the settings' parsing).
 */
final class Reference {
  private Reference() {}

  /** Every policy type of {@code PolicyText}, in its order. */
  static final List<String> POLICY_TYPES =
      List.of("token-bucket", "fixed-window", "sliding-log", "sliding-counter", "concurrency", "budget");

  /** The types a descriptor's {@code policy} takes: rate policies. */
  static final List<String> RATE_POLICY_TYPES = POLICY_TYPES.subList(0, 4);

  /** Besides YAML's booleans, the words yaml.v2 reads as booleans in a domain (YAML 1.1). */
  static final List<String> YAML11_BOOLEAN_WORDS = List.of(
      "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF");

  /** What Go's {@code strconv.ParseBool} takes (a setting of kind BOOL). */
  static final List<String> GO_BOOLEANS =
      List.of("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False");

  /** Go's integer literals ({@code strconv.ParseInt(s, 0, 64)}), as an ECMA 262 pattern. */
  static final String GO_INT = "^[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)$";

  /** Go's decimal float literals, {@code inf}, {@code infinity} and {@code nan} (any case). */
  static final String GO_FLOAT = "^([+-]?([0-9](_?[0-9])*(\\.([0-9](_?[0-9])*)?)?|\\.[0-9](_?[0-9])*)([eE][+-]?[0-9](_?[0-9])*)?"
      + "|[+-]?[iI][nN][fF]([iI][nN][iI][tT][yY])?|[nN][aA][nN])$";

  /** Go's durations ({@code time.ParseDuration}). */
  static final String GO_DURATION = "^[+-]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$";

  /** envconfig's maps: {@code k1:v1,k2:v2}, each item one colon; empty is an empty map. */
  static final String ENV_MAP = "^$|^[^,:]*:[^,:]*(,[^,:]*:[^,:]*)*$";

  /** The rate limit units, as their files write them: lower case (upper case is read the same). */
  static List<String> units() {
    List<String> units = new ArrayList<>();
    for (Unit u : Unit.values()) {
      units.add(u.name().toLowerCase(Locale.ROOT));
    }
    for (Unit u : Unit.values()) {
      units.add(u.name());
    }
    return units;
  }

  /** The type of a key's value in an envoyproxy/ratelimit config. */
  enum Type {
    /** Any scalar but a float, read as its text. */
    TEXT,
    /** A YAML boolean, or a YAML 1.1 boolean word. */
    FLAG,
    /** A whole number 0 to 2^32-1. */
    COUNT,
    /** One of the units. */
    UNIT,
    /** A list of descriptors. */
    DESCRIPTORS,
    /** A rate_limit mapping. */
    RATE_LIMIT,
    /** A list of {name: ...}. */
    REPLACES,
    /** One rate policy's text. */
    RATE_POLICY,
    /** A list of rate policies' texts. */
    RATE_POLICIES,
    /** Any mapping. */
    MAPPING
  }

  /** Where a key goes. */
  enum Level {
    DOMAIN("a domain (a list item of domains: one envoyproxy/ratelimit config file)"),
    DESCRIPTOR("a descriptor"),
    RATE_LIMIT("a descriptor's rate_limit");

    final String title;

    Level(String title) {
      this.title = title;
    }
  }

  /** One key of an envoyproxy/ratelimit config. */
  record Key(Level level, String name, Type type, boolean required, boolean sluice, String text) {}

  /** Every key of an envoyproxy/ratelimit config, by level, with Sluice's two. */
  static final List<Key> KEYS = List.of(
      new Key(Level.DOMAIN, "domain", Type.TEXT, true, false,
          "The domain the requests name; not empty. A domain is in one item only, unless MERGE_DOMAIN_CONFIG is"
              + " true."),
      new Key(Level.DOMAIN, "descriptors", Type.DESCRIPTORS, false, false, "The domain's descriptors."),
      new Key(Level.DESCRIPTOR, "key", Type.TEXT, true, false,
          "The descriptor entry's key; not empty. Key (and value) must be unique among siblings."),
      new Key(Level.DESCRIPTOR, "value", Type.TEXT, false, false,
          "The entry's value; without one, the key matches any value (each value counted on its own). A `*`"
              + " matches any text (`api_*`, `a*b`)."),
      new Key(Level.DESCRIPTOR, "rate_limit", Type.RATE_LIMIT, false, false,
          "The limit of requests whose descriptor ends here."),
      new Key(Level.DESCRIPTOR, "descriptors", Type.DESCRIPTORS, false, false,
          "Nested descriptors: the request's next entry."),
      new Key(Level.DESCRIPTOR, "shadow_mode", Type.FLAG, false, false,
          "Count and report, but answer OK even over the limit."),
      new Key(Level.DESCRIPTOR, "quota_mode", Type.FLAG, false, false,
          "Quota mode: report over the limit without denying, on its own beside enforcing descriptors."),
      new Key(Level.DESCRIPTOR, "detailed_metric", Type.FLAG, false, false,
          "Stats keyed by the request's own values, not the config's."),
      new Key(Level.DESCRIPTOR, "value_to_metric", Type.FLAG, false, false,
          "Put the request's value into the stats key where the config matched it by a wildcard or by key alone."),
      new Key(Level.DESCRIPTOR, "share_threshold", Type.FLAG, false, false,
          "With a wildcard value (containing `*`): all matching values share one counter."),
      new Key(Level.DESCRIPTOR, "metadata", Type.MAPPING, false, false,
          "Any mapping, added to the response's dynamic metadata when RESPONSE_DYNAMIC_METADATA is true."),
      new Key(Level.RATE_LIMIT, "unit", Type.UNIT, false, false,
          "The window: second, minute, hour, day, week, month (30 days) or year (365 days), any case. Required"
              + " unless unlimited, policy or policies."),
      new Key(Level.RATE_LIMIT, "requests_per_unit", Type.COUNT, false, false, "Requests allowed per unit."),
      new Key(Level.RATE_LIMIT, "unlimited", Type.FLAG, false, false,
          "Never limited (no unit then)."),
      new Key(Level.RATE_LIMIT, "name", Type.TEXT, false, false, "The limit's name, for replaces."),
      new Key(Level.RATE_LIMIT, "replaces", Type.REPLACES, false, false,
          "Names of limits this one replaces when both apply to a request."),
      new Key(Level.RATE_LIMIT, "policy", Type.RATE_POLICY, false, true,
          "Sluice: a rate policy in text form, or a server file's policy by name, instead of unit and"
              + " requests_per_unit (not with unlimited)."),
      new Key(Level.RATE_LIMIT, "policies", Type.RATE_POLICIES, false, true,
          "Sluice: several rate policies (texts or names), all enforced (not with policy, unit, requests_per_unit"
              + " or unlimited)."));

  /** The keys of one level, in the table's order. */
  static List<Key> keys(Level level) {
    return KEYS.stream().filter(k -> k.level() == level).toList();
  }

  /** How the page and the schema label what Sluice does with a setting. */
  static String label(VariableInfo.Use use) {
    return switch (use) {
      case SUPPORTED -> "supported";
      case PARTLY -> "partly: other values are refused";
      case NO_EFFECT -> "ignored: read, but no effect";
      case SLUICE -> "Sluice's own";
    };
  }

  /** A group's heading on the page. */
  static String title(VariableInfo.Group group) {
    return switch (group) {
      case LISTEN -> "Listeners";
      case LOG -> "Logging";
      case CONFIG -> "Rate limit configs";
      case XDS -> "xDS (not supported)";
      case STATS -> "Metrics";
      case STORE -> "Stores";
      case SERVICE -> "Answers, headers and health";
      case REDIS -> "Redis";
      case REDIS_PERSECOND -> "Redis for per-second limits";
      case MEMCACHE -> "Memcache (not supported)";
      case TRACING -> "Tracing (not supported)";
      case SQLITE -> "SQLite";
    };
  }

  /** What a setting's value looks like, for the page. */
  static String syntax(VariableInfo.Kind kind) {
    return switch (kind) {
      case STRING -> "text";
      case BOOL -> "boolean";
      case INT -> "integer";
      case FLOAT32, FLOAT64 -> "number";
      case DURATION -> "duration";
      case LIST -> "list (a,b)";
      case MAP -> "map (k:v,k2:v2)";
    };
  }
}
