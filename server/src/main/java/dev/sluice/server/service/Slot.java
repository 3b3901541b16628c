package dev.sluice.server.service;

import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;

/**
 * One counter a request charges: a policy's state under one key in one store, with the cost of
 * every descriptor of the request that names it (the same descriptor twice, two values that share
 * a counter through {@code share_threshold}, a {@code limit} override beside the configured rule
 * of its unit), so that one atomic call never names a counter twice. After the call it holds what
 * the store said: whether the cost is charged, and the count before this request.
 */
final class Slot {

  final Store store;
  /**
   * The definition the slot is decided by: for envoy windows named by several descriptors with
   * different limits (a request's override beside the configured rule), the smallest, so that no
   * descriptor's limit is exceeded.
   */
  Policy policy;
  /** {@link #policy}'s partition in {@link #store}. */
  Partition partition;
  final String key;
  /** Whether this is an envoy rule's window (its count is the one theirs keeps). */
  final boolean envoyWindow;
  /** The summed cost of the descriptors that name this counter. */
  long cost;

  /** The store's last answer about this counter, or null before any. */
  Decision decision;
  /** Whether {@link #cost} is charged (and not given back). */
  boolean charged;
  /** Whether the store could not answer about this counter. */
  boolean failed;
  /** Whether the store denied an acquire of {@link #cost} (by {@link #policy}'s limit). */
  boolean denied;
  /** Whether the local over-limit cache denied it, with no store call. */
  boolean cachedOver;
  /** The count before this request charged anything; known once {@link #decision} is set. */
  long usedBefore;

  private Slot(Store store, Partition partition, Policy policy, String key, boolean envoyWindow) {
    this.store = store;
    this.partition = partition;
    this.policy = policy;
    this.key = key;
    this.envoyWindow = envoyWindow;
  }

  /** The counter of an envoy rule's window (the local cache may remember it). */
  static Slot envoyWindow(Store store, Partition partition, Policy window, String key) {
    return new Slot(store, partition, window, key, true);
  }

  /** The state of a Sluice rule's policy. */
  static Slot policy(Store store, Partition partition, Policy policy, String key) {
    return new Slot(store, partition, policy, key, false);
  }

  /** The limit the slot is decided by. */
  long limit() {
    return policy.limit();
  }

  /** The local cache's key: the policy's name (one per envoy unit) and the store key. */
  String cacheKey() {
    return policy.name() + '\u0000' + key;
  }

  /**
   * Records a store answer about this counter: the answer to an acquire of {@link #cost} (which
   * says whether it is charged), or to a peek of 0 after the fact (which leaves the charge as it
   * is). An answer the store did not give (a failure) marks the slot failed.
   */
  void observe(Decision d, boolean acquire) {
    decision = d;
    if (!d.storeDecided()) {
      failed = true;
      if (acquire) {
        charged = false;
      }
      return;
    }
    if (acquire) {
      charged = d.allowed() && cost > 0;
      denied = !d.allowed();
    }
    long usedNow = d.used();
    usedBefore = charged ? Math.max(0, usedNow - cost) : usedNow;
  }

  /** The count now as this request last saw it. */
  long usedNow() {
    return charged ? usedBefore + cost : usedBefore;
  }
}
