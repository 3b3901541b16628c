package dev.sluice.bench.redis;

import dev.sluice.redis.testing.RedisServer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the Redis report reads from its server besides decisions: version, CPU time, script calls,
 * key count; over the test fixture's own connection ({@link RedisServer#command}), not a client
 * library's.
 */
public final class RedisStats {
  private final RedisServer server;

  public RedisStats(RedisServer server) {
    this.server = server;
  }

  /** Redis's own version, e.g. {@code 7.0.15}. */
  public String version() {
    return info("server").getOrDefault("redis_version", "?");
  }

  /** Fields of an {@code INFO section} reply. */
  Map<String, String> info(String section) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : String.valueOf(server.command("INFO", section)).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        out.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return out;
  }

  /** {@code used_cpu_sys + used_cpu_user} in seconds: every thread of the server. */
  double cpuSeconds() {
    Map<String, String> f = info("cpu");
    return Double.parseDouble(f.get("used_cpu_sys")) + Double.parseDouble(f.get("used_cpu_user"));
  }

  /** Calls of {@code EVAL} and {@code EVALSHA} so far: top-level script calls, one per round trip. */
  public long scriptCalls() {
    long n = 0;
    for (Map.Entry<String, String> e : info("commandstats").entrySet()) {
      if (e.getKey().equals("cmdstat_eval") || e.getKey().equals("cmdstat_evalsha")) {
        String v = e.getValue(); // calls=N,usec=...
        n += Long.parseLong(v.substring(v.indexOf('=') + 1, v.indexOf(',')));
      }
    }
    return n;
  }

  public void flushAll() {
    Object r = server.command("FLUSHALL", "SYNC");
    if (!"OK".equals(r)) {
      throw new IllegalStateException("FLUSHALL answered " + r);
    }
  }

  long dbSize() {
    return (Long) server.command("DBSIZE");
  }
}
