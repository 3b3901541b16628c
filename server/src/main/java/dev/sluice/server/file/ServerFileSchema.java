package dev.sluice.server.file;

import static dev.sluice.server.file.Json.array;
import static dev.sluice.server.file.Json.object;

import dev.sluice.server.file.Reference.Key;
import dev.sluice.server.file.Reference.Level;
import dev.sluice.server.settings.VariableInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema (draft 2020-12) of the server file, made from the code's own tables: every
 * setting of {@link VariableInfo#all()} with its type, default and description; the policy types;
 * the keys of an envoyproxy/ratelimit config. Committed as {@code docs/sluice-server.schema.json}
 * and printed by {@code sluice-server config schema}; a test fails when the two differ.
 *
 * <p>The schema accepts what the server accepts, with two deliberate differences, both flagged
 * by the schema and accepted by the server: a domain key at a level where envoyproxy/ratelimit
 * ignores it (e.g. {@code unit} beside {@code key}), and a unit in mixed case ({@code Minute};
 * lower and upper case are listed).
 */
public final class ServerFileSchema {
  private ServerFileSchema() {}

  /** Where the schema is published, as its {@code $id}. */
  public static final String ID =
      "https://raw.githubusercontent.com/sluice-ratelimit/sluice/main/docs/sluice-server.schema.json";

  /**
   * The schema.
   *
   * @return the schema as JSON text, two-space indented, ending with a newline; the same on every call
   */
  public static String json() {
    Map<String, Object> settings = new LinkedHashMap<>();
    for (VariableInfo v : VariableInfo.all()) {
      settings.put(v.name(), setting(v));
    }
    Map<String, Object> defs = new LinkedHashMap<>();
    defs.put("policy", object(
        "description", "A Sluice policy in text form (docs/policies.md): its type, then field=value pairs.",
        "type", "string",
        "pattern", typePattern(Reference.POLICY_TYPES),
        "examples", array("token-bucket capacity=20 rate=100/1m", "fixed-window limit=1000 period=1h",
            "budget limit=50GiB period=1d zone=Europe/Prague", "concurrency slots=5 ttl=10m")));
    defs.put("ratePolicy", object(
        "description", "A Sluice rate policy in text form (docs/policies.md): "
            + String.join(", ", Reference.RATE_POLICY_TYPES) + "; or, in a server file, the name of one"
            + " of its policies.",
        "type", "string",
        "pattern", "(" + typePattern(Reference.RATE_POLICY_TYPES) + ")|^[^\\s=,]+$",
        "examples", array("token-bucket capacity=20 rate=5/s", "sliding-log limit=30 window=1h", "api")));
    defs.put("text", object(
        "description", "Text; a number or a boolean is read as its text (not a float: envoyproxy/ratelimit refuses"
            + " those).",
        "type", array("string", "integer", "boolean")));
    List<Object> flagValues = array(true, false);
    flagValues.addAll(Reference.YAML11_BOOLEAN_WORDS);
    defs.put("flag", object(
        "description", "A boolean; yaml.v2 also reads y, yes, on, n, no, off (any of their cases) as booleans.",
        "enum", flagValues));
    defs.put("domain", level(Level.DOMAIN));
    defs.put("descriptor", level(Level.DESCRIPTOR));
    defs.put("rateLimit", level(Level.RATE_LIMIT));

    Map<String, Object> schema = object(
        "$schema", "https://json-schema.org/draft/2020-12/schema",
        "$id", ID,
        "title", "Sluice server file",
        "description", "sluice-server serve --config FILE: the server's settings, named policies and"
            + " envoyproxy/ratelimit domains in one file (docs/configuration.md).",
        "type", "object",
        "additionalProperties", false,
        "properties", object(
            ServerFile.SETTINGS, object(
                "description", "Server settings by their environment variable's name; a set environment variable"
                    + " wins over the file's value. Settings take effect at the start (a reload does not change"
                    + " them).",
                "type", array("object", "null"),
                "additionalProperties", false,
                "properties", settings),
            ServerFile.POLICIES, object(
                "description", "Named Sluice policies for the server's own API: name to policy text.",
                "type", array("object", "null"),
                "propertyNames", object("minLength", 1, "maxLength", 128, "pattern", "\\S"),
                "additionalProperties", object("$ref", "#/$defs/policy")),
            ServerFile.DOMAINS, object(
                "description", "envoyproxy/ratelimit configs, one item per config file of theirs, in their format.",
                "type", array("array", "null"),
                "items", object("$ref", "#/$defs/domain"))),
        "$defs", defs);
    return Json.write(schema);
  }

  private static String typePattern(List<String> types) {
    return "^\\s*(" + String.join("|", types) + ")([\\s,]|$)";
  }

  private static Map<String, Object> setting(VariableInfo v) {
    Map<String, Object> s = new LinkedHashMap<>();
    String status = switch (v.use()) {
      case SUPPORTED -> "";
      case PARTLY -> "Partly supported: ";
      case NO_EFFECT -> "No effect in Sluice: ";
      case SLUICE -> "Sluice's own: ";
    };
    String text = status + v.text() + (v.secret() ? " (a secret: shown masked)" : "");
    s.put("description", text + (text.endsWith(".") ? "" : ".") + " Default: "
        + (v.defaultText().isEmpty() ? "empty" : v.defaultText()) + ".");
    switch (v.kind()) {
      case STRING, LIST -> s.put("type", array("string", "number", "boolean", "null"));
      case MAP -> {
        s.put("type", array("string", "null"));
        s.put("pattern", Reference.ENV_MAP);
      }
      case BOOL -> {
        List<Object> values = array(true, false, 0, 1);
        values.addAll(Reference.GO_BOOLEANS);
        s.put("enum", values);
      }
      case INT -> {
        s.put("type", array("integer", "string"));
        s.put("pattern", Reference.GO_INT);
      }
      case FLOAT32, FLOAT64 -> {
        s.put("type", array("number", "string"));
        s.put("pattern", Reference.GO_FLOAT);
      }
      case DURATION -> s.put("anyOf", array(
          object("type", "string", "pattern", Reference.GO_DURATION),
          object("const", 0)));
      default -> throw new AssertionError(v.kind());
    }
    s.put("default", typedDefault(v));
    return s;
  }

  /** The default as YAML would write it: a number, a boolean or text. */
  static Object typedDefault(VariableInfo v) {
    String d = v.defaultText();
    return switch (v.kind()) {
      case BOOL -> !d.isEmpty() && Boolean.parseBoolean(d);
      case INT -> d.isEmpty() ? 0L : Long.parseLong(d);
      case FLOAT32, FLOAT64 -> d.isEmpty() ? 0L : Double.parseDouble(d);
      default -> d;
    };
  }

  private static Map<String, Object> level(Level level) {
    Map<String, Object> properties = new LinkedHashMap<>();
    List<Object> required = new ArrayList<>();
    for (Key k : Reference.keys(level)) {
      Map<String, Object> p = type(k.type());
      Map<String, Object> withText = new LinkedHashMap<>();
      withText.put("description", k.text());
      withText.putAll(p);
      properties.put(k.name(), withText);
      if (k.required()) {
        required.add(k.name());
      }
    }
    Map<String, Object> o = object("description", level.title, "type", "object");
    if (!required.isEmpty()) {
      o.put("required", required);
    }
    o.put("additionalProperties", false);
    o.put("properties", properties);
    if (level == Level.RATE_LIMIT) {
      o.put("anyOf", array(object("required", array("unit")), object("required", array("unlimited")),
          object("required", array("policy")), object("required", array("policies"))));
      o.put("allOf", array(
          object("if", object("required", array("policy")),
              "then", object("not", object("anyOf", array(object("required", array("policies")),
                  object("required", array("unit")), object("required", array("requests_per_unit")))))),
          object("if", object("required", array("policies")),
              "then", object("not", object("anyOf", array(object("required", array("unit")),
                  object("required", array("requests_per_unit"))))))));
    }
    return o;
  }

  private static Map<String, Object> type(Reference.Type t) {
    return switch (t) {
      case TEXT -> object("$ref", "#/$defs/text");
      case FLAG -> object("$ref", "#/$defs/flag");
      case COUNT -> object("type", "integer", "minimum", 0, "maximum", 4294967295L);
      case UNIT -> object("enum", new ArrayList<Object>(Reference.units()));
      case DESCRIPTORS -> object("type", array("array", "null"), "items", object("$ref", "#/$defs/descriptor"));
      case RATE_LIMIT -> object("$ref", "#/$defs/rateLimit");
      case REPLACES -> object("type", "array", "items", object("type", "object", "required", array("name"),
          "additionalProperties", false, "properties", object("name", object("$ref", "#/$defs/text"))));
      case RATE_POLICY -> object("$ref", "#/$defs/ratePolicy");
      case RATE_POLICIES -> object("type", "array", "minItems", 1, "items", object("$ref", "#/$defs/ratePolicy"));
      case MAPPING -> object("type", "object");
    };
  }
}
