package dev.sluice.server.service;

import dev.sluice.server.config.RateLimitRule;
import dev.sluice.server.metrics.ServerMetrics;
import dev.sluice.server.settings.ServiceSettings.FailureMode;
import java.util.ArrayList;
import java.util.List;

/**
 * One descriptor of a request, looked up: its rule (if any), its cost, how it takes part in the
 * decision, and the counters it charges. What it reports follows from its counters once the store
 * has answered.
 */
final class Item {

  /** How a descriptor takes part in the decision. */
  enum Mode {
    /** No limit: unknown domain, no match, or replaced. */
    NONE,
    /** An {@code unlimited} rule: OK, everything remains. */
    UNLIMITED,
    /** A rate limit: charged all or nothing with the request's other enforcing descriptors. */
    ENFORCING,
    /** Their quota mode (per rule or {@code QUOTA_MODE}): over only if every quota descriptor is. */
    QUOTA,
    /** Shadow mode (not quota): over is reported and counted, never answered. */
    SHADOW
  }

  /**
   * One counter of the descriptor.
   *
   * @param slot the counter
   * @param offset the cost of the request's earlier descriptors on the same counter: as theirs,
   *     a descriptor sees the hits of those before it
   * @param limit this descriptor's limit on it
   */
  record Link(Slot slot, long offset, long limit) {

    /**
     * Whether this descriptor's limit cannot take what the request asks of the counter: the local
     * cache said so, the store denied it by this limit, or (not charged) the counter's cost, of
     * every descriptor that names it, exceeds what remains under this limit.
     */
    boolean over() {
      if (slot.cachedOver || slot.denied && limit <= slot.limit()) {
        return true;
      }
      return !slot.charged && slot.cost > limit - slot.usedBefore;
    }

    /**
     * The count before this descriptor's hits, for its stats: after the earlier descriptors' if
     * charged or within the limit; if over, as if its hits came last.
     */
    long before(long cost) {
      if (over()) {
        return Math.max(slot.usedBefore, satAdd(slot.usedBefore, slot.cost) - cost);
      }
      return slot.charged ? satAdd(slot.usedBefore, offset) : slot.usedBefore;
    }

    /** What remains under this limit: after this descriptor's hits if charged, as it is if not; 0 if over. */
    long remaining(long cost) {
      if (over()) {
        return 0;
      }
      long used = slot.charged ? satAdd(satAdd(slot.usedBefore, offset), cost) : slot.usedBefore;
      return Math.max(0, limit - used);
    }
  }

  final int index;
  final RateLimitRule rule;
  final long cost;
  final Mode mode;
  /** Its rule's stats; null without a rule. */
  final ServerMetrics.RuleStats stats;
  final List<Link> links = new ArrayList<>(1);

  /**
   * A descriptor looked up.
   *
   * @param index its position in the request
   * @param rule its rule; null for {@link Mode#NONE} and {@link Mode#UNLIMITED}
   * @param cost its hits
   * @param mode how it takes part
   * @param stats its rule's stats; null without a rule
   */
  Item(int index, RateLimitRule rule, long cost, Mode mode, ServerMetrics.RuleStats stats) {
    this.index = index;
    this.rule = rule;
    this.cost = cost;
    this.mode = mode;
    this.stats = stats;
  }

  /** An envoy rule of 0 requests per unit: every hit is over, nothing is counted. */
  boolean zeroLimit() {
    return rule != null && rule.policies().isEmpty() && rule.requestsPerUnit() == 0;
  }

  /** Whether the store could not answer for one of its counters. */
  boolean failed() {
    for (Link l : links) {
      if (l.slot().failed && !l.slot().cachedOver) {
        return true;
      }
    }
    return false;
  }

  /** Whether the local over-limit cache denied one of its counters. */
  boolean cachedOver() {
    for (Link l : links) {
      if (l.slot().cachedOver) {
        return true;
      }
    }
    return false;
  }

  /** Whether its limits cannot take its cost (a failed counter: as {@code failureMode} says). */
  boolean over(FailureMode failureMode) {
    if (rule == null) {
      return false;
    }
    if (zeroLimit()) {
      return cost > 0;
    }
    if (cachedOver()) {
      return true;
    }
    if (failed()) {
      return failureMode == FailureMode.CLOSED;
    }
    for (Link l : links) {
      if (l.over()) {
        return true;
      }
    }
    return false;
  }

  /** Whether its status is OVER_LIMIT: over, and not in shadow mode. */
  boolean overLimitCode(FailureMode failureMode) {
    return over(failureMode) && !rule.shadowMode();
  }

  /** The counter it reports: the first that is over, else the one with the least remaining. */
  Link reported() {
    Link best = null;
    for (Link l : links) {
      if (l.over()) {
        return l;
      }
      if (best == null || l.remaining(cost) < best.remaining(cost)) {
        best = l;
      }
    }
    return best;
  }

  /** Its counters. */
  List<Slot> slots() {
    List<Slot> out = new ArrayList<>(links.size());
    for (Link l : links) {
      out.add(l.slot());
    }
    return out;
  }

  /** {@code a + b} for counts ({@code >= 0}), saturating at {@link Long#MAX_VALUE}. */
  static long satAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }
}
