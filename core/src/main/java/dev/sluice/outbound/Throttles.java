package dev.sluice.outbound;

import dev.sluice.PolicyText;
import dev.sluice.PolicyTextException;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

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
 * a {@code token-bucket} spec of {@link dev.sluice.PolicyText} with or without its type, where the
 * rate is a decimal number per duration ({@code 5/h}, {@code 100/1m}), read exactly
 * ({@code 0.5/s} is one token every 2 s, {@code 0.3/m} three every 10 minutes).
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

  private static final String TOKEN_BUCKET = "token-bucket";

  private final Sluice sluice;
  private final ConcurrentHashMap<String, Throttle> throttles = new ConcurrentHashMap<>();

  /**
   * An empty registry whose throttles are applied by {@code sluice} and sleep on its clock.
   *
   * @param sluice the engine; not null
   * @throws IllegalArgumentException if {@code sluice} is null
   */
  public Throttles(Sluice sluice) {
    if (sluice == null) {
      throw new IllegalArgumentException("sluice must not be null");
    }
    this.sluice = sluice;
  }

  /**
   * Same as {@link #Throttles(Sluice)}.
   *
   * @param sluice the engine; not null
   * @return an empty registry
   * @throws IllegalArgumentException if {@code sluice} is null
   */
  public static Throttles create(Sluice sluice) {
    return new Throttles(sluice);
  }

  /**
   * Registers (or replaces) the throttle {@code name}: a token bucket of {@code capacity} that
   * refills {@code refillTokens} every {@code refillPeriod}.
   *
   * @param name 1 to {@value Throttle#MAX_NAME_LENGTH} characters, not blank
   * @param capacity the most tokens the bucket holds, {@code >= 1}
   * @param refillTokens tokens added per {@code refillPeriod}, {@code >= 1}
   * @param refillPeriod the period over which {@code refillTokens} are added: positive, at most
   *     2^62 ns
   * @return the new throttle, also returned by {@link #get} from now on
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
   * @param name 1 to {@value Throttle#MAX_NAME_LENGTH} characters, not blank
   * @param spec the bucket's {@code capacity} and {@code rate}, with or without the type
   *     {@code token-bucket}; not null
   * @return the new throttle, also returned by {@link #get} from now on
   * @throws IllegalArgumentException if the spec does not parse (naming the throttle, the field
   *     and the value); nothing changes
   */
  public Throttle register(String name, String spec) {
    checkName(name);
    return install(parse(name, spec));
  }

  /**
   * Registers (or replaces) one throttle per entry: name to spec. A spec is
   * {@code capacity=<count>, rate=<decimal>/<duration>} in any order (the fields of a
   * {@code token-bucket} in {@link dev.sluice.PolicyText}); {@code "capacity=5, rate=5/h"} is 5 tokens per
   * hour, {@code "capacity=30, rate=0.5/s"} one token every 2 s. Every spec is checked before any
   * is registered: one bad spec changes nothing.
   *
   * @param specs throttle names to specs; not null, no null name
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
   * @param name the throttle's name; not null
   * @return the throttle last registered under it
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

  /** {@return the registered names, sorted; an immutable snapshot} */
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
    dev.sluice.spi.Args.wellFormed("throttle name", name);
  }

  /**
   * The token bucket a spec describes: {@code capacity} and {@code rate} as {@link PolicyText}
   * reads a {@code token-bucket} (the type may be written or left out), the rate exactly.
   */
  static TokenBucket parse(String name, String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("throttle '" + name + "': spec must not be null");
    }
    String full = spec.strip().startsWith(TOKEN_BUCKET) ? spec : TOKEN_BUCKET + " " + spec;
    try {
      return (TokenBucket) PolicyText.parse(name, full); // a token-bucket spec gives a TokenBucket
    } catch (PolicyTextException e) {
      // a message about the whole spec quotes it as the caller wrote it (without the type)
      String detail = e.field().equals("spec") ? "spec '" + spec + "' " + e.problem() : e.detail();
      throw new IllegalArgumentException("throttle '" + name + "': " + detail, e);
    }
  }

  @Override
  public String toString() {
    return "Throttles" + names();
  }
}
