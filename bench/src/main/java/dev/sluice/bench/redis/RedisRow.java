package dev.sluice.bench.redis;

/**
 * One row of the Redis benchmark: a way of making a rate-limit decision against a Redis server.
 * {@link RedisReport} opens a fresh {@link Session} per measurement (after flushing Redis), calls
 * {@link Session#tryAcquire} from every caller thread at once, and closes it.
 *
 * <p>Every row gets the same setup: its own Lettuce client to the same server, one bucket that
 * never runs dry (the limit never denies, so the cost of the decision itself is measured), and
 * keys given as an index into a set of {@code keys} keys that the row names as it likes.
 */
public interface RedisRow {

  /** Short id, matched by {@code --rows REGEX}. */
  String id();

  /** The row's name in the table (Markdown). */
  String title();

  /** Context rows are printed but no target rests on them. */
  default boolean context() {
    return false;
  }

  /** Connects to {@code uri} and prepares a subject deciding on {@code keys} distinct keys. */
  Session open(String uri, int keys) throws Exception;

  /** A connected subject, shared by every caller thread. */
  interface Session extends AutoCloseable {
    int ADMITTED = 1;
    int DENIED = 0;
    /**
     * Answered without Redis deciding (Sluice: by its failure policy, after its deadline passed
     * or while its circuit breaker is open): not a decision, not counted as one.
     */
    int NOT_DECIDED = -1;

    /**
     * One blocking decision on key number {@code key} (0 ≤ key < keys): {@link #ADMITTED},
     * {@link #DENIED}, or {@link #NOT_DECIDED} when the answer did not come from Redis.
     */
    int tryAcquire(int key);

    /**
     * Round trips of the row's own retry loop made so far (Bucket4j: compare-and-swap attempts),
     * or -1 where the row has no retry loop.
     */
    default long attempts() {
      return -1;
    }

    /** Anything worth printing after a measurement (counters of the library's own), or "". */
    default String details() {
      return "";
    }

    @Override
    void close();
  }
}
