package dev.sluice.server.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scalar rules of gopkg.in/yaml.v2 (v2.4.0, built with Go 1.13 or later), which
 * envoyproxy/ratelimit reads its files with: YAML 1.1 resolution of plain scalars, and Go's
 * {@code %v} text of the values it resolves to, which their error messages show.
 *
 * <p>Resolution, for a plain scalar without a tag, by its first character:
 *
 * <ul>
 *   <li>{@code y Y n N t T f F o O ~}, or empty: only the fixed words — {@code y yes on true}
 *       (and their {@code Yes YES ...} spellings) are true, {@code n no off false} false,
 *       {@code ~ null Null NULL} and the empty scalar null; anything else is text;
 *   <li>a digit or a sign: with every {@code _} removed, a Go integer literal (decimal,
 *       {@code 0x}, {@code 0o}, {@code 0b}, or octal with a leading {@code 0}: {@code 010} is 8),
 *       within int64, else within uint64, else a decimal float
 *       ({@code [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?} that does not overflow);
 *       anything else is text;
 *   <li>{@code .}: {@code .inf .nan} spellings, or a float such as {@code .5};
 *   <li>any other first character: text.
 * </ul>
 *
 * <p>A quoted scalar is text. An explicit core tag ({@code !!str !!int !!bool !!float !!null
 * !!timestamp}) must resolve to its type ({@code !!float} also takes an integer); {@code !!binary}
 * is base64; any other tag leaves the text as it is. Values come back as Java objects: {@code null},
 * {@link Boolean}, {@link Long} (Go's {@code int}), {@link BigInteger} (Go's {@code uint64}, only
 * above {@link Long#MAX_VALUE}), {@link Double}, {@link String}.
 */
final class GoYaml {
  private GoYaml() {}

  static final String STR = "!!str";
  static final String INT = "!!int";
  static final String BOOL = "!!bool";
  static final String FLOAT = "!!float";
  static final String NULL = "!!null";
  static final String TIMESTAMP = "!!timestamp";
  static final String BINARY = "!!binary";
  static final String MAP = "!!map";
  static final String SEQ = "!!seq";
  static final String MERGE = "!!merge";

  private static final String LONG_PREFIX = "tag:yaml.org,2002:";
  private static final Pattern YAML_FLOAT =
      Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  /** What Go's ParseFloat reads after a leading dot: digits, '_' only between digits. */
  private static final Pattern DOT_FLOAT =
      Pattern.compile("\\.[0-9]+(_[0-9]+)*([eE][-+]?[0-9]+(_[0-9]+)*)?");
  private static final Pattern TIMESTAMP_TEXT = Pattern.compile(
      "([0-9]{4})-([0-9]{1,2}+)-([0-9]{1,2}+)"
          + "(?:([Tt ])([0-9]{1,2}+):([0-9]{1,2}+):([0-9]{1,2}+)(?:[.,][0-9]+)?"
          + "(Z|[-+][0-9]{2}:[0-9]{2})?)?");
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final BigInteger INT64_LIMIT = BigInteger.ONE.shiftLeft(63);
  private static final Map<String, Object> WORDS = words();

  /** A scalar resolved: its tag (short form) and value. */
  record Resolved(String tag, Object value) {}

  /** A YAML error that yaml.v2 raises while decoding (its {@code failf}). */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /** {@code tag:yaml.org,2002:x} as {@code !!x}; other tags unchanged. */
  static String shortTag(String tag) {
    return tag != null && tag.startsWith(LONG_PREFIX) ? "!!" + tag.substring(LONG_PREFIX.length()) : tag;
  }

  /**
   * A scalar as yaml.v2's decoder sees it: quoted and untagged is text; otherwise resolved.
   *
   * @param tag the explicit tag in short form, or null
   * @param value the scalar's text
   * @param plain whether the scalar is plain (unquoted)
   */
  static Resolved scalar(String tag, String value, boolean plain) throws Failure {
    if (tag == null && !plain) {
      return new Resolved(STR, value);
    }
    Resolved r = resolve(tag == null ? "" : tag, value);
    if (r.tag.equals(BINARY)) {
      return new Resolved(BINARY, binary(value));
    }
    return r;
  }

  /** yaml.v2's {@code resolve(tag, in)}. */
  static Resolved resolve(String tag, String in) throws Failure {
    switch (tag) {
      case "", STR, BOOL, INT, FLOAT, NULL, TIMESTAMP -> { }
      default -> {
        return new Resolved(tag, in);
      }
    }
    Resolved r = resolveUnchecked(tag, in);
    if (tag.isEmpty() || tag.equals(r.tag) || tag.equals(STR)) {
      return r;
    }
    if (tag.equals(FLOAT) && r.tag.equals(INT)) {
      return new Resolved(FLOAT, r.value instanceof Long l ? (double) l : ((BigInteger) r.value).doubleValue());
    }
    throw new Failure("cannot decode " + r.tag + " `" + in + "` as a " + tag);
  }

  private static Resolved resolveUnchecked(String tag, String in) {
    char hint = in.isEmpty() ? 'N' : hint(in.charAt(0));
    if (hint == 0 || tag.equals(STR)) {
      return new Resolved(STR, in);
    }
    if (WORDS.containsKey(in)) {
      Object v = WORDS.get(in);
      return new Resolved(v == null ? NULL : v instanceof Boolean ? BOOL : FLOAT, v);
    }
    if (hint == '.') {
      if (DOT_FLOAT.matcher(in).matches()) {
        double d = Double.parseDouble(in.replace("_", ""));
        if (!Double.isInfinite(d)) {
          return new Resolved(FLOAT, d);
        }
      }
    } else if (hint == 'D') {
      if ((tag.isEmpty() || tag.equals(TIMESTAMP)) && timestamp(in)) {
        return new Resolved(TIMESTAMP, in);
      }
      String plain = in.replace("_", "");
      BigInteger i = parseInt(plain);
      if (i != null) {
        return new Resolved(INT, i.longValueExact());
      }
      BigInteger u = parseUint(plain);
      if (u != null) {
        return new Resolved(INT, u);
      }
      if (YAML_FLOAT.matcher(plain).matches()) {
        double d = Double.parseDouble(plain);
        if (!Double.isInfinite(d)) {
          return new Resolved(FLOAT, d);
        }
      }
    }
    return new Resolved(STR, in);
  }

  /** 'D' for a digit or sign, '.' for a dot, 'M' for a letter that starts a fixed word, else 0. */
  private static char hint(char c) {
    if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
      return 'D';
    }
    if (c == '.') {
      return '.';
    }
    return "yYnNtTfFoO~".indexOf(c) >= 0 ? 'M' : 0;
  }

  private static Map<String, Object> words() {
    Map<String, Object> m = new java.util.HashMap<>();
    for (String s : List.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")) {
      m.put(s, Boolean.TRUE);
    }
    for (String s : List.of("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")) {
      m.put(s, Boolean.FALSE);
    }
    for (String s : List.of("", "~", "null", "Null", "NULL")) {
      m.put(s, null);
    }
    for (String s : List.of(".nan", ".NaN", ".NAN")) {
      m.put(s, Double.NaN);
    }
    for (String s : List.of(".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")) {
      m.put(s, Double.POSITIVE_INFINITY);
    }
    for (String s : List.of("-.inf", "-.Inf", "-.INF")) {
      m.put(s, Double.NEGATIVE_INFINITY);
    }
    return m;
  }

  /** Go's {@code strconv.ParseInt(s, 0, 64)}: the value, or null on a syntax or range error. */
  static BigInteger parseInt(String s) {
    if (s.isEmpty()) {
      return null;
    }
    boolean negative = s.charAt(0) == '-';
    String digits = s.charAt(0) == '+' || negative ? s.substring(1) : s;
    BigInteger u = parseUint(digits);
    if (u == null) {
      return null;
    }
    BigInteger v = negative ? u.negate() : u;
    return v.compareTo(INT64_LIMIT) >= 0 || v.compareTo(INT64_LIMIT.negate()) < 0 ? null : v;
  }

  /** Go's {@code strconv.ParseUint(s, 0, 64)} (no sign, no '_'): the value, or null. */
  static BigInteger parseUint(String s) {
    if (s.isEmpty()) {
      return null;
    }
    int radix = 10;
    String digits = s;
    if (s.charAt(0) == '0') {
      char p = s.length() >= 3 ? Character.toLowerCase(s.charAt(1)) : 0;
      radix = p == 'b' ? 2 : p == 'o' ? 8 : p == 'x' ? 16 : 8;
      digits = s.substring(p == 'b' || p == 'o' || p == 'x' ? 2 : 1);
    }
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c >= 128 || Character.digit(c, radix) < 0) {
        return null;
      }
    }
    BigInteger v = digits.isEmpty() ? BigInteger.ZERO : new BigInteger(digits, radix);
    return v.compareTo(UINT64_MAX) > 0 ? null : v;
  }

  /** Whether Go's time.Parse reads {@code s} in one of yaml.v2's four timestamp layouts. */
  static boolean timestamp(String s) {
    Matcher m = TIMESTAMP_TEXT.matcher(s);
    if (!m.matches()) {
      return false;
    }
    String sep = m.group(4);
    String zone = m.group(8);
    if (sep != null && (sep.equals(" ") ? zone != null : zone == null)) {
      return false;
    }
    try {
      LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    } catch (DateTimeException e) {
      return false;
    }
    if (sep != null && (Integer.parseInt(m.group(5)) > 23 || Integer.parseInt(m.group(6)) > 59
        || Integer.parseInt(m.group(7)) > 59)) {
      return false;
    }
    return zone == null || zone.equals("Z")
        || (Integer.parseInt(zone.substring(1, 3)) <= 24 && Integer.parseInt(zone.substring(4, 6)) <= 60);
  }

  /**
   * A {@code !!binary} scalar: Go's strict base64 (padding required, line breaks ignored). The
   * bytes must be UTF-8 text here: a Java String cannot hold other bytes the way a Go string does.
   */
  private static String binary(String text) throws Failure {
    String clean = text.replace("\r", "").replace("\n", "");
    byte[] bytes;
    try {
      if (clean.length() % 4 != 0) {
        throw new IllegalArgumentException("unpadded");
      }
      bytes = Base64.getDecoder().decode(clean);
    } catch (IllegalArgumentException e) {
      throw new Failure("!!binary value contains invalid base64 data");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Failure("!!binary value is not UTF-8 text");
    }
  }

  // ---------------------------------------------------------------------------------- Go's %v

  /** A decoded value as Go's {@code fmt} prints it with {@code %v}. */
  static String format(Object v) {
    if (v == null) {
      return "<nil>";
    }
    if (v instanceof Double d) {
      return formatFloat(d);
    }
    if (v instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      for (Object o : list) {
        items.add(format(o));
      }
      return "[" + String.join(" ", items) + "]";
    }
    if (v instanceof Map<?, ?> map) {
      List<String> items = new ArrayList<>();
      map.forEach((k, val) -> items.add(format(k) + ":" + format(val)));
      items.sort(null);
      return "map[" + String.join(" ", items) + "]";
    }
    return v.toString();
  }

  /** Go's {@code %v} of a float64: shortest digits, exponent form below 1e-4 and from 1e6. */
  static String formatFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    String sign = (d < 0 || (d == 0 && 1 / d < 0)) ? "-" : "";
    if (d == 0) {
      return sign + "0";
    }
    BigDecimal b = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = b.unscaledValue().toString();
    int exp = digits.length() - 1 - b.scale();
    if (exp < -4 || exp >= 6) {
      String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      int e = Math.abs(exp);
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    }
    if (exp < 0) {
      return sign + "0." + "0".repeat(-exp - 1) + digits;
    }
    if (digits.length() > exp + 1) {
      return sign + digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
    }
    return sign + digits + "0".repeat(exp + 1 - digits.length());
  }
}
