package dev.sluice.outbound;

import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outbound throttle registry: one named {@link Throttle} per upstream, so a whole application
 * calls each third-party API no faster than that API allows. Thread-safe; one instance is meant
 * to be shared by the whole application, on the application's {@link Sluice}.
 *
 * <pre>{@code
 * Throttles throttles = Throttles.create(sluice)
 *     .configure(Map.of("anilist", "capacity=30, rate=0.5/s", "quote", "capacity=5, rate=5/h"));
 * throttles.register("jikan", 3, 1, Duration.ofSeconds(1));
 * Decision d = throttles.get("jikan").acquire(1, Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Limits are defined in code ({@link #register(String, long, long, Duration)}) or as text
 * ({@link #configure(Map)}, {@link #register(String, String)}): {@code "capacity=30, rate=0.5/s"},
 * where the rate is a decimal number per {@code s}, {@code m}, {@code h} or {@code d}, read
 * exactly ({@code 0.5/s} is one token every 2 s, {@code 0.3/m} three every 10 minutes).
 *
 * <p>Registering a name again replaces its throttle: {@link #get} returns the new one, which
 * continues the old one's pause and slow mode and, if the limit changed, starts with what the old
 * bucket had used (the upstream does not forget because our configuration changed). A caller
 * still holding the old throttle keeps charging the old bucket.
 *
 * <p>Bucket state lives in the engine's store, under the throttle's policy and its name as the
 * key; pauses live in the {@link Throttle} objects, in this process.
 */
public final class Throttles {

  private static final Pattern CAPACITY = Pattern.compile("[0-9]+");
  private static final Pattern RATE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*/\\s*([smhd])");
  private static final long MAX_PERIOD_SECONDS = (1L << 62) / 1_000_000_000L;

  private final Sluice sluice;
  private final ConcurrentHashMap<String, Throttle> throttles = new ConcurrentHashMap<>();

  /** An empty registry whose throttles are applied by {@code sluice} and sleep on its clock. */
  public Throttles(Sluice sluice) {
    if (sluice == null) {
      throw new IllegalArgumentException("sluice must not be null");
    }
    this.sluice = sluice;
  }

  /** Same as {@link #Throttles(Sluice)}. */
  public static Throttles create(Sluice sluice) {
    return new Throttles(sluice);
  }

  /**
   * Registers (or replaces) the throttle {@code name}: a token bucket of {@code capacity} that
   * refills {@code refillTokens} every {@code refillPeriod}.
   *
   * @param name 1 to {@value Throttle#MAX_NAME_LENGTH} characters, not blank
   * @throws IllegalArgumentException if a parameter is invalid (naming the throttle, the field
   *     and the value); nothing changes
   */
  public Throttle register(String name, long capacity, long refillTokens, Duration refillPeriod) {
    checkName(name);
    TokenBucket policy;
    try {
      policy = TokenBucket.of(name, capacity, refillTokens, refillPeriod);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("throttle '" + name + "': " + e.getMessage(), e);
    }
    return install(policy);
  }

  /**
   * Registers (or replaces) the throttle {@code name} from a spec such as
   * {@code "capacity=30, rate=0.5/s"} (see {@link #configure(Map)}).
   *
   * @throws IllegalArgumentException if the spec does not parse (naming the throttle, the field
   *     and the value); nothing changes
   */
  public Throttle register(String name, String spec) {
    checkName(name);
    return install(parse(name, spec));
  }

  /**
   * Registers (or replaces) one throttle per entry: name to spec. A spec is
   * {@code capacity=<positive integer>, rate=<decimal>/<unit>} in any order, the unit one of
   * {@code s}, {@code m}, {@code h}, {@code d}; {@code "capacity=5, rate=5/h"} is 5 tokens per
   * hour, {@code "capacity=30, rate=0.5/s"} one token every 2 s. Every spec is checked before any
   * is registered: one bad spec changes nothing.
   *
   * @return this registry
   * @throws IllegalArgumentException naming the throttle, the field and the value of the first
   *     bad spec (in name order)
   */
  public Throttles configure(Map<String, String> specs) {
    if (specs == null) {
      throw new IllegalArgumentException("specs must not be null");
    }
    Map<String, TokenBucket> parsed = new TreeMap<>();
    for (String name : new TreeSet<>(nonNullKeys(specs))) {
      checkName(name);
      parsed.put(name, parse(name, specs.get(name)));
    }
    parsed.values().forEach(this::install);
    return this;
  }

  private static Set<String> nonNullKeys(Map<String, String> specs) {
    for (String name : specs.keySet()) {
      if (name == null) {
        throw new IllegalArgumentException("specs must not contain a null name");
      }
    }
    return specs.keySet();
  }

  /**
   * The throttle {@code name}.
   *
   * @throws IllegalArgumentException if there is none; the message lists the known names
   */
  public Throttle get(String name) {
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    Throttle t = throttles.get(name);
    if (t == null) {
      throw new IllegalArgumentException("unknown throttle '" + name + "'; known: " + names());
    }
    return t;
  }

  /** The registered names, sorted; a snapshot. */
  public List<String> names() {
    return List.copyOf(new TreeSet<>(throttles.keySet()));
  }

  private Throttle install(TokenBucket policy) {
    Throttle fresh = new Throttle(sluice, policy);
    return throttles.compute(policy.name(), (name, old) -> {
      if (old != null) {
        fresh.takeOver(old);
      }
      return fresh;
    });
  }

  private static void checkName(String name) {
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    if (name.isBlank() || name.length() > Throttle.MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("throttle name '" + name + "' must be 1 to "
          + Throttle.MAX_NAME_LENGTH + " characters and not blank (its slow-mode policy is named '"
          + "<name>" + Throttle.SLOW_SUFFIX + "', at most 128)");
    }
  }

  /**
   * The token bucket a spec describes, with the rate read exactly as a rational number: a
   * decimal {@code n / 10^k} per unit becomes {@code n / g} tokens per {@code 10^k / g} units,
   * {@code g = gcd(n, 10^k)}.
   */
  static TokenBucket parse(String name, String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("throttle '" + name + "': spec must not be null");
    }
    Long capacity = null;
    long[] rate = null; // {tokens, periodSeconds}
    for (String part : spec.split(",", -1)) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("throttle '" + name + "': spec '" + spec + "' has '" + p
            + "' where a field=value pair belongs; expected 'capacity=<n>, rate=<decimal>/<s|m|h|d>'");
      }
      String field = p.substring(0, eq).trim();
      String value = p.substring(eq + 1).trim();
      switch (field) {
        case "capacity":
          if (capacity != null) {
            throw duplicate(name, field, spec);
          }
          capacity = capacity(name, value);
          break;
        case "rate":
          if (rate != null) {
            throw duplicate(name, field, spec);
          }
          rate = rate(name, value);
          break;
        default:
          throw new IllegalArgumentException("throttle '" + name + "': unknown field '" + field
              + "' in spec '" + spec + "'; the fields are capacity and rate");
      }
    }
    if (capacity == null || rate == null) {
      throw new IllegalArgumentException("throttle '" + name + "': " + (capacity == null ? "capacity" : "rate")
          + " is missing from spec '" + spec + "'; expected 'capacity=<n>, rate=<decimal>/<s|m|h|d>'");
    }
    try {
      return TokenBucket.of(name, capacity, rate[0], Duration.ofSeconds(rate[1]));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("throttle '" + name + "': spec '" + spec + "': " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException duplicate(String name, String field, String spec) {
    return new IllegalArgumentException(
        "throttle '" + name + "': " + field + " appears twice in spec '" + spec + "'");
  }

  private static long capacity(String name, String value) {
    if (CAPACITY.matcher(value).matches()) {
      try {
        long c = Long.parseLong(value);
        if (c > 0) {
          return c;
        }
      } catch (NumberFormatException e) {
        // too large: reported below
      }
    }
    throw new IllegalArgumentException("throttle '" + name + "': capacity '" + value
        + "' must be a positive integer (at most " + Long.MAX_VALUE + ")");
  }

  /** {tokens, periodSeconds} for a rate such as {@code 0.5/s}. */
  private static long[] rate(String name, String value) {
    Matcher m = RATE.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException("throttle '" + name + "': rate '" + value
          + "' must be a decimal number per s, m, h or d, e.g. 0.5/s or 5/h");
    }
    BigDecimal n = new BigDecimal(m.group(1)).stripTrailingZeros();
    if (n.signum() == 0) {
      throw new IllegalArgumentException("throttle '" + name + "': rate '" + value + "' must be positive");
    }
    BigInteger unitSeconds = BigInteger.valueOf(unitSeconds(m.group(2)));
    BigInteger tokens;
    BigInteger seconds;
    if (n.scale() <= 0) {
      tokens = n.toBigIntegerExact();
      seconds = unitSeconds;
    } else {
      BigInteger numerator = n.unscaledValue();
      BigInteger denominator = BigInteger.TEN.pow(n.scale());
      BigInteger g = numerator.gcd(denominator);
      tokens = numerator.divide(g);
      seconds = unitSeconds.multiply(denominator.divide(g));
    }
    if (tokens.bitLength() > 63) {
      throw new IllegalArgumentException("throttle '" + name + "': rate '" + value + "' is "
          + tokens + " tokens per " + seconds + " s; at most " + Long.MAX_VALUE + " tokens per period");
    }
    if (seconds.compareTo(BigInteger.valueOf(MAX_PERIOD_SECONDS)) > 0) {
      throw new IllegalArgumentException("throttle '" + name + "': rate '" + value + "' is "
          + tokens + " tokens per " + seconds + " s; the period must be at most "
          + MAX_PERIOD_SECONDS + " s (2^62 ns)");
    }
    return new long[] {tokens.longValueExact(), seconds.longValueExact()};
  }

  private static long unitSeconds(String unit) {
    switch (unit) {
      case "s":
        return 1;
      case "m":
        return 60;
      case "h":
        return 3_600;
      default: // "d", the only other unit the pattern accepts
        return 86_400;
    }
  }

  @Override
  public String toString() {
    return "Throttles" + names();
  }
}
