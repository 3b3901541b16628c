package dev.sluice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * yaml.v2's scalar resolution and Go's {@code %v}, value by value: the rules that decide whether
 * a file is accepted and what its fields hold, where YAML 1.2 (snakeyaml-engine's own schema)
 * would read the same text differently.
 */
class GoYamlTest {

  private static Object plain(String text) throws GoYaml.Failure {
    return GoYaml.scalar(null, text, true).value();
  }

  @Test
  void plainScalarsResolveByYaml11RulesNotYaml12() throws Exception {
    Map<String, Object> table = new LinkedHashMap<>();
    // booleans: YAML 1.1's words, exactly these spellings
    for (String t : List.of("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE")) {
      table.put(t, true);
    }
    for (String t : List.of("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE")) {
      table.put(t, false);
    }
    table.put("yEs", "yEs");
    table.put("oN", "oN");
    // integers: Go literals after removing every '_'
    table.put("5", 5L);
    table.put("+5", 5L);
    table.put("-5", -5L);
    table.put("010", 8L); // octal, as Go reads a leading 0 (YAML 1.2 reads 10)
    table.put("0o17", 15L);
    table.put("0x1F", 31L);
    table.put("0X1f", 31L);
    table.put("0b101", 5L);
    table.put("-0b101", -5L);
    table.put("1_000", 1000L);
    table.put("1__0", 10L);
    table.put("0", 0L);
    table.put("09", 9.0); // not octal: then the float rule reads it
    table.put("9223372036854775807", Long.MAX_VALUE);
    table.put("9223372036854775808", new BigInteger("9223372036854775808")); // uint64
    table.put("18446744073709551616", 1.8446744073709552E19); // beyond uint64: a float
    // floats
    table.put("1.5", 1.5);
    table.put("1e3", 1000.0);
    table.put("1.", 1.0);
    table.put(".5", 0.5);
    table.put("-.5", -0.5);
    table.put(".5_0", 0.5);
    table.put(".inf", Double.POSITIVE_INFINITY);
    table.put("-.Inf", Double.NEGATIVE_INFINITY);
    table.put("1e400", "1e400"); // overflows: text
    // nulls
    table.put("", null);
    table.put("~", null);
    table.put("null", null);
    table.put("NULL", null);
    table.put("nULL", "nULL");
    // text
    table.put("2001-12-14", "2001-12-14");
    table.put("1:30", "1:30");
    table.put("-", "-");
    table.put("_1", "_1");
    table.put("0x", "0x");
    table.put("<<", "<<");
    table.put("0x1p-2", "0x1p-2");
    table.put("\uFF11", "\uFF11"); // a fullwidth digit is not a digit to Go
    for (Map.Entry<String, Object> e : table.entrySet()) {
      assertThat(plain(e.getKey())).as("'%s'", e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void quotedScalarsAreTextAndTagsMustFit() throws Exception {
    assertThat(GoYaml.scalar(null, "yes", false).value()).isEqualTo("yes");
    assertThat(GoYaml.scalar(null, "5", false).value()).isEqualTo("5");
    assertThat(GoYaml.scalar("!!int", "12", false).value()).isEqualTo(12L);
    assertThat(GoYaml.scalar("!!float", "12", true).value()).isEqualTo(12.0);
    assertThat(GoYaml.scalar("!!str", "5", true).value()).isEqualTo("5");
    assertThat(GoYaml.scalar("!!bool", "on", true).value()).isEqualTo(true);
    assertThat(GoYaml.scalar("!custom", "5", true)).isEqualTo(new GoYaml.Resolved("!custom", "5"));
    assertThat(GoYaml.scalar("!!binary", "aGVsbG8=", true).value()).isEqualTo("hello");
    assertThat(GoYaml.scalar("!!timestamp", "2001-12-14", true).tag()).isEqualTo(GoYaml.TIMESTAMP);
    assertThatThrownBy(() -> GoYaml.scalar("!!int", "abc", true))
        .hasMessage("cannot decode !!str `abc` as a !!int");
    assertThatThrownBy(() -> GoYaml.scalar("!!bool", "5", true))
        .hasMessage("cannot decode !!int `5` as a !!bool");
    assertThatThrownBy(() -> GoYaml.scalar("!!null", "x", true))
        .hasMessage("cannot decode !!str `x` as a !!null");
    assertThatThrownBy(() -> GoYaml.scalar("!!timestamp", "2001-13-01", true))
        .hasMessage("cannot decode !!str `2001-13-01` as a !!timestamp");
    assertThatThrownBy(() -> GoYaml.scalar("!!binary", "aGVsbG8", true))
        .hasMessage("!!binary value contains invalid base64 data");
    assertThatThrownBy(() -> GoYaml.scalar("!!binary", "/w==", true))
        .hasMessage("!!binary value is not UTF-8 text");
  }

  @Test
  void timestampsFollowGosLayouts() {
    for (String ok : List.of("2001-12-14", "2001-1-2", "2001-12-14T21:59:43.10Z", "2001-12-14t21:59:43+05:00",
        "2001-12-14 21:59:43.1", "2000-02-29")) {
      assertThat(GoYaml.timestamp(ok)).as(ok).isTrue();
    }
    for (String bad : List.of("2001-12-14T21:59:43", "2001-12-14 21:59:43Z", "2001-02-29", "2001-12-14T24:00:00Z",
        "01-12-14", "2001-123-1")) {
      assertThat(GoYaml.timestamp(bad)).as(bad).isFalse();
    }
  }

  @Test
  void valuesPrintAsGosPercentV() {
    assertThat(GoYaml.format(0.25)).isEqualTo("0.25");
    assertThat(GoYaml.format(1.0)).isEqualTo("1");
    assertThat(GoYaml.format(123456.0)).isEqualTo("123456");
    assertThat(GoYaml.format(1e6)).isEqualTo("1e+06");
    assertThat(GoYaml.format(1234567.0)).isEqualTo("1.234567e+06");
    assertThat(GoYaml.format(0.0001)).isEqualTo("0.0001");
    assertThat(GoYaml.format(0.00001)).isEqualTo("1e-05");
    assertThat(GoYaml.format(-2.5e-300)).isEqualTo("-2.5e-300");
    assertThat(GoYaml.format(-0.0)).isEqualTo("-0");
    assertThat(GoYaml.format(Double.NaN)).isEqualTo("NaN");
    assertThat(GoYaml.format(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
    assertThat(GoYaml.format(null)).isEqualTo("<nil>");
    assertThat(GoYaml.format(true)).isEqualTo("true");
    assertThat(GoYaml.format(7L)).isEqualTo("7");
    assertThat(GoYaml.format(Arrays.asList("a", 1L, null))).isEqualTo("[a 1 <nil>]");
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put("b", 2L);
    m.put("a", 1L);
    assertThat(GoYaml.format(m)).isEqualTo("map[a:1 b:2]");
  }

  @Test
  void goIntegerParsingRefusesWhatGoRefuses() {
    assertThat(GoYaml.parseInt("-9223372036854775808")).isEqualTo(BigInteger.valueOf(Long.MIN_VALUE));
    assertThat(GoYaml.parseInt("-9223372036854775809")).isNull();
    assertThat(GoYaml.parseInt("+")).isNull();
    assertThat(GoYaml.parseInt("-0x")).isNull();
    assertThat(GoYaml.parseInt("08")).isNull();
    assertThat(GoYaml.parseUint("+5")).isNull();
    assertThat(GoYaml.parseUint("18446744073709551615")).isEqualTo(new BigInteger("18446744073709551615"));
    assertThat(GoYaml.parseUint("18446744073709551616")).isNull();
  }
}
