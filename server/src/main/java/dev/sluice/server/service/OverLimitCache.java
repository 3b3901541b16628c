package dev.sluice.server.service;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LOCAL_CACHE_SIZE_IN_BYTES}: the envoy-window counters seen at or over their limit in
 * their current window, so that further requests they cannot admit are denied without a store
 * call.
 *
 * <p>An entry holds the count seen and until when its window lasts. It denies a cost only if
 * {@code count + cost > limit} for the limit of the request at hand, so it never denies what the
 * store would admit: a fixed window's count never goes down before its window ends, so the count
 * now is at least the one seen; a query (cost 0) at the limit, a bigger limit after a reload or
 * in the request's {@code limit}, all go to the store. The window's end is taken as the time the
 * store call started plus the decision's time to reset, which is never later than the store's
 * own end (the store decided after the call started), so no clock difference between this server
 * and the store makes an entry outlive its window. The service forgets an entry when it gives
 * back a charge of its own (a request denied after part of it was charged) and on reset. What it
 * cannot see: another server sharing the store giving back a charge of its own; until that
 * window ends, this cache may deny by up to what was given back. (envoyproxy/ratelimit caches
 * every key that went over its limit, and never gives anything back.)
 *
 * <p>The size bound counts each entry as its key's UTF-16 bytes plus 64 bytes of overhead; when
 * full, expired entries are dropped first, then entries are not added (a miss only costs a store
 * call).
 */
final class OverLimitCache {

  private static final int OVERHEAD_BYTES = 64;

  /** A counter seen at {@code count} until {@code untilNanos} (monotonic). */
  private record Seen(long count, long untilNanos) {}

  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final ConcurrentHashMap<String, Seen> entries = new ConcurrentHashMap<>();

  OverLimitCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * Whether {@code cost} on {@code cacheKey} under {@code limit} is known to be over at
   * {@code nowNanos}.
   */
  boolean denies(String cacheKey, long cost, long limit, long nowNanos) {
    Seen s = entries.get(cacheKey);
    if (s == null) {
      return false;
    }
    if (nowNanos - s.untilNanos() >= 0) {
      if (entries.remove(cacheKey, s)) {
        bytes.addAndGet(-size(cacheKey));
      }
      return false;
    }
    return cost > limit - s.count();
  }

  /** Remembers that {@code cacheKey} counted {@code count} until {@code untilNanos} (monotonic). */
  void put(String cacheKey, long count, long untilNanos, long nowNanos) {
    if (untilNanos - nowNanos <= 0) {
      return;
    }
    long size = size(cacheKey);
    if (bytes.get() + size > maxBytes) {
      sweep(nowNanos);
      if (bytes.get() + size > maxBytes) {
        return;
      }
    }
    Seen seen = new Seen(count, untilNanos);
    if (entries.put(cacheKey, seen) == null) {
      bytes.addAndGet(size);
    }
  }

  /** Forgets {@code cacheKey} (a refund or a reset). */
  void forget(String cacheKey) {
    if (entries.remove(cacheKey) != null) {
      bytes.addAndGet(-size(cacheKey));
    }
  }

  /** Entries now held. */
  int size() {
    return entries.size();
  }

  private void sweep(long nowNanos) {
    for (Iterator<Map.Entry<String, Seen>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Seen> e = it.next();
      if (nowNanos - e.getValue().untilNanos() >= 0) {
        it.remove();
        bytes.addAndGet(-size(e.getKey()));
      }
    }
  }

  private static long size(String key) {
    return 2L * key.length() + OVERHEAD_BYTES;
  }
}
