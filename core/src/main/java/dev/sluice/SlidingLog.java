package dev.sluice;

import java.time.Duration;

/**
 * Exactly at most {@code limit} cost in any trailing window of length {@code window}: every
 * admitted cost is logged with its time and counted until it is {@code window} old.
 *
 * <p>The log of one key holds at most {@code limit} entries (16 bytes each), so the limit is
 * capped at {@value #MAX_LIMIT}; for larger limits use {@link SlidingCounter}, which keeps three
 * numbers per key.
 *
 * @param name the policy's name
 * @param limit the most cost admitted in any trailing window
 * @param window the window's length
 */
public record SlidingLog(String name, long limit, Duration window) implements Policy {

  /** The largest limit a sliding log accepts. */
  public static final long MAX_LIMIT = 10_000;

  public SlidingLog {
    Checks.name(name);
    Checks.positive("limit", limit);
    Checks.durationNanos("window", window);
    if (limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit (" + limit + ") would let one key's sliding log grow to " + limit
              + " entries; the sliding log is capped at " + MAX_LIMIT
              + " — use SlidingCounter for large limits (bounded memory, documented error)");
    }
  }

  /** Same as the canonical constructor. */
  public static SlidingLog of(String name, long limit, Duration window) {
    return new SlidingLog(name, limit, window);
  }
}
