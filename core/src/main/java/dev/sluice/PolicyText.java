package dev.sluice;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Policies from text and from maps (a configuration file's entries), and back to text: the one
 * syntax for configuration, which {@link dev.sluice.outbound.Throttles} reads (as will the planned
 * server).
 *
 * <pre>{@code
 * Policy api   = PolicyText.parse("api",   "token-bucket capacity=20 rate=100/1m");
 * Policy scans = PolicyText.parse("scans", "fixed-window limit=50GiB period=1d zone=Europe/Prague");
 * Policy llm   = PolicyText.parse("llm",   "sliding-log limit=30 window=1h");
 * Policy jobs  = PolicyText.parse("jobs",  "concurrency slots=5 ttl=10m");
 * Policy bytes = PolicyText.parse("bytes", Map.of("type", "budget", "limit", "50GiB", "period", "1d"));
 * String text  = PolicyText.format(api);   // "token-bucket capacity=20 rate=100/1m"
 * }</pre>
 *
 * <p>A spec is the policy's type followed by {@code field=value} pairs, separated by spaces or
 * commas, in any order, each field at most once (spaces around {@code =} and {@code /} are
 * allowed). The types and their fields (optional ones in
 * brackets) are:
 *
 * <ul>
 *   <li>{@code token-bucket capacity=<count> rate=<decimal>/<duration>}: {@link TokenBucket};
 *       the rate is read exactly ({@code 0.5/s} is one token every 2 s)
 *   <li>{@code fixed-window limit=<count> period=<period> [zone=<zone>]}: {@link FixedWindow}
 *   <li>{@code sliding-log limit=<count> window=<duration> [granularity=<duration>]}: {@link SlidingLog}
 *   <li>{@code sliding-counter limit=<count> window=<duration>}: {@link SlidingCounter}
 *   <li>{@code concurrency slots=<count> ttl=<duration>}: {@link Concurrency}
 *   <li>{@code budget limit=<count> period=<period> [zone=<zone>] [reservation-ttl=<duration>]
 *       [max-reservations=<count>]}: {@link Budget}
 * </ul>
 *
 * <p>A count is a whole number, with optional {@code _} between digits and an optional suffix:
 * {@code k M G T P} (powers of 1000), {@code KB MB GB TB PB} (the same, for bytes) or
 * {@code KiB MiB GiB TiB PiB} (powers of 1024): {@code 50GiB} is 53,687,091,200. A duration is one
 * or more number-unit pairs, units {@code ns us ms s m h d} ({@code 1h30m}, {@code 500ms}), or an
 * ISO-8601 duration ({@code PT1H30M}); in a rate, a lone unit means one of it ({@code 5/h}). A
 * period is a calendar period that starts at midnight in {@code zone} (UTC unless given):
 * {@code 1d} or {@code day}, {@code 1w} or {@code week} (ISO, from Monday), {@code 1mo} or
 * {@code month}, {@code 1y} or {@code year}; or any other duration ({@code 12h}, {@code 2d},
 * {@code 24h}), a fixed length aligned to the epoch, which takes no zone. So {@code period=1d} is
 * the UTC day and {@code period=24h} a fixed 24 hours; they admit the same, but only the first
 * follows a zone's midnight when one is given.
 *
 * <p>{@link #format} writes the shortest spec that {@link #parse(String, String)} reads back to an
 * equal policy (defaults omitted, counts as plain digits). The map form takes the same fields,
 * plus {@code type}; values are strings or whole numbers.
 *
 * <p>Every error in a spec or map is a {@link PolicyTextException} naming the policy, the field,
 * the value and what is allowed; an invalid name is an {@link IllegalArgumentException}, as from
 * the policies' constructors.
 */
public final class PolicyText {
  private PolicyText() {}

  /** The field that names the type in the map form. */
  public static final String TYPE = "type";

  private static final Pattern COUNT = Pattern.compile("([0-9](?:_?[0-9])*)(k|M|G|T|P|KB|MB|GB|TB|PB|KiB|MiB|GiB|TiB|PiB)?");
  private static final Pattern DURATION_PART = Pattern.compile("([0-9]+)(ns|us|ms|s|m|h|d)");
  private static final Pattern DECIMAL = Pattern.compile("[0-9]+(?:\\.[0-9]+)?");
  private static final Pattern AROUND_SIGNS = Pattern.compile("\\s*([=/])\\s*");
  private static final long MAX_NANOS = Checks.MAX_DURATION_NANOS;

  /** A policy type: its name in specs and its fields, required first. */
  private enum Type {
    TOKEN_BUCKET("token-bucket", 2, "capacity", "rate"),
    FIXED_WINDOW("fixed-window", 2, "limit", "period", "zone"),
    SLIDING_LOG("sliding-log", 2, "limit", "window", "granularity"),
    SLIDING_COUNTER("sliding-counter", 2, "limit", "window"),
    CONCURRENCY("concurrency", 2, "slots", "ttl"),
    BUDGET("budget", 2, "limit", "period", "zone", "reservation-ttl", "max-reservations");

    final String text;
    final int required;
    final List<String> fields;

    Type(String text, int required, String... fields) {
      this.text = text;
      this.required = required;
      this.fields = List.of(fields);
    }

    static Type of(String name, String text) {
      for (Type t : values()) {
        if (t.text.equals(text)) {
          return t;
        }
      }
      throw new PolicyTextException(name, TYPE, text,
          "is not a policy type; the types are " + types());
    }

    static String types() {
      List<String> all = new ArrayList<>();
      for (Type t : values()) {
        all.add(t.text);
      }
      return String.join(", ", all);
    }
  }

  /**
   * The policy {@code spec} describes, named {@code name}.
   *
   * @param name the policy's name (see {@link Policy#name()})
   * @param spec e.g. {@code "token-bucket capacity=20 rate=100/1m"}
   * @return the policy
   * @throws PolicyTextException naming the field, the value and what is allowed
   * @throws IllegalArgumentException if {@code name} is invalid (null, blank, over 128
   *     characters, or not well-formed UTF-16), as the policies' constructors refuse it
   */
  public static Policy parse(String name, String spec) {
    Checks.name(name);
    if (spec == null) {
      throw new PolicyTextException(name, "spec", null, "must not be null");
    }
    List<String> items = items(name, spec);
    if (items.isEmpty()) {
      throw new PolicyTextException(name, "spec", spec,
          "is empty; it starts with the policy's type, one of " + Type.types());
    }
    String first = items.get(0);
    if (first.indexOf('=') >= 0) {
      throw new PolicyTextException(name, TYPE, first,
          "is a field where the policy's type belongs; a spec starts with one of " + Type.types());
    }
    Type type = Type.of(name, first);
    Map<String, String> fields = new LinkedHashMap<>();
    for (String item : items.subList(1, items.size())) {
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new PolicyTextException(name, "spec", spec,
            "has '" + item + "' where a field=value pair belongs; the fields of " + type.text
                + " are " + String.join(", ", type.fields));
      }
      String field = item.substring(0, eq);
      String value = item.substring(eq + 1);
      if (fields.put(field, value) != null) {
        throw new PolicyTextException(name, field, value, "appears twice in '" + spec + "'");
      }
    }
    return build(name, type, fields);
  }

  /**
   * The policy a configuration map describes, named {@code name}: {@code type} and the same
   * fields as the text form, e.g. {@code {type: budget, limit: 50GiB, period: 1d}}. Values are
   * strings or whole numbers ({@code Integer}, {@code Long}, {@code BigInteger}).
   *
   * @param name the policy's name (see {@link Policy#name()})
   * @param map the {@value #TYPE} field and the policy's fields; not null, no null field name
   * @return the policy
   * @throws PolicyTextException naming the field, the value and what is allowed
   * @throws IllegalArgumentException if {@code name} is invalid (null, blank, over 128
   *     characters, or not well-formed UTF-16), as the policies' constructors refuse it
   */
  public static Policy parse(String name, Map<String, ?> map) {
    Checks.name(name);
    if (map == null) {
      throw new PolicyTextException(name, "map", null, "must not be null");
    }
    Object typeValue = map.get(TYPE);
    if (typeValue == null) {
      throw new PolicyTextException(name, TYPE, null, "is missing; it is one of " + Type.types());
    }
    Type type = Type.of(name, value(name, TYPE, typeValue));
    Map<String, String> fields = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      if (e.getKey() == null) {
        throw new PolicyTextException(name, "map", String.valueOf(map), "has a null field name");
      }
      if (!e.getKey().equals(TYPE)) {
        fields.put(e.getKey(), value(name, e.getKey(), e.getValue()));
      }
    }
    return build(name, type, fields);
  }

  /**
   * The spec of {@code policy}, without its name: {@link #parse(String, String)} with the
   * policy's name reads it back to an equal policy.
   *
   * @param policy the policy; not null
   * @return the spec, e.g. {@code "token-bucket capacity=20 rate=100/1m"}
   * @throws IllegalArgumentException if {@code policy} is null
   */
  public static String format(Policy policy) {
    Map<String, String> m = toMap(policy);
    return spec(m.get(TYPE), m);
  }

  /**
   * The map form of {@code policy}: {@code type} first, then its fields as text, defaults
   * omitted; {@link #parse(String, Map)} reads it back to an equal policy.
   *
   * @param policy the policy; not null
   * @return a new, modifiable map in that order
   * @throws IllegalArgumentException if {@code policy} is null
   */
  public static Map<String, String> toMap(Policy policy) {
    Checks.notNull("policy", policy);
    Map<String, String> m = new LinkedHashMap<>();
    if (policy instanceof TokenBucket p) {
      m.put(TYPE, Type.TOKEN_BUCKET.text);
      m.put("capacity", Long.toString(p.capacity()));
      m.put("rate", p.refillTokens() + "/" + duration(p.refillPeriod()));
    } else if (policy instanceof FixedWindow p) {
      m.put(TYPE, Type.FIXED_WINDOW.text);
      m.put("limit", Long.toString(p.limit()));
      period(m, p.window());
    } else if (policy instanceof SlidingLog p) {
      m.put(TYPE, Type.SLIDING_LOG.text);
      m.put("limit", Long.toString(p.limit()));
      m.put("window", duration(p.window()));
      if (!p.granularity().isZero()) {
        m.put("granularity", duration(p.granularity()));
      }
    } else if (policy instanceof SlidingCounter p) {
      m.put(TYPE, Type.SLIDING_COUNTER.text);
      m.put("limit", Long.toString(p.limit()));
      m.put("window", duration(p.window()));
    } else if (policy instanceof Concurrency p) {
      m.put(TYPE, Type.CONCURRENCY.text);
      m.put("slots", Long.toString(p.limit()));
      m.put("ttl", duration(p.leaseTtl()));
    } else {
      Budget p = (Budget) policy; // the last type Policy permits
      m.put(TYPE, Type.BUDGET.text);
      m.put("limit", Long.toString(p.limit()));
      period(m, p.period());
      if (!p.reservationTtl().equals(Budget.DEFAULT_RESERVATION_TTL)) {
        m.put("reservation-ttl", duration(p.reservationTtl()));
      }
      if (p.maxReservations() != Budget.DEFAULT_MAX_RESERVATIONS) {
        m.put("max-reservations", Integer.toString(p.maxReservations()));
      }
    }
    return m;
  }

  /**
   * A duration as text: number-unit pairs from days down to nanoseconds ({@code 1h30m},
   * {@code 500ms}), which {@link #parse} reads back exactly.
   *
   * @param d the duration, not negative
   * @return the text; {@code 0s} for zero
   * @throws IllegalArgumentException if {@code d} is null or negative
   */
  public static String duration(Duration d) {
    Checks.notNull("duration", d);
    if (d.isNegative()) {
      throw new IllegalArgumentException("duration (" + d + ") must not be negative");
    }
    if (d.isZero()) {
      return "0s";
    }
    long seconds = d.getSeconds();
    long nanos = d.getNano();
    StringBuilder out = new StringBuilder();
    long[] sizes = {86_400, 3_600, 60, 1};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (seconds >= sizes[i]) {
        out.append(seconds / sizes[i]).append(units[i]);
        seconds %= sizes[i];
      }
    }
    long[] nanoSizes = {1_000_000, 1_000, 1};
    String[] nanoUnits = {"ms", "us", "ns"};
    for (int i = 0; i < nanoSizes.length; i++) {
      if (nanos >= nanoSizes[i]) {
        out.append(nanos / nanoSizes[i]).append(nanoUnits[i]);
        nanos %= nanoSizes[i];
      }
    }
    return out.toString();
  }

  // ------------------------------------------------------------------------------------ building

  private static Policy build(String name, Type type, Map<String, String> fields) {
    for (String field : fields.keySet()) {
      if (!type.fields.contains(field)) {
        throw new PolicyTextException(name, field, fields.get(field),
            "is not a field of " + type.text + "; its fields are " + String.join(", ", type.fields));
      }
    }
    for (String field : type.fields.subList(0, type.required)) {
      if (!fields.containsKey(field)) {
        throw new PolicyTextException(name, field, null,
            "is missing; " + type.text + " needs " + String.join(" and ", type.fields.subList(0, type.required)));
      }
    }
    Fields f = new Fields(name, fields);
    try {
      return switch (type) {
        case TOKEN_BUCKET -> {
          long capacity = f.count("capacity");
          long[] rate = f.rate("rate");
          yield TokenBucket.of(name, capacity, rate[0], Duration.ofNanos(rate[1]));
        }
        case FIXED_WINDOW -> FixedWindow.of(name, f.count("limit"), f.period());
        case SLIDING_LOG -> fields.containsKey("granularity")
            ? new SlidingLog(name, f.count("limit"), f.duration("window"), f.duration("granularity"))
            : SlidingLog.of(name, f.count("limit"), f.duration("window"));
        case SLIDING_COUNTER -> SlidingCounter.of(name, f.count("limit"), f.duration("window"));
        case CONCURRENCY -> Concurrency.of(name, f.count("slots"), f.duration("ttl"));
        case BUDGET -> {
          long limit = f.count("limit");
          Window period = f.period();
          Duration ttl = fields.containsKey("reservation-ttl")
              ? f.duration("reservation-ttl") : Budget.DEFAULT_RESERVATION_TTL;
          long max = fields.containsKey("max-reservations")
              ? f.count("max-reservations") : Budget.DEFAULT_MAX_RESERVATIONS;
          if (max > Budget.MAX_RESERVATIONS) {
            throw new PolicyTextException(name, "max-reservations", fields.get("max-reservations"),
                "must be within [1, " + Budget.MAX_RESERVATIONS + "]");
          }
          yield new Budget(name, limit, period, ttl, (int) max);
        }
      };
    } catch (PolicyTextException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // a rule of the policy itself (e.g. a token bucket too large for exact arithmetic)
      throw new PolicyTextException(name, "spec", spec(type.text, fields), "is refused: " + e.getMessage(), e);
    }
  }

  /** A spec's text: the type, then {@code field=value} for every field but {@link #TYPE}. */
  private static String spec(String type, Map<String, String> fields) {
    StringBuilder out = new StringBuilder(type);
    fields.forEach((k, v) -> {
      if (!k.equals(TYPE)) {
        out.append(' ').append(k).append('=').append(v);
      }
    });
    return out.toString();
  }

  /** The fields of one spec, read with messages that name the policy, the field and the value. */
  private record Fields(String name, Map<String, String> values) {

    long count(String field) {
      String v = values.get(field);
      Matcher m = COUNT.matcher(v);
      String allowed = "must be a positive whole number, optionally with a suffix k, M, G, T, P (x1000),"
          + " KB .. PB (x1000) or KiB .. PiB (x1024), e.g. 100, 1_000, 50GiB";
      if (!m.matches()) {
        throw new PolicyTextException(name, field, v, allowed);
      }
      BigInteger n = new BigInteger(m.group(1).replace("_", "")).multiply(multiplier(m.group(2)));
      if (n.signum() == 0) {
        throw new PolicyTextException(name, field, v, "must be positive");
      }
      if (n.bitLength() > 63) {
        throw new PolicyTextException(name, field, v, "is " + n + "; at most " + Long.MAX_VALUE);
      }
      return n.longValueExact();
    }

    Duration duration(String field) {
      String v = values.get(field);
      long nanos = nanos(field, v, false);
      if (nanos == 0) {
        throw new PolicyTextException(name, field, v, "must be positive");
      }
      return Duration.ofNanos(nanos);
    }

    /** {tokens, periodNanos} for a rate such as {@code 100/1m} or {@code 0.5/s}, read exactly. */
    long[] rate(String field) {
      String v = values.get(field);
      int slash = v.indexOf('/');
      String allowed = "must be <decimal>/<duration>, e.g. 100/1m, 0.5/s, 5/h";
      if (slash < 0 || !DECIMAL.matcher(v.substring(0, slash)).matches()) {
        throw new PolicyTextException(name, field, v, allowed);
      }
      BigDecimal n = new BigDecimal(v.substring(0, slash)).stripTrailingZeros();
      if (n.signum() == 0) {
        throw new PolicyTextException(name, field, v, "must be positive");
      }
      long per;
      try {
        per = nanos(field, v.substring(slash + 1), true);
      } catch (PolicyTextException e) {
        throw new PolicyTextException(name, field, v, e.problem());
      }
      if (per == 0) {
        throw new PolicyTextException(name, field, v, "must have a positive period");
      }
      // n = unscaled / 10^scale tokens per `per` ns: unscaled/g tokens per per*10^scale/g ns
      BigInteger tokens = n.scale() <= 0 ? n.toBigIntegerExact() : n.unscaledValue();
      BigInteger nanos = BigInteger.valueOf(per);
      if (n.scale() > 0) {
        BigInteger denominator = BigInteger.TEN.pow(n.scale());
        BigInteger g = tokens.gcd(denominator);
        tokens = tokens.divide(g);
        nanos = nanos.multiply(denominator.divide(g));
      }
      if (tokens.bitLength() > 63) {
        throw new PolicyTextException(name, field, v,
            "is " + tokens + " tokens per period; at most " + Long.MAX_VALUE);
      }
      if (nanos.compareTo(BigInteger.valueOf(MAX_NANOS)) > 0) {
        throw new PolicyTextException(name, field, v, "is " + tokens + " tokens per " + nanos
            + " ns; the period must be at most 2^62 ns (about 146 years)");
      }
      return new long[] {tokens.longValueExact(), nanos.longValueExact()};
    }

    Window period() {
      String v = values.get("period");
      String zoneText = values.get("zone");
      Window.CalendarUnit unit = switch (v) {
        case "1d", "day" -> Window.CalendarUnit.DAY;
        case "1w", "week" -> Window.CalendarUnit.WEEK;
        case "1mo", "month" -> Window.CalendarUnit.MONTH;
        case "1y", "year" -> Window.CalendarUnit.YEAR;
        default -> null;
      };
      if (unit == null) {
        long nanos;
        try {
          nanos = nanos("period", v, false);
        } catch (PolicyTextException e) {
          throw new PolicyTextException(name, "period", v, "must be a calendar period (1d or day,"
              + " 1w or week, 1mo or month, 1y or year) or a fixed length such as 12h, 2d or PT90M");
        }
        if (nanos == 0) {
          throw new PolicyTextException(name, "period", v, "must be positive");
        }
        if (zoneText != null) {
          throw new PolicyTextException(name, "zone", zoneText, "applies only to a calendar period"
              + " (1d, 1w, 1mo, 1y); period=" + v + " is a fixed length aligned to the epoch");
        }
        return Window.of(Duration.ofNanos(nanos));
      }
      ZoneId zone = ZoneOffset.UTC;
      if (zoneText != null) {
        try {
          zone = ZoneId.of(zoneText);
          if (zone.normalized().equals(ZoneOffset.UTC)) {
            zone = ZoneOffset.UTC; // zone=UTC is Window.day()'s zone, so the policies are equal
          }
        } catch (DateTimeException e) {
          throw new PolicyTextException(name, "zone", zoneText,
              "is not a time zone; use a region such as Europe/Prague or an offset such as +02:00 or UTC");
        }
      }
      return switch (unit) {
        case DAY -> Window.day(zone);
        case WEEK -> Window.week(zone);
        case MONTH -> Window.month(zone);
        case YEAR -> Window.year(zone);
      };
    }

    /** The nanoseconds of a duration; {@code loneUnit}: a unit alone means one of it. */
    private long nanos(String field, String v, boolean loneUnit) {
      String allowed = "must be a duration: number-unit pairs with units ns, us, ms, s, m, h, d"
          + " (e.g. 90s, 1h30m, 500ms) or ISO-8601 (e.g. PT1H30M)";
      if (v.startsWith("P") || v.startsWith("p")) {
        Duration d;
        try {
          d = Duration.parse(v);
        } catch (DateTimeParseException e) {
          throw new PolicyTextException(name, field, v, allowed);
        }
        return checkedNanos(field, v, BigInteger.valueOf(d.getSeconds()).multiply(BigInteger.valueOf(1_000_000_000L))
            .add(BigInteger.valueOf(d.getNano())));
      }
      String text = loneUnit && !v.isEmpty() && !Character.isDigit(v.charAt(0)) ? "1" + v : v;
      Matcher m = DURATION_PART.matcher(text);
      BigInteger total = BigInteger.ZERO;
      int at = 0;
      while (at < text.length()) {
        if (!m.find(at) || m.start() != at) {
          throw new PolicyTextException(name, field, v, allowed);
        }
        total = total.add(new BigInteger(m.group(1)).multiply(BigInteger.valueOf(unitNanos(m.group(2)))));
        at = m.end();
      }
      if (at == 0) {
        throw new PolicyTextException(name, field, v, allowed);
      }
      return checkedNanos(field, v, total);
    }

    private long checkedNanos(String field, String v, BigInteger nanos) {
      if (nanos.signum() < 0) {
        throw new PolicyTextException(name, field, v, "must not be negative");
      }
      if (nanos.compareTo(BigInteger.valueOf(MAX_NANOS)) > 0) {
        throw new PolicyTextException(name, field, v, "exceeds the maximum of 2^62 ns (about 146 years)");
      }
      return nanos.longValueExact();
    }
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> 86_400_000_000_000L; // "d", the only other unit the pattern accepts
    };
  }

  private static BigInteger multiplier(String suffix) {
    if (suffix == null) {
      return BigInteger.ONE;
    }
    int power = "kKMGTP".indexOf(suffix.charAt(0));
    if (suffix.endsWith("iB")) {
      return BigInteger.valueOf(1024).pow(power == 0 ? 1 : power);
    }
    return BigInteger.valueOf(1000).pow(power == 0 ? 1 : power);
  }

  private static void period(Map<String, String> m, Window w) {
    if (w instanceof Window.Epoch e) {
      String d = duration(e.length());
      // 1d names the calendar day: a fixed length of exactly one day is written in hours so that
      // it reads back as a fixed length
      m.put("period", d.equals("1d") ? "24h" : d);
      return;
    }
    Window.Calendar c = (Window.Calendar) w;
    m.put("period", switch (c.unit()) {
      case DAY -> "1d";
      case WEEK -> "1w";
      case MONTH -> "1mo";
      case YEAR -> "1y";
    });
    if (!c.zone().equals(ZoneOffset.UTC)) {
      m.put("zone", c.zone().getId());
    }
  }

  /** Splits a spec into items at spaces and commas; an empty item between commas is an error. */
  private static List<String> items(String name, String original) {
    String spec = AROUND_SIGNS.matcher(original).replaceAll("$1"); // "rate = 2 / s" is "rate=2/s"
    List<String> items = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean afterComma = false;
    for (int i = 0; i <= spec.length(); i++) {
      char c = i < spec.length() ? spec.charAt(i) : ' ';
      if (c == ',' || Character.isWhitespace(c)) {
        if (cur.length() > 0) {
          items.add(cur.toString());
          cur.setLength(0);
          afterComma = false;
        }
        if (c == ',') {
          if (afterComma || items.isEmpty() || i == spec.length() - 1) {
            throw new PolicyTextException(name, "spec", original, "has an empty item between commas");
          }
          afterComma = true;
        }
      } else {
        cur.append(c);
      }
    }
    if (afterComma) {
      throw new PolicyTextException(name, "spec", original, "ends with a comma");
    }
    return items;
  }

  private static String value(String name, String field, Object value) {
    if (value instanceof String s) {
      return s.trim();
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof BigInteger) {
      return value.toString();
    }
    throw new PolicyTextException(name, field, String.valueOf(value), "must be text or a whole number, not "
        + (value == null ? "null" : value.getClass().getSimpleName()));
  }
}
