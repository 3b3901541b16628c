package dev.sluice.micrometer;

import dev.sluice.Decision;
import dev.sluice.DecisionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Pattern;

/**
 * A {@link DecisionListener} that counts a {@link dev.sluice.Sluice}'s decisions in a Micrometer
 * {@link MeterRegistry}.
 *
 * <pre>{@code
 * MeterRegistry registry = ...;
 * Sluice sluice = Sluice.builder()
 *     .listener(MicrometerListener.of(registry))
 *     .build();
 * }</pre>
 *
 * <p>The meters, with the default prefix {@code sluice}:
 *
 * <ul>
 *   <li>{@code sluice.decisions}, a counter, tagged {@code policy} (the policy's name),
 *       {@code call} (the {@link DecisionListener.Call} in lower case: {@code try_acquire},
 *       {@code peek}, ...) and {@code outcome} (see {@link Outcome} for the mapping of every
 *       {@link Decision.Reason}): one per decision.
 *   <li>{@code sluice.decisions.near_limit}, a counter, tagged {@code policy} and {@code call}: one
 *       per decision with reason {@link Decision.Reason#ALLOWED} whose {@link Decision#used()} is
 *       at least 80 % of its {@link Decision#limit()} after the decision (exactly, in integers:
 *       {@code used * 5 >= limit * 4}). With a limit of 10 the 8th, 9th and 10th admissions of a
 *       window count, the 7th does not.
 *   <li>{@code sluice.store.latency}, a timer, tagged {@code policy} and {@code call}: the
 *       duration of the store call behind each decision, as the engine measured it
 *       ({@link DecisionListener#onDecision(Call, String, long, Decision, long)}); blocking and
 *       asynchronous acquires, which wait between store calls, are not timed.
 * </ul>
 *
 * <p>Keys are never tags: they are unbounded (a tag per key would grow the registry without end)
 * and often personal data (client ids, addresses). Policy names are, since configuration bounds
 * them; still, at most {@link Builder#maxPolicies(int) maxPolicies} distinct names (10,000 by
 * default) get their own series, and decisions of any further policy are counted under the
 * policy name {@value #OTHER_POLICY}. A policy that is itself named {@value #OTHER_POLICY} shares
 * that series.
 *
 * <p>Meters are looked up in the registry once per (policy, call, outcome) and cached; after that
 * a decision costs a map read and a counter increment. Thread-safe.
 */
public final class MicrometerListener implements DecisionListener {

  /** The policy tag under which policies beyond {@link Builder#maxPolicies(int)} are counted. */
  public static final String OTHER_POLICY = "_other";

  /** The default prefix of the meter names. */
  public static final String DEFAULT_PREFIX = "sluice";

  /** How many distinct policy names get their own series by default. */
  public static final int DEFAULT_MAX_POLICIES = 10_000;

  /**
   * How a decision is counted in the {@code outcome} tag, by its {@link Decision.Reason}.
   *
   * <table>
   *   <caption>Reasons by outcome</caption>
   *   <tr><th>outcome</th><th>tag</th><th>reasons</th></tr>
   *   <tr><td>{@link #ALLOWED}</td><td>{@code allowed}</td><td>{@code ALLOWED}</td></tr>
   *   <tr><td>{@link #DENIED}</td><td>{@code denied}</td>
   *       <td>{@code LIMITED}, {@code COST_EXCEEDS_LIMIT}, {@code NOT_HELD}</td></tr>
   *   <tr><td>{@link #ERROR_OPEN}</td><td>{@code error_open}</td><td>{@code FAILED_OPEN}</td></tr>
   *   <tr><td>{@link #ERROR_CLOSED}</td><td>{@code error_closed}</td>
   *       <td>{@code STORE_UNAVAILABLE}, {@code STORE_FULL}</td></tr>
   * </table>
   *
   * <p>A decision made by a fallback (a local share of the limit while the store is away, see
   * {@link Decision#storeDecided()}) is counted by its reason like any other: the share did
   * decide, so its admissions are {@code allowed} and its refusals {@code denied}.
   */
  public enum Outcome {
    /** The policy admitted the cost. */
    ALLOWED("allowed"),
    /** The policy refused: not enough left now, a cost above the limit, or no hold to renew. */
    DENIED("denied"),
    /** The store could not decide and the policy's failure choice admitted the cost. */
    ERROR_OPEN("error_open"),
    /**
     * Refused without a decision on the key: the store could not decide and the policy's failure
     * choice is to deny, or the in-memory store is full.
     */
    ERROR_CLOSED("error_closed");

    private final String tag;

    Outcome(String tag) {
      this.tag = tag;
    }

    /** {@return the value of the {@code outcome} tag} */
    public String tag() {
      return tag;
    }

    /**
     * The outcome a reason is counted under.
     *
     * @param reason the decision's reason; not null
     * @return its outcome
     * @throws NullPointerException if {@code reason} is null
     */
    public static Outcome of(Decision.Reason reason) {
      // no default: a new Reason does not compile here until it is given an outcome
      return switch (reason) {
        case ALLOWED -> ALLOWED;
        case LIMITED, COST_EXCEEDS_LIMIT, NOT_HELD -> DENIED;
        case FAILED_OPEN -> ERROR_OPEN;
        case STORE_UNAVAILABLE, STORE_FULL -> ERROR_CLOSED;
      };
    }
  }

  private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
  private static final Set<String> OWN_TAGS = Set.of("policy", "call", "outcome");
  private static final Call[] CALLS = Call.values();
  private static final String[] CALL_TAGS = new String[CALLS.length];
  private static final Outcome[] OUTCOMES = Outcome.values();

  static {
    for (Call c : CALLS) {
      CALL_TAGS[c.ordinal()] = c.name().toLowerCase(Locale.ROOT);
    }
  }

  private final MeterRegistry registry;
  private final String prefix;
  private final String decisionsName;
  private final String nearLimitName;
  private final String storeLatencyName;
  private final Tags commonTags;
  private final int maxPolicies;
  private final ConcurrentHashMap<String, PolicyMeters> byPolicy = new ConcurrentHashMap<>();
  private final AtomicInteger policySlots = new AtomicInteger();
  private final PolicyMeters other;

  private MicrometerListener(Builder b) {
    this.registry = b.registry;
    this.prefix = b.prefix;
    this.decisionsName = b.prefix + ".decisions";
    this.nearLimitName = b.prefix + ".decisions.near_limit";
    this.storeLatencyName = b.prefix + ".store.latency";
    this.commonTags = b.tags;
    this.maxPolicies = b.maxPolicies;
    this.other = new PolicyMeters(OTHER_POLICY);
  }

  /**
   * A listener with the default prefix ({@value #DEFAULT_PREFIX}), no extra tags and the default
   * bound on policy names ({@value #DEFAULT_MAX_POLICIES}).
   *
   * @param registry where the meters go; not null
   * @return the listener
   * @throws IllegalArgumentException if {@code registry} is null
   */
  public static MicrometerListener of(MeterRegistry registry) {
    return builder(registry).build();
  }

  /**
   * A builder for a listener with a chosen prefix, extra tags or bound on policy names.
   *
   * @param registry where the meters go; not null
   * @return the builder
   * @throws IllegalArgumentException if {@code registry} is null
   */
  public static Builder builder(MeterRegistry registry) {
    if (registry == null) {
      throw new IllegalArgumentException("registry must not be null");
    }
    return new Builder(registry);
  }

  /**
   * Counts one decision: no registry lookup once its (policy, call, outcome) has been seen.
   *
   * @param call what was asked
   * @param key the key: never recorded
   * @param cost the cost asked for: not recorded
   * @param decision the decision
   */
  @Override
  public void onDecision(Call call, String key, long cost, Decision decision) {
    onDecision(call, key, cost, decision, UNTIMED);
  }

  /**
   * Counts one decision and, when the engine timed it, records the store call's duration.
   *
   * @param call what was asked
   * @param key the key: never recorded
   * @param cost the cost asked for: not recorded
   * @param decision the decision
   * @param storeNanos the store call's duration, or {@link #UNTIMED} (nothing recorded)
   */
  @Override
  public void onDecision(Call call, String key, long cost, Decision decision, long storeNanos) {
    PolicyMeters m = meters(decision.policy().name());
    if (storeNanos >= 0) {
      m.storeLatency(call).record(storeNanos, TimeUnit.NANOSECONDS);
    }
    Decision.Reason reason = decision.reason();
    m.decision(call, Outcome.of(reason)).increment();
    if (reason == Decision.Reason.ALLOWED && nearLimit(decision.used(), decision.limit())) {
      m.nearLimit(call).increment();
    }
  }

  /**
   * Whether {@code used * 5 >= limit * 4}, without the products: for {@code limit = 5q + r}
   * ({@code 0 <= r < 5}) the least such {@code used} is {@code 4q + r = limit - limit / 5}.
   */
  static boolean nearLimit(long used, long limit) {
    return used >= limit - limit / 5;
  }

  private PolicyMeters meters(String policy) {
    PolicyMeters m = byPolicy.get(policy);
    if (m != null) {
      return m;
    }
    m = byPolicy.computeIfAbsent(policy, p -> takeSlot() ? new PolicyMeters(p) : null);
    return m != null ? m : other;
  }

  private boolean takeSlot() {
    int n;
    do {
      n = policySlots.get();
      if (n >= maxPolicies) {
        return false;
      }
    } while (!policySlots.compareAndSet(n, n + 1));
    return true;
  }

  @Override
  public String toString() {
    return "MicrometerListener[prefix=" + prefix + ", tags=" + commonTags + ", maxPolicies=" + maxPolicies + "]";
  }

  /** One policy's counters, made on first use; a lost race registers the same meter twice. */
  private final class PolicyMeters {
    private final String policy;
    private final AtomicReferenceArray<Counter> decisions =
        new AtomicReferenceArray<>(CALLS.length * OUTCOMES.length);
    private final AtomicReferenceArray<Counter> nearLimit = new AtomicReferenceArray<>(CALLS.length);
    private final AtomicReferenceArray<Timer> storeLatency = new AtomicReferenceArray<>(CALLS.length);

    PolicyMeters(String policy) {
      this.policy = policy;
    }

    Counter decision(Call call, Outcome outcome) {
      int i = call.ordinal() * OUTCOMES.length + outcome.ordinal();
      Counter c = decisions.get(i);
      if (c == null) {
        c = Counter.builder(decisionsName)
            .description("Decisions made by Sluice policies, by outcome")
            .tags(commonTags)
            .tag("policy", policy)
            .tag("call", CALL_TAGS[call.ordinal()])
            .tag("outcome", outcome.tag())
            .register(registry);
        decisions.set(i, c);
      }
      return c;
    }

    Timer storeLatency(Call call) {
      int i = call.ordinal();
      Timer t = storeLatency.get(i);
      if (t == null) {
        t = Timer.builder(storeLatencyName)
            .description("How long the store took to decide, one store call per decision")
            .tags(commonTags)
            .tag("policy", policy)
            .tag("call", CALL_TAGS[i])
            .register(registry);
        storeLatency.set(i, t);
      }
      return t;
    }

    Counter nearLimit(Call call) {
      int i = call.ordinal();
      Counter c = nearLimit.get(i);
      if (c == null) {
        c = Counter.builder(nearLimitName)
            .description("Admissions that left at least 80% of the policy's limit used")
            .tags(commonTags)
            .tag("policy", policy)
            .tag("call", CALL_TAGS[i])
            .register(registry);
        nearLimit.set(i, c);
      }
      return c;
    }
  }

  /** Builds a {@link MicrometerListener}; not thread-safe. */
  public static final class Builder {
    private final MeterRegistry registry;
    private String prefix = DEFAULT_PREFIX;
    private Tags tags = Tags.empty();
    private int maxPolicies = DEFAULT_MAX_POLICIES;

    private Builder(MeterRegistry registry) {
      this.registry = registry;
    }

    /**
     * The start of every meter name: {@code prefix + ".decisions"} and
     * {@code prefix + ".decisions.near_limit"}.
     *
     * @param prefix lower-case dotted words ({@code [a-z][a-z0-9_]*}, joined by dots), such as
     *     {@code sluice} (the default) or {@code api.ratelimit}
     * @return this builder
     * @throws IllegalArgumentException if {@code prefix} is null or not such words
     */
    public Builder prefix(String prefix) {
      if (prefix == null || !PREFIX.matcher(prefix).matches()) {
        throw new IllegalArgumentException(
            "prefix '" + prefix + "' must be lower-case dotted words such as 'sluice' or 'api.ratelimit'");
      }
      this.prefix = prefix;
      return this;
    }

    /**
     * Tags added to every meter, after those given before (a key given again takes the new
     * value). They must have bounded values: never a key, client id or address.
     *
     * @param tags the tags; not null, none keyed {@code policy}, {@code call} or {@code outcome}
     * @return this builder
     * @throws IllegalArgumentException if {@code tags} is null or one of them uses a key of the
     *     listener's own tags
     */
    public Builder tags(Iterable<Tag> tags) {
      if (tags == null) {
        throw new IllegalArgumentException("tags must not be null");
      }
      for (Tag t : tags) {
        if (OWN_TAGS.contains(t.getKey())) {
          throw new IllegalArgumentException(
              "tag '" + t.getKey() + "' is the listener's own (policy, call, outcome): choose another key");
        }
      }
      this.tags = this.tags.and(tags);
      return this;
    }

    /**
     * Tags added to every meter, as key, value pairs (see {@link #tags(Iterable)}).
     *
     * @param keyValues keys and values, alternating; not null, an even number of them
     * @return this builder
     * @throws IllegalArgumentException if {@code keyValues} is null, odd in number, contains a
     *     null, or uses a key of the listener's own tags
     */
    public Builder tags(String... keyValues) {
      if (keyValues == null || keyValues.length % 2 != 0) {
        throw new IllegalArgumentException("tags must be given as key, value pairs");
      }
      for (String s : keyValues) {
        if (s == null) {
          throw new IllegalArgumentException("tag keys and values must not be null");
        }
      }
      return tags(Tags.of(keyValues));
    }

    /**
     * How many distinct policy names get their own series; decisions of any further policy are
     * counted under {@value MicrometerListener#OTHER_POLICY}. Bounds the listener's cache and the
     * registry when policy names come from somewhere less bounded than configuration.
     *
     * @param maxPolicies the bound, {@code >= 1}; {@value MicrometerListener#DEFAULT_MAX_POLICIES}
     *     by default
     * @return this builder
     * @throws IllegalArgumentException if {@code maxPolicies < 1}
     */
    public Builder maxPolicies(int maxPolicies) {
      if (maxPolicies < 1) {
        throw new IllegalArgumentException("maxPolicies (" + maxPolicies + ") must be >= 1");
      }
      this.maxPolicies = maxPolicies;
      return this;
    }

    /** {@return the listener} */
    public MicrometerListener build() {
      return new MicrometerListener(this);
    }
  }
}
