package dev.sluice.outbound;

import dev.sluice.spi.Algorithm;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for what an upstream says about its limits: {@code Retry-After} (RFC 9110 §10.2.3) and
 * the IETF {@code RateLimit} / {@code RateLimit-Policy} fields (draft-ietf-httpapi-ratelimit-headers).
 * Each turns a header into a pause, in nanoseconds from now; nothing here reads a clock or keeps
 * state. Anything that does not parse is refused with an {@link IllegalArgumentException} naming
 * the header and the value.
 *
 * <h2>Retry-After</h2>
 * Either delay-seconds ({@code 1*DIGIT}: {@code "120"}) or an HTTP-date, in any of the three forms
 * a recipient must accept: IMF-fixdate ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}), the obsolete
 * RFC 850 form ({@code "Wednesday, 21-Oct-15 07:28:00 GMT"}, a two-digit year more than 50 years
 * ahead meaning the century before) and asctime ({@code "Wed Oct 21 07:28:00 2015"}). A date is
 * compared with the wall clock; a date in the past means no pause.
 *
 * <h2>RateLimit</h2>
 * Both shapes seen in the wild are Structured Fields (RFC 8941):
 * <ul>
 *   <li>the current draft: a List of policies, each a String (or token) naming the policy with
 *       the parameters {@code r} (remaining quota units, required) and {@code t} (seconds until
 *       the quota resets, optional): {@code "default";r=0;t=30}. When {@code t} is missing, the
 *       window {@code w} of the policy of the same name in {@code RateLimit-Policy}
 *       ({@code "default";q=100;w=60}) stands in for it;</li>
 *   <li>the older draft: a Dictionary {@code limit=100, remaining=0, reset=30}, with
 *       {@code remaining} required and {@code reset} required when nothing remains.</li>
 * </ul>
 * A policy with nothing remaining pauses until its reset; with several such policies, the longest
 * reset wins; while something remains, there is no pause. Unknown parameters and keys are ignored
 * (the fields are extensible).
 *
 * <p>Durations saturate at 2^62 ns (about 146 years), the clocks' range.
 */
final class RetryHeaders {
  private RetryHeaders() {}

  /** The longest pause, in nanoseconds: 2^62, the end of the clocks' range. */
  static final long MAX_NANOS = Algorithm.MAX_NANOS;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private static final Pattern DELAY_SECONDS = Pattern.compile("[0-9]+");

  /** RFC 850: {@code Sunday, 06-Nov-94 08:49:37 GMT}; the day name is checked by the formatter. */
  private static final Pattern RFC_850 = Pattern.compile(
      "([A-Za-z]+), ([0-9]{2})-([A-Za-z]{3})-([0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) GMT");

  private static final DateTimeFormatter RFC_850_FULL =
      DateTimeFormatter.ofPattern("EEEE, dd-MMM-uuuu HH:mm:ss", Locale.US);

  /** asctime: {@code Sun Nov  6 08:49:37 1994} (the day of the month padded with a space). */
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss uuuu", Locale.US);

  /**
   * The pause a {@code Retry-After} value asks for, in nanoseconds from now.
   *
   * @param value the field value: delay-seconds or an HTTP-date
   * @param wallNanos the wall clock now, in nanoseconds since the epoch (dates are compared with it)
   * @return the pause, in {@code [0, 2^62]}; 0 for a date in the past
   */
  static long retryAfterNanos(String value, long wallNanos) {
    if (value == null) {
      throw new IllegalArgumentException("Retry-After must not be null");
    }
    String v = value.trim();
    if (DELAY_SECONDS.matcher(v).matches()) {
      return secondsToNanos(v);
    }
    long dateSeconds = httpDateSeconds(v, wallNanos);
    if (dateSeconds == Long.MIN_VALUE) {
      throw new IllegalArgumentException("Retry-After '" + value
          + "' is neither delay-seconds (e.g. 120) nor an HTTP-date (e.g. Wed, 21 Oct 2015 07:28:00 GMT)");
    }
    long dateNanos = dateSeconds > MAX_NANOS / NANOS_PER_SECOND
        ? MAX_NANOS
        : Math.max(0, dateSeconds) * NANOS_PER_SECOND;
    return Math.max(0, Math.min(MAX_NANOS, dateNanos - wallNanos));
  }

  /** Epoch seconds of an HTTP-date in any of its three forms, or {@link Long#MIN_VALUE}. */
  private static long httpDateSeconds(String v, long wallNanos) {
    try {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
    } catch (DateTimeParseException e) {
      // not IMF-fixdate; try the obsolete forms
    }
    Matcher m = RFC_850.matcher(v);
    if (m.matches()) {
      int nowYear = LocalDateTime.ofEpochSecond(
          Math.floorDiv(wallNanos, NANOS_PER_SECOND), 0, ZoneOffset.UTC).getYear();
      // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is the most recent past one.
      int year = nowYear - Math.floorMod(nowYear, 100) + Integer.parseInt(m.group(4));
      if (year > nowYear + 50) {
        year -= 100;
      }
      String full = m.group(1) + ", " + m.group(2) + "-" + m.group(3) + "-" + year + " " + m.group(5);
      try {
        return LocalDateTime.parse(full, RFC_850_FULL).toEpochSecond(ZoneOffset.UTC);
      } catch (DateTimeException e) {
        return Long.MIN_VALUE;
      }
    }
    try {
      return LocalDateTime.parse(v, ASCTIME).toEpochSecond(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * The pause a {@code RateLimit} field asks for, in nanoseconds from now.
   *
   * @param rateLimit the {@code RateLimit} field value, in either form
   * @param rateLimitPolicy the {@code RateLimit-Policy} field value, or {@code null} if absent;
   *     when given it must parse, whether or not it is needed
   * @return the longest reset among the policies with nothing remaining, in {@code [0, 2^62]};
   *     0 if every policy has quota left (or an exhausted one gives no reset and no window)
   */
  static long rateLimitNanos(String rateLimit, String rateLimitPolicy) {
    if (rateLimit == null) {
      throw new IllegalArgumentException("RateLimit must not be null");
    }
    Map<String, Long> windows = rateLimitPolicy == null
        ? Map.of()
        : policyWindows(rateLimitPolicy);
    List<Member> members = parse("RateLimit", rateLimit);
    boolean dictionary = members.stream().anyMatch(x -> x.key != null);
    if (dictionary) {
      return oldForm(rateLimit, members);
    }
    long pause = 0;
    for (Member m : members) {
      if (!(m.value instanceof String)) {
        throw bad("RateLimit", rateLimit, "each policy must be named by a string, e.g. \"default\";r=0;t=30");
      }
      long remaining = nonNegativeInteger("RateLimit", rateLimit, m.params, "r", true);
      long reset = nonNegativeInteger("RateLimit", rateLimit, m.params, "t", false);
      if (remaining == 0) {
        long seconds = reset >= 0 ? reset : windows.getOrDefault((String) m.value, 0L);
        pause = Math.max(pause, secondsToNanos(seconds));
      }
    }
    return pause;
  }

  /** {@code limit=100, remaining=0, reset=30}. */
  private static long oldForm(String rateLimit, List<Member> members) {
    Map<String, Object> dict = new HashMap<>();
    for (Member m : members) {
      if (m.key == null) {
        throw bad("RateLimit", rateLimit, "mixes a list with a dictionary");
      }
      dict.put(m.key, m.value); // RFC 8941: a repeated key's last value wins
    }
    long remaining = nonNegativeInteger("RateLimit", rateLimit, dict, "remaining", true);
    if (remaining > 0) {
      return 0;
    }
    return secondsToNanos(nonNegativeInteger("RateLimit", rateLimit, dict, "reset", true));
  }

  /**
   * The windows ({@code w}, seconds) of a {@code RateLimit-Policy} field by policy name; unnamed
   * policies (the older {@code 100;w=60} form) are checked and skipped.
   */
  private static Map<String, Long> policyWindows(String value) {
    Map<String, Long> windows = new HashMap<>();
    for (Member m : parse("RateLimit-Policy", value)) {
      if (m.key != null || !(m.value instanceof String || m.value instanceof Long)) {
        throw bad("RateLimit-Policy", value,
            "each policy must be a name or a quota with parameters, e.g. \"default\";q=100;w=60");
      }
      nonNegativeInteger("RateLimit-Policy", value, m.params, "q", false);
      long w = nonNegativeInteger("RateLimit-Policy", value, m.params, "w", false);
      if (m.value instanceof String && w >= 0) {
        windows.put((String) m.value, w);
      }
    }
    return windows;
  }

  /** The integer {@code name} of {@code map}; -1 when absent and not required. */
  private static long nonNegativeInteger(
      String header, String value, Map<String, Object> map, String name, boolean required) {
    Object x = map.get(name);
    if (x == null) {
      if (required) {
        throw bad(header, value, "'" + name + "' is missing");
      }
      return -1;
    }
    if (!(x instanceof Long) || (Long) x < 0) {
      throw bad(header, value, "'" + name + "' must be a non-negative integer, not " + x);
    }
    return (Long) x;
  }

  /** Whole seconds (digits or a value) to nanoseconds, saturating at 2^62. */
  private static long secondsToNanos(String digits) {
    String d = digits.replaceFirst("^0+(?=.)", "");
    return d.length() > 18 ? MAX_NANOS : secondsToNanos(Long.parseLong(d));
  }

  private static long secondsToNanos(long seconds) {
    return seconds > MAX_NANOS / NANOS_PER_SECOND ? MAX_NANOS : seconds * NANOS_PER_SECOND;
  }

  private static IllegalArgumentException bad(String header, String value, String why) {
    return new IllegalArgumentException(header + " '" + value + "' does not parse: " + why);
  }

  // --- A Structured Fields (RFC 8941) reader: Lists and Dictionaries of bare items. ---

  /** The value of a Boolean true (a Dictionary key or a parameter without a value). */
  private static final Object TRUE = Boolean.TRUE;

  /**
   * One member of a List or Dictionary.
   *
   * @param key the Dictionary key, or null for a List item
   * @param value Long (integer), BigDecimal (decimal), String (string or token),
   *     Boolean, or byte[] for a byte sequence
   * @param params the parameters
   */
  private record Member(String key, Object value, Map<String, Object> params) {}

  /** Reads a List or a Dictionary (or a mix, which the callers refuse); inner lists are refused. */
  private static List<Member> parse(String header, String value) {
    SfReader r = new SfReader(header, value);
    List<Member> out = new ArrayList<>();
    r.skipOws();
    if (r.atEnd()) {
      throw bad(header, value, "it is empty");
    }
    for (;;) {
      out.add(r.member());
      r.skipOws();
      if (r.atEnd()) {
        return out;
      }
      r.expect(',');
      r.skipOws();
      if (r.atEnd()) {
        throw r.fail("a trailing comma");
      }
    }
  }

  /** A cursor over one field value. */
  private static final class SfReader {
    private final String header;
    private final String s;
    private int i;

    SfReader(String header, String s) {
      this.header = header;
      this.s = s;
    }

    boolean atEnd() {
      return i >= s.length();
    }

    void skipSpaces() {
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
    }

    void skipOws() {
      while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
    }

    IllegalArgumentException fail(String what) {
      return bad(header, s, what + " at character " + (i + 1));
    }

    void expect(char c) {
      if (i >= s.length() || s.charAt(i) != c) {
        throw fail("expected '" + c + "'");
      }
      i++;
    }

    Member member() {
      if (i < s.length() && s.charAt(i) == '(') {
        throw fail("an inner list, which no rate limit field uses,");
      }
      if (i < s.length() && isKeyStart(s.charAt(i))) {
        // A Dictionary key, or a token item: read the key and see whether '=' or ';' follows.
        int start = i;
        String key = key();
        if (i < s.length() && s.charAt(i) == '=') {
          i++;
          if (i < s.length() && s.charAt(i) == '(') {
            throw fail("an inner list, which no rate limit field uses,");
          }
          return new Member(key, bareItem(), params());
        }
        if (i >= s.length() || s.charAt(i) == ';' || s.charAt(i) == ',' || s.charAt(i) == ' '
            || s.charAt(i) == '\t') {
          // Ambiguous: a boolean Dictionary member or a token item. A token names a policy in the
          // List form; a lone key in a Dictionary is a flag that no rate limit field uses.
          return new Member(null, key, params());
        }
        i = start; // a token with characters beyond a key's, e.g. "Default" or "a/b"
      }
      return new Member(null, bareItem(), params());
    }

    private Map<String, Object> params() {
      Map<String, Object> params = new HashMap<>();
      while (i < s.length() && s.charAt(i) == ';') {
        i++;
        skipSpaces();
        String key = key();
        Object v = TRUE;
        if (i < s.length() && s.charAt(i) == '=') {
          i++;
          v = bareItem();
        }
        params.put(key, v);
      }
      return params;
    }

    private static boolean isKeyStart(char c) {
      return (c >= 'a' && c <= 'z') || c == '*';
    }

    private static boolean isKeyChar(char c) {
      return isKeyStart(c) || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    }

    private String key() {
      if (i >= s.length() || !isKeyStart(s.charAt(i))) {
        throw fail("expected a key (lowercase letter or '*')");
      }
      int start = i;
      while (i < s.length() && isKeyChar(s.charAt(i))) {
        i++;
      }
      return s.substring(start, i);
    }

    private Object bareItem() {
      if (i >= s.length()) {
        throw fail("expected a value");
      }
      char c = s.charAt(i);
      if (c == '-' || (c >= '0' && c <= '9')) {
        return number();
      }
      if (c == '"') {
        return string();
      }
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*') {
        return token();
      }
      if (c == '?') {
        if (i + 1 < s.length() && (s.charAt(i + 1) == '0' || s.charAt(i + 1) == '1')) {
          i += 2;
          return s.charAt(i - 1) == '1';
        }
        throw fail("expected ?0 or ?1");
      }
      if (c == ':') {
        int end = s.indexOf(':', i + 1);
        if (end < 0) {
          throw fail("an unterminated byte sequence");
        }
        String b64 = s.substring(i + 1, end);
        try {
          byte[] bytes = Base64.getDecoder().decode(b64);
          i = end + 1;
          return bytes;
        } catch (IllegalArgumentException e) {
          throw fail("a byte sequence that is not base64");
        }
      }
      throw fail("unexpected '" + c + "'");
    }

    private Object number() {
      int start = i;
      if (s.charAt(i) == '-') {
        i++;
      }
      int digitsStart = i;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
      }
      int intDigits = i - digitsStart;
      if (intDigits == 0) {
        throw fail("expected a digit");
      }
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fracStart = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
          i++;
        }
        int fracDigits = i - fracStart;
        if (intDigits > 12 || fracDigits < 1 || fracDigits > 3) {
          throw fail("a decimal out of range (at most 12 digits, a point, 1 to 3 digits)");
        }
        return new BigDecimal(s.substring(start, i));
      }
      if (intDigits > 15) {
        throw fail("an integer of more than 15 digits");
      }
      return Long.parseLong(s.substring(start, i));
    }

    private String string() {
      StringBuilder b = new StringBuilder();
      i++; // opening quote
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c == '\\') {
          if (i >= s.length() || (s.charAt(i) != '"' && s.charAt(i) != '\\')) {
            throw fail("a bad escape in a string");
          }
          c = s.charAt(i++);
        } else if (c < 0x20 || c > 0x7e) {
          throw fail("a character outside printable ASCII in a string");
        }
        b.append(c);
      }
      throw fail("an unterminated string");
    }

    private String token() {
      int start = i;
      i++;
      while (i < s.length() && isTokenChar(s.charAt(i))) {
        i++;
      }
      return s.substring(start, i);
    }

    private static boolean isTokenChar(char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~:/".indexOf(c) >= 0;
    }
  }
}
