package dev.sluice.server.service;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LOCAL_CACHE_SIZE_IN_BYTES}: the keys a fixed window has exhausted in its current window,
 * so that their further requests are denied without a store call. A key is put here only when
 * its window has nothing left ({@code remaining == 0}), and a fixed window never gives anything
 * back before its window ends, so the cache denies only what the store would deny: exact, even
 * with many instances sharing the store. (envoyproxy/ratelimit caches any key that went over,
 * which is the same for cost 1.) An entry is dropped when its window ends, and on reset.
 *
 * <p>The size bound counts each entry as its key's UTF-16 bytes plus 64 bytes of overhead; when
 * full, expired entries are dropped first, then entries are not added (a miss only costs a store
 * call).
 */
final class OverLimitCache {

  private static final int OVERHEAD_BYTES = 64;

  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final ConcurrentHashMap<String, Long> untilWallNanos = new ConcurrentHashMap<>();

  OverLimitCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Whether {@code cacheKey} is exhausted at {@code nowWallNanos}. */
  boolean exhausted(String cacheKey, long nowWallNanos) {
    Long until = untilWallNanos.get(cacheKey);
    if (until == null) {
      return false;
    }
    if (nowWallNanos < until) {
      return true;
    }
    if (untilWallNanos.remove(cacheKey, until)) {
      bytes.addAndGet(-size(cacheKey));
    }
    return false;
  }

  /** Remembers that {@code cacheKey} is exhausted until {@code endWallNanos}. */
  void put(String cacheKey, long endWallNanos, long nowWallNanos) {
    long size = size(cacheKey);
    if (bytes.get() + size > maxBytes) {
      sweep(nowWallNanos);
      if (bytes.get() + size > maxBytes) {
        return;
      }
    }
    if (untilWallNanos.put(cacheKey, endWallNanos) == null) {
      bytes.addAndGet(size);
    }
  }

  /** Forgets every entry whose key starts with {@code storeKeyPrefix} (a reset). */
  void forget(String cacheKeyPrefix) {
    for (Iterator<Map.Entry<String, Long>> it = untilWallNanos.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (e.getKey().startsWith(cacheKeyPrefix)) {
        it.remove();
        bytes.addAndGet(-size(e.getKey()));
      }
    }
  }

  /** Entries now held. */
  int size() {
    return untilWallNanos.size();
  }

  private void sweep(long nowWallNanos) {
    for (Iterator<Map.Entry<String, Long>> it = untilWallNanos.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (e.getValue() <= nowWallNanos) {
        it.remove();
        bytes.addAndGet(-size(e.getKey()));
      }
    }
  }

  private static long size(String key) {
    return 2L * key.length() + OVERHEAD_BYTES;
  }
}
