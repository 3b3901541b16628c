package dev.sluice.server.api;

import dev.sluice.Decision;
import dev.sluice.Keys;
import dev.sluice.Policy;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The named policies of the config (read anew on every request, so that a reload applies at
 * once) and their partitions in the server's store. Every store call of the API goes through
 * {@link #apply}: a store that throws instead of answering (closed, or failing in a way its
 * failure policy did not catch) gives a {@link Decision.Reason#STORE_UNAVAILABLE} decision, as
 * the envoy service treats it.
 */
final class NamedPolicies {

  private static final System.Logger LOG = System.getLogger(NamedPolicies.class.getName());
  /** Partitions kept; beyond that (a config reloaded many times over) they are made per call. */
  private static final int MAX_CACHED = 10_000;
  private static final long RETRY_AFTER_FAILURE_NANOS = 1_000_000_000L;

  private final Store store;
  private final Supplier<Map<String, Policy>> policies;
  private final ConcurrentHashMap<Policy, Partition> partitions = new ConcurrentHashMap<>();

  NamedPolicies(Store store, Supplier<Map<String, Policy>> policies) {
    this.store = Objects.requireNonNull(store, "store");
    this.policies = Objects.requireNonNull(policies, "policies");
  }

  Store store() {
    return store;
  }

  /** The policies now, by name (empty when none are configured). */
  Map<String, Policy> all() {
    Map<String, Policy> now = policies.get();
    return now == null ? Map.of() : now;
  }

  /**
   * The policy named {@code name}, which {@code field} of the request holds.
   *
   * @param kinds the kinds the route takes
   * @throws Problem (unknown policy) if no policy has that name; (wrong policy kind) if it is of
   *     another kind, saying which route takes it
   */
  Policy resolve(String field, String name, Policy.Kind... kinds) {
    Map<String, Policy> now = all();
    Policy p = now.get(name);
    if (p == null) {
      throw new Problem(Problem.Type.UNKNOWN_POLICY, "field '" + field + "' names policy '"
          + Keys.printable(name) + "', which is not configured; the policies are "
          + (now.isEmpty() ? "none" : now.keySet().stream().sorted().collect(Collectors.joining(", "))))
          .with("field", field).with("value", Problem.shown(name));
    }
    if (Arrays.asList(kinds).contains(p.kind())) {
      return p;
    }
    String where = switch (p.kind()) {
      case CONCURRENCY -> "its slots are taken with POST /v1/leases/acquire";
      case BUDGET -> "it is checked and charged with POST /v1/check or the /v1/budgets routes";
      case RATE -> "it is checked and charged with POST /v1/check";
    };
    throw new Problem(Problem.Type.WRONG_POLICY_KIND, "field '" + field + "' names policy '"
        + Keys.printable(name) + "', a " + kind(p) + " policy, which this route does not take: "
        + where).with("field", field).with("value", Problem.shown(name)).with("kind", kind(p));
  }

  /** The kind as the API writes it: {@code rate}, {@code concurrency}, {@code budget}. */
  static String kind(Policy p) {
    return p.kind().name().toLowerCase(Locale.ROOT);
  }

  /** Applies {@code command} to {@code key} under {@code policy}; never throws for the store. */
  Decision apply(Policy policy, String key, Command command) {
    try {
      return partition(policy).apply(key, command);
    } catch (IllegalArgumentException e) {
      throw e; // a bug of ours or a policy name used by two kinds: the route answers 500
    } catch (RuntimeException e) {
      return unavailable(policy, e);
    }
  }

  /** A hold the store was asked for: its id, the decision, and the wall time just before. */
  record Hold(long id, Decision decision, long wallBeforeNanos) {

    /** When the hold expires unless renewed: {@code ttl} after the wall time before the call. */
    java.time.Instant expiry(java.time.Duration ttl) {
      long at = wallBeforeNanos + ttl.toNanos();
      return java.time.Instant.ofEpochSecond(0, at < 0 ? Long.MAX_VALUE : at);
    }
  }

  /**
   * Holds {@code cost} on {@code key} under a fresh random id ({@link
   * dev.sluice.spi.Operation#HOLD}): a lease's slots, a reservation's estimate.
   */
  Hold hold(Policy policy, String key, long cost) {
    for (int attempt = 0; ; attempt++) {
      long id = Body.newId();
      long before = store.clock().wallNanos();
      try {
        return new Hold(id, apply(policy, key, Command.hold(id, cost)), before);
      } catch (IllegalArgumentException e) {
        if (attempt == 2) { // "id is already held": a 1 in 2^63 draw, three times over
          throw e;
        }
      }
    }
  }

  /**
   * Renews the hold {@code id} on {@code key}: the one store call that tells a live hold from one
   * that is gone, so release, settle and cancel call it first and answer 404 for an id that is
   * not held (a raw release of a missing id is a silent no-op, and a raw settle would charge).
   *
   * @param what "lease" or "reservation", for the detail
   * @return the renewal's decision, allowed, with the wall time before it
   * @throws Problem (not held) if the store holds no such id on the key; (store unavailable) if
   *     it could not decide
   */
  Hold renew(Policy policy, String name, String key, long id, String what) {
    long before = store.clock().wallNanos();
    Decision d = apply(policy, key, Command.renew(id));
    if (d.reason() == Decision.Reason.NOT_HELD) {
      throw new Problem(Problem.Type.NOT_HELD, "no " + what + " " + Body.formatId(id)
          + " is held on key '" + Keys.printable(key) + "' of policy '" + Keys.printable(name)
          + "': it was never granted, or was already released, settled or cancelled, or expired")
          .with("field", "id").with("value", Body.formatId(id)).with("policy", name)
          .with("key", Keys.printable(key));
    }
    requireStoreDecided(d, name, key, "the renewal of " + what + " " + Body.formatId(id));
    return new Hold(id, d, before);
  }

  /**
   * Throws the refusal of {@code d} unless the store decided it: for a call that must change the
   * store (renew, release, record, settle, cancel), an answer of the failure policy, even an
   * admitting one (fail open), changed nothing, so the caller gets 503 and should retry.
   */
  static void requireStoreDecided(Decision d, String name, String key, String asked) {
    if (!d.storeDecided()) {
      Decision shown = d.allowed()
          ? Decision.storeUnavailable(d.policy(), RETRY_AFTER_FAILURE_NANOS) : d;
      throw Decisions.refusal(shown, name, key, asked, List.of(shown));
    }
  }

  /** The decision for a store that threw instead of deciding. */
  static Decision unavailable(Policy policy, RuntimeException e) {
    LOG.log(Level.WARNING, () -> "the store failed on policy '" + policy.name() + "': " + e);
    return Decision.storeUnavailable(policy, RETRY_AFTER_FAILURE_NANOS);
  }

  private Partition partition(Policy p) {
    Partition part = partitions.get(p);
    if (part != null) {
      return part;
    }
    part = store.partition(p);
    if (partitions.size() < MAX_CACHED) {
      partitions.putIfAbsent(p, part);
    }
    return part;
  }
}
