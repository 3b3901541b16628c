package dev.sluice.server.service;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.spi.Command;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Store;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToIntBiFunction;

/**
 * The store calls of one request: charging a set of {@link Slot}s all or nothing, reporting
 * slots without charging them, and giving a charge back.
 *
 * <p>All or nothing: one {@link Store#applyAll} per group of slots one store can charge together
 * (a store; on a Redis Cluster, one hash slot), groups one after another; when a later group
 * denies, what the earlier ones charged is given back, so a denied request consumes nothing in the
 * end and nothing is ever admitted beyond a limit (in between, another request may be denied by a
 * charge that is then given back).
 *
 * <p>Once a store fails to answer, the request makes no further decision: every slot not yet
 * decided is marked failed at once, so a request is answered within one store deadline however
 * many descriptors it has. Charges on a store that failed in this request are not given back (the
 * call would wait for the deadline again).
 */
final class Charges {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final OverLimitCache cache;
  private final Clock clock;
  private final ServerMetrics metrics;
  private final ToIntBiFunction<Store, String> slotOf;
  private Set<Store> failedStores; // null until one fails

  /**
   * The calls of one request.
   *
   * @param cache the local over-limit cache, or null
   * @param clock the monotonic time of cache entries
   * @param metrics where store call times go
   * @param slotOf the Redis Cluster hash slot of a key in a store on a cluster, -1 for a store that
   *     can charge any keys together; null when no store is on a cluster
   */
  Charges(OverLimitCache cache, Clock clock, ServerMetrics metrics, ToIntBiFunction<Store, String> slotOf) {
    this.cache = cache;
    this.clock = clock;
    this.metrics = metrics;
    this.slotOf = slotOf;
  }

  /** Whether a store failed to answer in this request. */
  boolean failed() {
    return failedStores != null;
  }

  /**
   * Charges every slot's cost, all or nothing. Denied without a store call if the local cache
   * knows a slot cannot take its cost; the slots that did not decide are then reported.
   *
   * @return whether every slot was charged
   */
  boolean acquireAll(List<Slot> slots) {
    if (slots.isEmpty()) {
      return true;
    }
    if (failed()) {
      markFailed(slots);
      return false;
    }
    if (cache != null) {
      boolean cachedDeny = false;
      long now = clock.nanos();
      for (Slot s : slots) {
        if (s.envoyWindow && cache.denies(s.cacheKey(), s.cost, s.limit(), now)) {
          s.cachedOver = true;
          cachedDeny = true;
        }
      }
      if (cachedDeny) {
        List<Slot> rest = new ArrayList<>();
        for (Slot s : slots) {
          if (!s.cachedOver) {
            rest.add(s);
          }
        }
        report(rest);
        return false;
      }
    }
    Map<List<Object>, List<Slot>> groups = new LinkedHashMap<>();
    for (Slot s : slots) {
      int hashSlot = slotOf == null ? -1 : slotOf.applyAsInt(s.store, s.key);
      groups.computeIfAbsent(List.of(s.store, hashSlot), g -> new ArrayList<>()).add(s);
    }
    List<Slot> done = new ArrayList<>(slots.size());
    List<Slot> later = new ArrayList<>(slots);
    for (List<Slot> group : groups.values()) {
      later.removeAll(group);
      if (!acquireGroup(group)) {
        refund(done);
        report(later);
        return false;
      }
      done.addAll(group);
    }
    return true;
  }

  /**
   * {@link #acquireAll} of one slot without blocking: the local cache first, then the store's
   * {@code applyAsync}; the future completes on the store's thread (or at once for a store that
   * decides in memory).
   *
   * @return whether the slot was charged
   */
  CompletableFuture<Boolean> acquireOneAsync(Slot s) {
    if (cache != null && s.envoyWindow && cache.denies(s.cacheKey(), s.cost, s.limit(), clock.nanos())) {
      s.cachedOver = true;
      return DENIED;
    }
    long started = clock.nanos();
    CompletableFuture<Decision> answer;
    try {
      answer = s.partition.applyAsync(s.key, Command.acquire(s.cost));
    } catch (RuntimeException e) {
      answer = CompletableFuture.completedFuture(Decision.storeUnavailable(s.policy, NANOS_PER_SECOND));
    }
    if (answer.isDone()) { // a store that decides in memory: no more futures
      Decision d;
      try {
        d = answer.join();
      } catch (RuntimeException e) {
        d = null;
      }
      return observeOne(s, started, d) ? ADMITTED : DENIED;
    }
    return answer.handle((d, e) -> observeOne(s, started, e != null ? null : d));
  }

  private static final CompletableFuture<Boolean> ADMITTED = CompletableFuture.completedFuture(true);
  private static final CompletableFuture<Boolean> DENIED = CompletableFuture.completedFuture(false);

  /** Records the store's answer {@code d} (null: none) to an acquire of {@code s}; whether it admitted. */
  private boolean observeOne(Slot s, long started, Decision d) {
    metrics.storeCall(clock.nanos() - started);
    s.observe(d == null ? Decision.storeUnavailable(s.policy, NANOS_PER_SECOND) : d, true);
    after(s, started);
    return s.decision.allowed() && !s.failed;
  }

  /** One atomic call for slots of one store (and hash slot); reports the slots that did not decide. */
  private boolean acquireGroup(List<Slot> group) {
    Store store = group.get(0).store;
    if (group.size() == 1) {
      Slot s = group.get(0);
      long started = clock.nanos();
      s.observe(call(s, Command.acquire(s.cost)), true);
      after(s, started);
      return s.decision.allowed() && !s.failed;
    }
    List<Charge> charges = new ArrayList<>(group.size());
    for (Slot s : group) {
      charges.add(new Charge(s.policy, s.key, s.cost));
    }
    long started = clock.nanos();
    MultiDecision md;
    try {
      md = store.applyAll(charges, Operation.ACQUIRE);
    } catch (RuntimeException e) {
      md = new MultiDecision(0, Decision.storeUnavailable(group.get(0).policy, NANOS_PER_SECOND));
    } finally {
      metrics.storeCall(clock.nanos() - started);
    }
    Decision d = md.decision();
    if (!d.storeDecided()) {
      for (Slot s : group) {
        s.observe(Decision.fallback(s.policy, d), true);
      }
      failed(store);
      return false;
    }
    boolean admitted = d.allowed();
    List<Slot> others = new ArrayList<>(group.size() - 1);
    for (int i = 0; i < group.size(); i++) {
      Slot s = group.get(i);
      if (i == md.index()) {
        s.observe(d, true);
        after(s, started);
      } else {
        s.charged = admitted && s.cost > 0;
        others.add(s);
      }
    }
    report(others);
    return admitted;
  }

  /**
   * Learns what each slot counts now (a peek of 0, all at once), without charging anything; the
   * slots' charge state stays as it is.
   */
  void report(List<Slot> slots) {
    if (slots.isEmpty()) {
      return;
    }
    if (failed()) {
      markFailed(slots);
      return;
    }
    long started = clock.nanos();
    List<CompletableFuture<Decision>> answers = new ArrayList<>(slots.size());
    for (Slot s : slots) {
      CompletableFuture<Decision> f;
      try {
        f = s.partition.applyAsync(s.key, Command.peek(0));
      } catch (RuntimeException e) {
        f = CompletableFuture.completedFuture(Decision.storeUnavailable(s.policy, NANOS_PER_SECOND));
      }
      answers.add(f);
    }
    for (int i = 0; i < slots.size(); i++) {
      Slot s = slots.get(i);
      Decision d;
      try {
        d = answers.get(i).join();
      } catch (RuntimeException e) {
        d = Decision.storeUnavailable(s.policy, NANOS_PER_SECOND);
      }
      s.observe(d, false);
      after(s, started);
    }
    metrics.storeCall(clock.nanos() - started);
  }

  /** Gives back what {@code slots} charged (not on a store that failed in this request). */
  void refund(List<Slot> slots) {
    for (Slot s : slots) {
      if (!s.charged) {
        continue;
      }
      if (cache != null && s.envoyWindow) {
        cache.forget(s.cacheKey());
      }
      s.charged = false;
      if (failedStores == null || !failedStores.contains(s.store)) {
        call(s, Command.refund(s.cost));
      }
    }
  }

  private void failed(Store store) {
    if (failedStores == null) {
      failedStores = new HashSet<>(2);
    }
    failedStores.add(store);
  }

  private void markFailed(List<Slot> slots) {
    for (Slot s : slots) {
      if (s.decision == null) {
        s.observe(Decision.storeUnavailable(s.policy, NANOS_PER_SECOND), false);
      }
    }
  }

  private Decision call(Slot s, Command command) {
    long started = clock.nanos();
    try {
      return s.partition.apply(s.key, command);
    } catch (RuntimeException e) {
      return Decision.storeUnavailable(s.policy, NANOS_PER_SECOND);
    } finally {
      metrics.storeCall(clock.nanos() - started);
    }
  }

  /** After a store answer: notes a failure, remembers an exhausted envoy window. */
  private void after(Slot s, long startedNanos) {
    if (s.failed) {
      failed(s.store);
      return;
    }
    if (cache != null && s.envoyWindow && s.usedNow() >= s.limit()) {
      cache.put(s.cacheKey(), s.usedNow(), startedNanos + s.decision.resetAfterNanos(), clock.nanos());
    }
  }
}
