package dev.sluice.server.config;

import static dev.sluice.server.config.EnvoyCases.entries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files read as gopkg.in/yaml.v2 v2.4.0 reads them inside envoyproxy/ratelimit: every outcome
 * here (accepted with these values, or refused) is what their loader gives for the same text,
 * checked against yaml.v2 itself when these cases were written. YAML 1.2 (snakeyaml-engine's own
 * schema, and most YAML libraries today) would read many of them differently.
 */
class YamlCompatibilityTest {

  private static final String H = "domain: d\ndescriptors:\n";

  record Accepted(String name, String yaml, Consumer<RateLimitConfig> check) {
    @Override
    public String toString() {
      return name;
    }
  }

  record Refused(String name, String yaml, String path, String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static RateLimitConfig load(String yaml) throws ConfigException {
    return ConfigLoader.load(List.of(new ConfigFile("f.yaml", yaml)), false);
  }

  /** A one-descriptor file whose rate_limit has {@code requests_per_unit: text}. */
  private static String rpu(String text) {
    return H + "  - key: k\n    rate_limit:\n      unit: second\n      requests_per_unit: " + text + "\n";
  }

  /** A one-descriptor file whose descriptor has {@code value: text}. */
  private static String value(String text) {
    return H + "  - key: k\n    value: " + text + "\n    rate_limit: {unit: second, requests_per_unit: 1}\n";
  }

  private static Consumer<RateLimitConfig> limit(long requestsPerUnit) {
    return c -> assertThat(c.lookup("d", entries("k", "x")).requestsPerUnit()).isEqualTo(requestsPerUnit);
  }

  private static Consumer<RateLimitConfig> matches(String domain, String key, String value) {
    return c -> assertThat(c.lookup(domain, entries(key, value))).as("%s=%s", key, value).isNotNull();
  }

  static Stream<Accepted> accepted() {
    return Stream.of(
        new Accepted("YAML 1.1 booleans in flags", H + "  - key: k\n    shadow_mode: yes\n    quota_mode: on\n"
            + "    detailed_metric: Y\n    rate_limit: {unit: second, requests_per_unit: 1, unlimited: off}\n", c -> {
              RateLimitRule r = c.lookup("d", entries("k", "x"));
              assertThat(r.shadowMode()).isTrue();
              assertThat(r.quotaMode()).isTrue();
              assertThat(r.detailedMetric()).isTrue();
              assertThat(r.unlimited()).isFalse();
            }),
        new Accepted("a leading 0 is octal", rpu("010"), limit(8)),
        new Accepted("hex", rpu("0x10"), limit(16)),
        new Accepted("0o octal", rpu("0o17"), limit(15)),
        new Accepted("binary", rpu("0b101"), limit(5)),
        new Accepted("underscores", rpu("1_000"), limit(1000)),
        new Accepted("a plus sign", rpu("+5"), limit(5)),
        new Accepted("minus zero", rpu("-0"), limit(0)),
        new Accepted("uint32 max", rpu("4294967295"), limit(4_294_967_295L)),
        new Accepted("null is 0", rpu("~"), limit(0)),
        new Accepted("empty is 0", rpu(""), limit(0)),
        new Accepted("missing is 0", H + "  - key: k\n    rate_limit:\n      unit: second\n", limit(0)),
        new Accepted("!!int on a quoted number", rpu("!!int \"12\""), limit(12)),
        new Accepted("a value 'yes' is the text yes", value("yes"), matches("d", "k", "yes")),
        new Accepted("a value 0x1F is the text 0x1F", value("0x1F"), matches("d", "k", "0x1F")),
        new Accepted("a value 123", value("123"), matches("d", "k", "123")),
        new Accepted("a null value is no value", value("~"), c ->
            assertThat(c.lookup("d", entries("k", "anything")).fullKey()).isEqualTo("d.k")),
        new Accepted("an empty quoted value is no value", value("''"), c ->
            assertThat(c.lookup("d", entries("k", "anything")).fullKey()).isEqualTo("d.k")),
        new Accepted("a date is text", value("2001-12-14"), matches("d", "k", "2001-12-14")),
        new Accepted("!!binary is decoded", value("!!binary aGVsbG8="), matches("d", "k", "hello")),
        new Accepted("an unknown tag keeps the text", value("!custom foo"), matches("d", "k", "foo")),
        new Accepted("\\' escapes a quote, as libyaml reads it", value("\"it\\'s\""), matches("d", "k", "it's")),
        new Accepted("an 8-digit escape", value("\"\\U0001F600\""), matches("d", "k", "\uD83D\uDE00")),
        new Accepted("NEL is a line break", H + "  - key: k\n    value: \"one\u0085two\"\n"
            + "    rate_limit: {unit: second, requests_per_unit: 1}\n", matches("d", "k", "one two")),
        new Accepted("a number key and a boolean value are their text",
            H + "  - key: 5\n    value: false\n    rate_limit: {unit: second, requests_per_unit: 1}\n",
            matches("d", "5", "false")),
        new Accepted("a number domain is its text", "domain: 0o17\ndescriptors:\n  - key: k\n"
            + "    rate_limit: {unit: second, requests_per_unit: 1}\n", matches("0o17", "k", "x")),
        new Accepted("an alias reuses a rate_limit", H + "  - key: a\n    rate_limit: &rl {unit: minute, requests_per_unit: 7}\n"
            + "  - key: b\n    rate_limit: *rl\n", c -> {
              assertThat(c.lookup("d", entries("b", "x")).requestsPerUnit()).isEqualTo(7);
              assertThat(c.lookup("d", entries("b", "x")).unit()).isEqualTo(Unit.MINUTE);
            }),
        new Accepted("a merged rate_limit is decoded into the same struct, field by field",
            H + "  - &a\n    key: a\n    rate_limit: {unit: minute, requests_per_unit: 10, name: first}\n"
                + "  - <<: *a\n    key: b\n    rate_limit: {requests_per_unit: 20}\n", c -> {
              RateLimitRule b = c.lookup("d", entries("b", "x"));
              assertThat(b.requestsPerUnit()).isEqualTo(20);
              assertThat(b.unit()).isEqualTo(Unit.MINUTE);
              assertThat(b.name()).isEqualTo("first");
            }),
        new Accepted("in a merge list the earlier mapping wins", H + "  - <<: [{key: a, value: x}, {key: b, value: y,"
            + " shadow_mode: true}]\n    rate_limit: {unit: second, requests_per_unit: 3}\n", c ->
            assertThat(c.lookup("d", entries("a", "x")).shadowMode()).isTrue()),
        new Accepted("a repeated rate_limit merges into the first", H + "  - key: k\n"
            + "    rate_limit: {unit: minute, requests_per_unit: 10, name: first}\n"
            + "    rate_limit: {requests_per_unit: 20}\n", c -> {
              RateLimitRule r = c.lookup("d", entries("k", "x"));
              assertThat(r.requestsPerUnit()).isEqualTo(20);
              assertThat(r.unit()).isEqualTo(Unit.MINUTE);
              assertThat(r.name()).isEqualTo("first");
            }),
        new Accepted("only the last of a repeated key is checked for its keys", H + "  - key: k\n"
            + "    rate_limit: {unitt: x}\n    rate_limit: {unit: minute, requests_per_unit: 20}\n", limit(20)),
        new Accepted("a float hidden by a repeated key is truncated", H + "  - key: k\n"
            + "    rate_limit: {unit: minute, requests_per_unit: 5.7}\n    rate_limit: {unit: minute}\n", limit(5)),
        new Accepted("a repeated metadata merges", H + "  - key: k\n    metadata: {x: 1}\n    metadata: {y: two}\n"
            + "    rate_limit: {unit: minute, requests_per_unit: 1}\n", c ->
            assertThat(c.lookup("d", entries("k", "v")).metadata()).isEqualTo(Map.of("x", 1.0, "y", "two"))),
        new Accepted("metadata as a protobuf Struct holds it", H + "  - key: k\n    metadata:\n      n: 5\n"
            + "      b: yes\n      t: 2001-12-14\n      l: [1, two]\n      m: {1: one, true: yes, 1.50: f, 0x10: hex}\n"
            + "      1.50: top\n    rate_limit: {unit: second, requests_per_unit: 1}\n", c -> {
              Map<String, Object> m = c.lookup("d", entries("k", "v")).metadata();
              assertThat(m).containsEntry("n", 5.0).containsEntry("b", true).containsEntry("t", "2001-12-14")
                  .containsEntry("l", List.of(1.0, "two")).containsEntry("1.50", "top");
              assertThat(m.get("m")).isEqualTo(Map.of("1", "one", "true", true, "1.5", "f", "16", "hex"));
            }),
        new Accepted("only the first document is read", H + "  - key: k\n"
            + "    rate_limit: {unit: second, requests_per_unit: 1}\n---\nfoo: [\n", limit(1)),
        new Accepted("their whitelist knows no levels: a key of another level is ignored", "domain: d\n"
            + "requests_per_unit: 5\ndescriptors:\n  - key: k\n    requests_per_unit: 5\n    unit: minute\n"
            + "    domain: e\n    rate_limit: {unit: second, requests_per_unit: 1, key: z}\n", limit(1)),
        new Accepted("units are upper-cased as Go does", H + "  - key: a\n    rate_limit: {unit: MiNuTe, requests_per_unit: 1}\n"
            + "  - key: b\n    rate_limit: {unit: \u017Fecond, requests_per_unit: 1}\n", c -> {
              assertThat(c.lookup("d", entries("a", "x")).unit()).isEqualTo(Unit.MINUTE);
              assertThat(c.lookup("d", entries("b", "x")).unit()).isEqualTo(Unit.SECOND);
            }),
        new Accepted("unlimited ignores an invalid unit", H + "  - key: k\n    rate_limit: {unit: foo, unlimited: true}\n",
            c -> assertThat(c.lookup("d", entries("k", "x")).unlimited()).isTrue()),
        new Accepted("%YAML 1.1", "%YAML 1.1\n---\ndomain: d\n", c -> assertThat(c.domains()).containsExactly("d")),
        new Accepted("a byte order mark", "\uFEFFdomain: d\n", c -> assertThat(c.domains()).containsExactly("d")),
        new Accepted("!!bool on a quoted true", H + "  - key: k\n"
            + "    rate_limit: {requests_per_unit: 1, unlimited: !!bool \"true\"}\n",
            c -> assertThat(c.lookup("d", entries("k", "x")).unlimited()).isTrue()));
  }

  static Stream<Refused> refused() {
    String k = "domain 'd' > descriptor key 'k'";
    String rl = k + " > rate_limit > requests_per_unit";
    return Stream.of(
        new Refused("a quoted true is not a bool", H + "  - key: k\n    shadow_mode: \"true\"\n", k + " > shadow_mode",
            "error loading config file: line 4: cannot read 'true' as true or false (or yes/no, on/off)"),
        new Refused("1 is not a bool", H + "  - key: k\n    shadow_mode: 1\n", k + " > shadow_mode",
            "error loading config file: line 4: cannot read '1' as true or false (or yes/no, on/off)"),
        new Refused("above uint32", rpu("4294967296"), rl,
            "error loading config file: line 6: cannot read '4294967296' as a whole number from 0 to 4294967295"),
        new Refused("negative", rpu("-1"), rl,
            "error loading config file: line 6: cannot read '-1' as a whole number from 0 to 4294967295"),
        new Refused("a quoted number", rpu("\"5\""), rl,
            "error loading config file: line 6: cannot read '5' as a whole number from 0 to 4294967295"),
        new Refused("!!str on a number", rpu("!!str 5"), rl,
            "error loading config file: line 6: cannot read '5' as a whole number from 0 to 4294967295"),
        new Refused("yes is a bool, not a number", rpu("yes"), rl,
            "error loading config file: line 6: cannot read 'yes' as a whole number from 0 to 4294967295"),
        new Refused("a float", rpu("5.0"), rl, "error checking config: 5 is a float; a value is text,"
            + " a whole number or a boolean (quote it to make it text)"),
        new Refused("09 is no octal, so a float", rpu("09"), rl, "error checking config: 9 is a float; a value is"
            + " text, a whole number or a boolean (quote it to make it text)"),
        new Refused("beyond int64", rpu("18446744073709551615"), rl, "error checking config: 18446744073709551615 is"
            + " a whole number beyond int64; a value is text, a whole number or a boolean (quote it to make it text)"),
        new Refused("a float value", value("1.5"), "domain 'd' > descriptor key 'k' value '1.5' > value", "error checking config: 1.5 is a float; a value"
            + " is text, a whole number or a boolean (quote it to make it text)"),
        new Refused("a tag that does not fit", rpu("!!int abc"), "",
            "error loading config file: yaml: line 6: cannot decode !!str `abc` as a !!int"),
        new Refused("on is a boolean key", "on: x\ndomain: d\n", "domain 'd'",
            "config error, key is not of type string: true"),
        new Refused("a number key", "1: x\ndomain: d\n", "domain 'd'", "config error, key is not of type string: 1"),
        new Refused("a null key", "~: x\ndomain: d\n", "domain 'd'", "config error, key is not of type string: <nil>"),
        new Refused("a list key", "? [a, b]\n: x\ndomain: d\n", "",
            "error loading config file: yaml: line 1: invalid map key: [a b]"),
        new Refused("a quoted << is no merge", H + "  - \"<<\": {key: a}\n    key: b\n", "domain 'd' > descriptor key 'b'",
            "config error, unknown key '<<'"),
        new Refused("a merge of a scalar", H + "  - <<: x\n    key: a\n", "",
            "error loading config file: yaml: map merge requires map or sequence of maps as the value"),
        new Refused("an alias inside itself", "domain: d\ndescriptors: &x\n  - key: a\n    descriptors: *x\n", "",
            "error loading config file: yaml: anchor 'x' value contains itself"),
        new Refused("an unknown anchor", "domain: d\ndescriptors: *nope\n", "",
            "error loading config file: yaml: line 2: unknown anchor 'nope' referenced"),
        new Refused("an empty file", "", "", "config file cannot have empty domain"),
        new Refused("a null document", "~\n", "", "config file cannot have empty domain"),
        new Refused("a scalar document", "hello\n", "", "error loading config file: line 1: cannot read 'hello' as a"
            + " mapping (a config file is a mapping with domain and descriptors)"),
        new Refused("a null descriptor", H + "  -\n  - key: a\n", "domain 'd' > descriptors",
            "config error, yaml file contains list of type other than map: <nil>"),
        new Refused("descriptors as a mapping", "domain: d\ndescriptors: {key: a}\n", "domain 'd' > descriptors",
            "error loading config file: line 2: cannot read a mapping as a list of descriptors"),
        new Refused("rate_limit as a number", H + "  - key: a\n    rate_limit: 5\n",
            "domain 'd' > descriptor key 'a' > rate_limit",
            "error loading config file: line 4: cannot read '5' as a rate_limit (a mapping)"),
        new Refused("an empty rate_limit has no unit", H + "  - key: a\n    rate_limit: {}\n",
            "domain 'd' > descriptor key 'a' > rate_limit > unit", "invalid rate limit unit ''"),
        new Refused("metadata as a list", H + "  - key: a\n    metadata: [a]\n", "domain 'd' > descriptor key 'a' > metadata",
            "error loading config file: line 4: cannot read a list as a mapping"),
        new Refused("replaces as text", H + "  - key: a\n    rate_limit: {unit: second, name: n, replaces: x}\n",
            "domain 'd' > descriptor key 'a' > rate_limit > replaces",
            "error loading config file: line 4: cannot read 'x' as a list of {name: ...} entries"),
        new Refused("a replaces entry without a name", H + "  - key: a\n    rate_limit: {unit: second, name: n,"
            + " replaces: [{}]}\n", "domain 'd' > descriptor key 'a' > rate_limit > replaces #1",
            "should not have an empty replaces entry"),
        new Refused("%YAML 1.2", "%YAML 1.2\n---\ndomain: d\n", "",
            "error loading config file: yaml: line 1: found incompatible YAML document"),
        new Refused("\\/ is no YAML 1.1 escape", value("\"a\\/b\""), "",
            "error loading config file: yaml: line 4: found unknown escape character"),
        new Refused("an escaped surrogate", value("\"\\uD83D\\uDE00\""), "",
            "error loading config file: yaml: line 4: found invalid Unicode character escape code"),
        new Refused("!!str true is not a bool", H + "  - key: k\n"
            + "    rate_limit: {unit: second, requests_per_unit: 1, unlimited: !!str true}\n", k + " > rate_limit > unlimited",
            "error loading config file: line 4: cannot read 'true' as true or false (or yes/no, on/off)"),
        new Refused("excessive aliasing", "domain: d\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "e: &e [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n", "",
            "error loading config file: yaml: document contains excessive aliasing"),
        // not as theirs: U+2028 and U+2029, YAML 1.1 line breaks, are refused rather than followed
        new Refused("U+2028", "domain: d\u2028", "",
            "error loading config file: yaml: line 1: U+2028 (a YAML 1.1 line break) is not supported;"
                + " use a newline, or an escape in a double-quoted scalar"),
        // not as theirs: !!binary must be UTF-8 here (a Java String holds text, a Go string bytes)
        new Refused("!!binary that is not text", value("!!binary /w=="), "",
            "error loading config file: yaml: line 4: !!binary value is not UTF-8 text"),
        // not as theirs: nesting deeper than 1000 (theirs allows 10000)
        new Refused("nesting deeper than 1000", "domain: d\nx: " + "[".repeat(1001) + "]".repeat(1001) + "\n", "",
            "error loading config file: yaml: line 2: exceeded max depth of 1000"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void acceptedAsTheirsAcceptsIt(Accepted c) throws Exception {
    c.check().accept(load(c.yaml()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusedAsTheirsRefusesIt(Refused c) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> load(c.yaml()));
    assertThat(e).as("refused").isNotNull();
    assertThat(e.file()).isEqualTo("f.yaml");
    assertThat(e.path()).isEqualTo(c.path());
    assertThat(e.reason()).isEqualTo(c.reason());
  }
}
