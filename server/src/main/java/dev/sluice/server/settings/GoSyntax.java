package dev.sluice.server.settings;

import java.math.BigInteger;
import java.time.Duration;

/**
 * How envoyproxy/ratelimit reads a value from its environment: kelseyhightower/envconfig hands
 * booleans to Go's {@code strconv.ParseBool}, integers to {@code strconv.ParseInt(s, 0, 64)},
 * floats to {@code strconv.ParseFloat} and durations to {@code time.ParseDuration}. These are the
 * same rules, so a value their server accepts means the same here, and a value it refuses is
 * refused here too. Each parser returns the value or throws {@link IllegalArgumentException}
 * whose message says why (the caller adds the variable and the value).
 */
final class GoSyntax {

  private GoSyntax() {}

  /** What {@link #parseBool} accepts, for messages. */
  static final String BOOLS = "true or false (also 1, t, T, TRUE, True, 0, f, F, FALSE, False)";

  /** What {@link #parseInt} accepts, for messages. */
  static final String INTS = "a whole number (Go syntax: decimal, 0x hex, 0o or leading-0 octal, 0b binary)";

  /** What {@link #parseDuration} accepts, for messages. */
  static final String DURATIONS =
      "a Go duration: numbers with units, e.g. 500ms, 10s, 1m30s, 24h (units ns, us, ms, s, m, h)";

  /** What {@link #parseFloat} accepts, for messages. */
  static final String FLOATS = "a number, e.g. 0.8";

  private static final BigInteger TWO_63 = BigInteger.ONE.shiftLeft(63);
  private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /**
   * {@code strconv.ParseBool}: exactly 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
   */
  static boolean parseBool(String s) {
    switch (s) {
      case "1", "t", "T", "TRUE", "true", "True":
        return true;
      case "0", "f", "F", "FALSE", "false", "False":
        return false;
      default:
        throw new IllegalArgumentException("not a boolean");
    }
  }

  /**
   * {@code strconv.ParseInt(s, 0, 64)}: an optional sign, then decimal, {@code 0x} hex,
   * {@code 0o} or leading-{@code 0} octal, or {@code 0b} binary; underscores only between digits
   * (or after a base prefix).
   */
  static long parseInt(String s0) {
    if (s0.isEmpty()) {
      throw new IllegalArgumentException("empty");
    }
    String s = s0;
    boolean negative = false;
    if (s.charAt(0) == '+' || s.charAt(0) == '-') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    BigInteger magnitude = parseUnsigned(s);
    if (!negative && magnitude.compareTo(TWO_63) >= 0 || negative && magnitude.compareTo(TWO_63) > 0) {
      throw new IllegalArgumentException("out of range");
    }
    return negative ? magnitude.negate().longValueExact() : magnitude.longValueExact();
  }

  /** {@code strconv.ParseUint(s, 0, 64)}. */
  private static BigInteger parseUnsigned(String s0) {
    if (s0.isEmpty()) {
      throw new IllegalArgumentException("no digits");
    }
    String s = s0;
    int base = 10;
    if (s.charAt(0) == '0') {
      char p = s.length() >= 3 ? lower(s.charAt(1)) : 0;
      if (p == 'b' || p == 'o' || p == 'x') {
        base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
        s = s.substring(2);
      } else {
        base = 8;
        s = s.substring(1);
      }
    }
    BigInteger n = BigInteger.ZERO;
    BigInteger b = BigInteger.valueOf(base);
    boolean underscores = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      int d;
      if (c == '_') {
        underscores = true;
        continue;
      } else if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (lower(c) >= 'a' && lower(c) <= 'z') {
        d = lower(c) - 'a' + 10;
      } else {
        throw new IllegalArgumentException("not a number");
      }
      if (d >= base) {
        throw new IllegalArgumentException("not a number");
      }
      n = n.multiply(b).add(BigInteger.valueOf(d));
      if (n.compareTo(MAX_UINT64) > 0) {
        throw new IllegalArgumentException("out of range");
      }
    }
    if (underscores && !underscoreOk(s0)) {
      throw new IllegalArgumentException("misplaced underscore");
    }
    return n;
  }

  /** Go's {@code underscoreOK}: underscores only between digits, or between a base prefix and a digit. */
  static boolean underscoreOk(String s) {
    char saw = '^';
    int i = 0;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      s = s.substring(1);
    }
    boolean hex = false;
    if (s.length() >= 2 && s.charAt(0) == '0' && "box".indexOf(lower(s.charAt(1))) >= 0) {
      i = 2;
      saw = '0';
      hex = lower(s.charAt(1)) == 'x';
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9' || hex && lower(c) >= 'a' && lower(c) <= 'f') {
        saw = '0';
        continue;
      }
      if (c == '_') {
        if (saw != '0') {
          return false;
        }
        saw = '_';
        continue;
      }
      if (saw == '_') {
        return false;
      }
      saw = '!';
    }
    return saw != '_';
  }

  /**
   * {@code strconv.ParseFloat(s, bits)}: decimal or hex ({@code 0x1p-2}) floating-point literals
   * with optional underscores, {@code inf}, {@code infinity} (signed or not) and {@code nan}, any
   * case. A finite literal beyond the type's range is refused, as Go does.
   *
   * @param bits 32 or 64
   */
  static double parseFloat(String s, int bits) {
    String lowered = s.toLowerCase(java.util.Locale.ROOT);
    String unsigned = lowered.startsWith("+") || lowered.startsWith("-") ? lowered.substring(1) : lowered;
    if (unsigned.equals("inf") || unsigned.equals("infinity")) {
      return lowered.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lowered.equals("nan")) {
      return Double.NaN;
    }
    if (!floatLiteral(s)) {
      throw new IllegalArgumentException("not a number");
    }
    String plain = s.replace("_", "");
    double v = bits == 32 ? Float.parseFloat(plain) : Double.parseDouble(plain);
    if (Double.isInfinite(v)) {
      throw new IllegalArgumentException("out of range");
    }
    return v;
  }

  /** Go's {@code readFloat} grammar (every character consumed), underscores checked. */
  private static boolean floatLiteral(String s) {
    int i = 0;
    int n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    boolean hex = false;
    if (i + 2 < n && s.charAt(i) == '0' && lower(s.charAt(i + 1)) == 'x') {
      hex = true;
      i += 2;
    }
    boolean underscores = false;
    boolean sawDot = false;
    boolean sawDigits = false;
    for (; i < n; i++) {
      char c = s.charAt(i);
      if (c == '_') {
        underscores = true;
      } else if (c == '.') {
        if (sawDot) {
          break;
        }
        sawDot = true;
      } else if (c >= '0' && c <= '9' || hex && lower(c) >= 'a' && lower(c) <= 'f') {
        sawDigits = true;
      } else {
        break;
      }
    }
    if (!sawDigits) {
      return false;
    }
    char expChar = hex ? 'p' : 'e';
    if (i < n && lower(s.charAt(i)) == expChar) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      if (i >= n || s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
      for (; i < n && (s.charAt(i) >= '0' && s.charAt(i) <= '9' || s.charAt(i) == '_'); i++) {
        underscores |= s.charAt(i) == '_';
      }
    } else if (hex) {
      return false;
    }
    if (i != n) {
      return false;
    }
    return !underscores || underscoreOk(s);
  }

  /**
   * {@code time.ParseDuration}: {@code [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+}, units ns, us (µs, μs),
   * ms, s, m, h; {@code 0} alone needs no unit; at most 2^63-1 ns.
   */
  static Duration parseDuration(String orig) {
    String s = orig;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty");
    }
    BigInteger total = BigInteger.ZERO;
    while (!s.isEmpty()) {
      char c0 = s.charAt(0);
      if (!(c0 == '.' || c0 >= '0' && c0 <= '9')) {
        throw new IllegalArgumentException("not a duration");
      }
      int i = 0;
      BigInteger v = BigInteger.ZERO;
      for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
        v = v.multiply(BigInteger.TEN).add(BigInteger.valueOf(s.charAt(i) - '0'));
        if (v.compareTo(TWO_63) > 0) {
          throw new IllegalArgumentException("out of range");
        }
      }
      boolean pre = i > 0;
      boolean post = false;
      BigInteger f = BigInteger.ZERO;
      double scale = 1;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int start = i;
        boolean overflow = false;
        for (; i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++) {
          if (overflow) {
            continue;
          }
          BigInteger y = f.multiply(BigInteger.TEN).add(BigInteger.valueOf(s.charAt(i) - '0'));
          if (y.compareTo(TWO_63) > 0) {
            overflow = true;
            continue;
          }
          f = y;
          scale *= 10;
        }
        post = i > start;
      }
      if (!pre && !post) {
        throw new IllegalArgumentException("no digits");
      }
      int unitStart = i;
      for (; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '.' || c >= '0' && c <= '9') {
          break;
        }
      }
      if (i == unitStart) {
        throw new IllegalArgumentException("missing unit");
      }
      long unit = unitNanos(s.substring(unitStart, i));
      s = s.substring(i);
      BigInteger u = BigInteger.valueOf(unit);
      if (v.compareTo(TWO_63.divide(u)) > 0) {
        throw new IllegalArgumentException("out of range");
      }
      v = v.multiply(u);
      if (f.signum() > 0) {
        v = v.add(BigInteger.valueOf((long) (f.doubleValue() * ((double) unit / scale))));
        if (v.compareTo(TWO_63) > 0) {
          throw new IllegalArgumentException("out of range");
        }
      }
      total = total.add(v);
      if (total.compareTo(TWO_63) > 0) {
        throw new IllegalArgumentException("out of range");
      }
    }
    if (negative) {
      return Duration.ofNanos(total.negate().longValueExact());
    }
    if (total.compareTo(TWO_63) >= 0) {
      throw new IllegalArgumentException("out of range");
    }
    return Duration.ofNanos(total.longValueExact());
  }

  private static long unitNanos(String unit) {
    switch (unit) {
      case "ns":
        return 1L;
      case "us", "\u00b5s", "\u03bcs":
        return 1_000L;
      case "ms":
        return 1_000_000L;
      case "s":
        return 1_000_000_000L;
      case "m":
        return 60_000_000_000L;
      case "h":
        return 3_600_000_000_000L;
      default:
        throw new IllegalArgumentException("unknown unit '" + unit + "'");
    }
  }

  private static char lower(char c) {
    return (char) (c | ('x' - 'X'));
  }
}
