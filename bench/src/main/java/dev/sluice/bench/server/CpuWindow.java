package dev.sluice.bench.server;

import dev.sluice.bench.Machine;
import dev.sluice.bench.redis.RedisStats;

/**
 * Where the CPU time went during one measurement, in fractions of one core: the server JVM (a
 * child, by its PID), Redis (by its PID), the load generator (this JVM, or wrk's ticks given at
 * the end), and the rest of the machine's busy time ({@code /proc/stat}): other processes, which
 * disturb the run. NaN where a part does not apply or cannot be read. With Redis, also the
 * script calls ({@code EVAL} + {@code EVALSHA}) Redis saw.
 */
final class CpuWindow {
  private static final double HZ = 100; // USER_HZ

  private final long serverPid;
  private final long redisPid;
  private final boolean loadIsThisJvm;
  private long t0;
  private long[] machine0;
  private long server0;
  private long redis0;
  private long self0;
  private java.util.Map<Long, Long> gen0 = java.util.Map.of();
  /** The load generator's own threads (gRPC client event loops, callers), fraction of a core. */
  double generatorThreads = Double.NaN;
  private RedisStats redisStats;
  private long scripts0;
  long scripts = -1;
  double seconds = Double.NaN;
  double server = Double.NaN;
  double redis = Double.NaN;
  double load = Double.NaN;
  double other = Double.NaN;

  /** @param serverPid the server's PID, or -1; @param redisPid Redis's, or -1 */
  CpuWindow(long serverPid, long redisPid, boolean loadIsThisJvm) {
    this.serverPid = serverPid;
    this.redisPid = redisPid;
    this.loadIsThisJvm = loadIsThisJvm;
  }

  /** Also counts Redis's script calls. */
  CpuWindow scripts(RedisStats stats) {
    this.redisStats = stats;
    return this;
  }

  void start() {
    scripts0 = redisStats == null ? 0 : redisStats.scriptCalls();
    machine0 = Machine.busyTicks();
    server0 = serverPid < 0 ? -1 : Machine.processTicks(serverPid);
    redis0 = redisPid < 0 ? -1 : Machine.processTicks(redisPid);
    self0 = Machine.processCpuNanos();
    gen0 = loadIsThisJvm ? generatorThreads() : java.util.Map.of();
    t0 = System.nanoTime();
  }

  /** Ends the window; {@code loadTicks}: the external load generator's CPU ticks, or -1. */
  void end(long loadTicks) {
    seconds = (System.nanoTime() - t0) / 1e9;
    if (redisStats != null) {
      scripts = redisStats.scriptCalls() - scripts0;
    }
    long[] machine1 = Machine.busyTicks();
    if (server0 >= 0) {
      long s = Machine.processTicks(serverPid);
      server = s < 0 ? Double.NaN : (s - server0) / HZ / seconds;
    }
    if (redis0 >= 0) {
      long r = Machine.processTicks(redisPid);
      redis = r < 0 ? Double.NaN : (r - redis0) / HZ / seconds;
    }
    if (loadIsThisJvm) {
      load = (Machine.processCpuNanos() - self0) / 1e9 / seconds;
      // only when every such thread of the start is still alive (callers stop as the window
      // ends, and a finished thread's CPU time can no longer be read)
      var now = generatorThreads();
      if (now.keySet().containsAll(gen0.keySet())) {
        long sum = 0;
        for (var e : now.entrySet()) {
          sum += e.getValue() - gen0.getOrDefault(e.getKey(), 0L);
        }
        generatorThreads = sum / 1e9 / seconds;
      }
    } else if (loadTicks >= 0) {
      load = loadTicks / HZ / seconds;
    }
    if (machine0 != null && machine1 != null) {
      double busy = (machine1[0] - machine0[0]) / (double) machine1[2] / seconds;
      other = busy - zero(server) - zero(redis) - zero(load);
    }
  }

  /**
   * CPU time (ns) by thread id of this JVM's load-generating threads ({@code bench-grpc-client*},
   * {@code caller-*}) alive now; over a window, the rest of {@link #load} is JIT compilation, GC
   * and the like.
   */
  private static java.util.Map<Long, Long> generatorThreads() {
    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.Map<Long, Long> cpu = new java.util.HashMap<>();
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && (t.getThreadName().startsWith("bench-grpc-client") || t.getThreadName().startsWith("caller-"))) {
        long n = mx.getThreadCpuTime(t.getThreadId());
        if (n >= 0) {
          cpu.put(t.getThreadId(), n);
        }
      }
    }
    return cpu;
  }

  /** The load generator's threads' CPU time per call, µs; NaN where unknown. */
  double generatorUsPer(long calls) {
    return calls == 0 ? Double.NaN : generatorThreads * seconds * 1e6 / calls;
  }

  private static double zero(double d) {
    return Double.isNaN(d) ? 0 : d;
  }

  /** The server's CPU time per call, µs, over {@code calls} calls; NaN where unknown. */
  double serverUsPer(long calls) {
    return calls == 0 ? Double.NaN : server * seconds * 1e6 / calls;
  }

  /** The load generator's CPU time per call, µs; NaN where unknown. */
  double loadUsPer(long calls) {
    return calls == 0 ? Double.NaN : load * seconds * 1e6 / calls;
  }

  /** "server / Redis / load / other" in % of one core, "—" for what does not apply. */
  String cells() {
    return pct(server) + " / " + pct(redis) + " / " + pct(load) + " / "
        + (Double.isNaN(other) ? "—" : pct(Math.max(0, other)));
  }

  private static String pct(double d) {
    return Double.isNaN(d) ? "—" : String.format(java.util.Locale.ROOT, "%.0f", 100 * d);
  }
}
