package dev.sluice.bench.redis;

import dev.sluice.redis.testing.RedisBinary;
import dev.sluice.redis.testing.RedisServer;

import dev.sluice.bench.Callers;
import dev.sluice.bench.Machine;
import dev.sluice.bench.MarkdownTable;
import dev.sluice.bench.ReportConfig;
import dev.sluice.bench.ReportText;
import dev.sluice.bench.Rounds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Rate-limit decisions against a Redis server, side by side in one run: decisions per second and
 * per-call latency (p50, p99) with {@code --threads} callers (64) each making blocking calls in a
 * loop, on one hot key and on {@code --keys} keys (100,000, a uniformly random one per call).
 *
 * <pre>
 * ./mvnw -q -B -pl bench -am package -DskipTests
 * java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.redis.RedisReport [options]
 * </pre>
 *
 * Not JMH: 64 callers on a 2-core machine need plain platform threads, and Redis shares the cores.
 * The report starts its own {@code redis-server} on a free loopback port (no persistence) with the
 * Redis tests' fixture ({@code dev.sluice.redis.testing.RedisServer}, from sluice-redis's test-jar)
 * and stops it by its PID at the end. For every row and key set it flushes Redis, opens the row (its own
 * Lettuce client), runs all callers for the warmup, then for the measurement, and closes the row.
 * Latency is each call's wall time ({@code System.nanoTime()} around the blocking call) in an
 * HdrHistogram (3 significant digits) per thread, merged. During the measurement it also samples
 * Redis's CPU time ({@code INFO cpu}: used_cpu_user + used_cpu_sys), this JVM's CPU time, the
 * machine's busy time ({@code /proc/stat}; "other" is what neither Redis nor this JVM used, i.e.
 * other processes disturbing the run), and top-level script calls ({@code INFO commandstats}:
 * EVAL + EVALSHA) per decision. CPU is in % of one core (2 cores: 200% at most).
 *
 * <p>Options (defaults in brackets; the default run takes about 5 minutes with the Sluice rows):
 * <pre>
 *   --warmup S         warmup seconds per measurement [5]
 *   --time S           measured seconds per measurement [10]
 *   --threads N        caller threads [64]
 *   --keys N           keys of the many-keys runs [100000]
 *   --rounds N         run every row N times, interleaved; the table shows the median round
 *                      and the range of decisions/s [1]
 *   --rows REGEX       only rows whose id matches (ids: bucket4j, bucket4j-batching, gcra, scg,
 *                      sluice, sluice-coalescing, sluice-10ms, sluice-coalescing-10ms) [all]
 *   --hot-only, --many-only   only the one-key runs, only the many-keys runs
 *   --virtual-threads        the callers are virtual threads (JDK 21+) instead of platform threads
 *   --redis-server P   the redis-server executable [as the tests choose: PATH if >= 6.2, else bundled]
 *   --quiet-wait S     before each measurement, wait up to S seconds for the machine to be
 *                      idle (under 20% of one core busy over 1 s: nothing else running) [0]
 *   --sluice-deadline-ms N   the deadline of Sluice's rows (RedisStore commandTimeout); the
 *                      *-10ms rows keep the store's default [60000: Lettuce's default timeout,
 *                      which the other rows run with]
 *   --out FILE         where to write the Markdown report [next to the jar: redis-report.md]
 *   --note TEXT        a line added to the report's conditions (e.g. the commit measured)
 * </pre>
 */
public final class RedisReport {
  private RedisReport() {}

  /** Every row, in table order. */
  static List<RedisRow> allRows(Config c) {
    Duration deadline = Duration.ofMillis(c.sluiceDeadlineMs);
    List<RedisRow> rows = new ArrayList<>();
    rows.add(Bucket4jRow.plain());
    rows.add(Bucket4jRow.batching());
    rows.add(ScriptRow.gcra());
    rows.add(ScriptRow.twoKeyTokenBucket());
    rows.add(SluiceRow.plain(deadline));
    rows.add(SluiceRow.coalescing(deadline));
    rows.add(SluiceRow.plainDefaultDeadline());
    rows.add(SluiceRow.coalescingDefaultDeadline());
    rows.add(new HandoffRow());
    return rows;
  }

  /** Options. */
  static final class Config extends ReportConfig {
    int warmup = 5;
    int time = 10;
    int threads = 64;
    int keys = 100_000;
    int rounds = 1;
    Pattern rows = Pattern.compile(".*");
    boolean hot = true;
    boolean many = true;
    /** The redis-server binary; null: the tests' choice ({@link RedisBinary#resolve()}). */
    String redisServer;
    int quietWait = 0;
    long sluiceDeadlineMs = 60_000;
    boolean virtualThreads;

    static Config parse(String[] args) {
      Config c = new Config();
      c.parse(RedisReport.class, args, o -> o
          .integer("--warmup", "S", "warmup seconds per row and key set (5)", n -> c.warmup = n)
          .integer("--time", "S", "measured seconds per row and key set (10)", n -> c.time = n)
          .integer("--threads", "N", "callers (64)", n -> c.threads = n)
          .integer("--keys", "N", "keys of the many-keys set (100,000)", n -> c.keys = n)
          .integer("--rounds", "N", "every row N times, interleaved; the median shown (1)", n -> c.rounds = n)
          .value("--rows", "REGEX", "the rows to run", v -> c.rows = Pattern.compile(v))
          .flag("--hot-only", "only the one-key set", () -> c.many = false)
          .flag("--many-only", "only the many-keys set", () -> c.hot = false)
          .flag("--virtual-threads", "callers on virtual threads", () -> c.virtualThreads = true)
          .value("--redis-server", "PATH", "the redis-server binary (as the tests choose it: on PATH if"
              + " >= 6.2, else the bundled one)", v -> c.redisServer = v)
          .integer("--quiet-wait", "S", "first wait up to S seconds for other load to stop", n -> c.quietWait = n)
          .integer("--sluice-deadline-ms", "N", "the Sluice rows' decision deadline (60,000)",
              n -> c.sluiceDeadlineMs = n));
      if (c.warmup < 0 || c.time < 1 || c.threads < 1 || c.keys < 2 || c.rounds < 1) {
        throw new IllegalArgumentException("need --warmup >= 0, --time >= 1, --threads >= 1,"
            + " --keys >= 2, --rounds >= 1");
      }
      return c;
    }
  }

  /** One measurement: a row on a key set. */
  record Result(String row, int keys, Callers.Totals calls, String details, double redisCpu,
      double clientCpu, double otherCpu, double stealCpu, double scriptsPerDecision,
      double attemptsPerDecision, long keysInRedis) {

    double perSecond() {
      return calls.perSecond();
    }

    /** Redis CPU time per decision, µs. */
    double redisUs() {
      return redisCpu * calls.seconds() * 1e6 / calls.decisions();
    }

    /** This JVM's CPU time per decision, µs. */
    double clientUs() {
      return clientCpu * calls.seconds() * 1e6 / calls.decisions();
    }
  }

  public static void main(String[] args) throws Exception {
    Config c = Config.parse(args);
    List<RedisRow> rows = allRows(c).stream().filter(r -> c.rows.matcher(r.id()).matches()).toList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no row id matches " + c.rows);
    }
    List<Integer> keySets = new ArrayList<>();
    if (c.hot) {
      keySets.add(1);
    }
    if (c.many) {
      keySets.add(c.keys);
    }
    Path out = c.out(RedisReport.class, "redis-report.md");
    Instant start = Instant.now();
    String loadBefore = Machine.loadAverage();
    Rounds<Result> rounds;
    String redisVersion;
    try (RedisServer fixture = RedisServer.start(
        c.redisServer != null ? Path.of(c.redisServer) : RedisBinary.resolve())) {
      RedisStats server = new RedisStats(fixture);
      redisVersion = server.version();
      System.out.printf(Locale.ROOT, "# redis-server %s (%s), pid %d, port %d%n", redisVersion,
          fixture.binary(), fixture.pid(), fixture.port());
      List<Rounds.Cell<Result>> cells = new ArrayList<>();
      for (RedisRow row : rows) {
        for (int keys : keySets) {
          cells.add(new Rounds.Cell<>(String.format(Locale.ROOT, "%s, %,d key(s)", row.id(), keys),
              () -> measure(row, keys, fixture.uri(), server, c)));
        }
      }
      rounds = Rounds.run(c.rounds, cells, RedisReport::describe, Result::perSecond);
    }
    ReportText.write(out, format(c, rows, rounds.medians(), rounds.ranges(), start, loadBefore,
        Machine.loadAverage(), redisVersion));
  }

  // ---- measuring

  static Result measure(RedisRow row, int keys, String uri, RedisStats server, Config c) throws Exception {
    server.flushAll();
    if (c.quietWait > 0) {
      Machine.waitQuiet(c.quietWait);
    }
    try (RedisRow.Session session = row.open(uri, keys)) {
      Callers callers = Callers.start(c.threads, c.virtualThreads, keys, session::tryAcquire);
      callers.warmup(c.warmup);

      double redis0 = server.cpuSeconds();
      long scripts0 = server.scriptCalls();
      long attempts0 = session.attempts();
      long[] machine0 = Machine.busyTicks();
      long client0 = Machine.processCpuNanos();
      callers.measure(c.time);
      long client1 = Machine.processCpuNanos();
      long[] machine1 = Machine.busyTicks();
      long attempts1 = session.attempts();
      long scripts1 = server.scriptCalls();
      double redis1 = server.cpuSeconds();

      Callers.Totals calls = callers.join(row.id());
      long decisions = calls.decisions();
      double seconds = calls.seconds();
      double redisCpu = (redis1 - redis0) / seconds;
      double clientCpu = (client1 - client0) / 1e9 / seconds;
      double otherCpu = Double.NaN;
      double stealCpu = Double.NaN;
      if (machine0 != null && machine1 != null) {
        double busy = (machine1[0] - machine0[0]) / (double) machine1[2] / seconds;
        otherCpu = busy - redisCpu - clientCpu;
        stealCpu = (machine1[1] - machine0[1]) / (double) machine1[2] / seconds;
      }
      double scripts = decisions == 0 ? Double.NaN : (scripts1 - scripts0) / (double) decisions;
      double attempts = attempts0 < 0 || decisions == 0 ? Double.NaN
          : (attempts1 - attempts0) / (double) decisions;
      return new Result(row.id(), keys, calls, (calls.notCounted() > 0 ? String.format(Locale.ROOT,
              "longest call answered without Redis: %.1f ms; ", calls.notCountedMaxNanos() / 1e6) : "")
              + session.details(),
          redisCpu, clientCpu, otherCpu, stealCpu, scripts, attempts, server.dbSize());
    }
  }

  static String describe(Result r) {
    return String.format(Locale.ROOT,
        "  %s, %,d key(s): %,.0f decisions/s (%,d in %.2f s), p50 %.1f µs, p99 %.1f µs,"
            + " max %.1f ms; CPU %%: redis %.0f, client %.0f, other %.0f, steal %.0f;"
            + " CPU µs/decision: redis %.1f, client %.1f;"
            + " scripts/decision %.3f, attempts/decision %s; denied %d, errors %d,"
            + " answered without Redis (not counted) %d%s;"
            + " keys in Redis after: %,d%s",
        r.row(), r.keys(), r.perSecond(), r.calls().decisions(), r.calls().seconds(),
        r.calls().p50us(), r.calls().p99us(), r.calls().maxMs(), 100 * r.redisCpu(), 100 * r.clientCpu(),
        100 * r.otherCpu(), 100 * r.stealCpu(), r.redisUs(), r.clientUs(), r.scriptsPerDecision(),
        Double.isNaN(r.attemptsPerDecision()) ? "n/a"
            : String.format(Locale.ROOT, "%.3f", r.attemptsPerDecision()),
        r.calls().denied(), r.calls().errors(), r.calls().notCounted(),
        r.calls().firstError() == null ? "" : " (first: " + r.calls().firstError() + ")",
        r.keysInRedis(), r.details().isEmpty() ? "" : "; " + r.details());
  }

  // ---- formatting

  static String format(Config c, List<RedisRow> rows, List<Result> results, List<double[]> ranges,
      Instant start, String loadBefore, String loadAfter, String redisVersion) {
    StringBuilder b = new StringBuilder();
    ReportText.title(b, "Redis store", start);
    ReportText.jdkHeapGc(b);
    ReportText.machine(b).append("; Redis and the load generator share the cores\n");
    b.append("- Redis ").append(redisVersion)
        .append(" (own redis-server on a loopback port, no persistence), Lettuce ")
        .append(ReportText.version("io.lettuce", "lettuce-core")).append(", Bucket4j ")
        .append(ReportText.version("com.bucket4j", "bucket4j_jdk17-lettuce")).append('\n');
    b.append(String.format(Locale.ROOT,
        "- %d caller %s, blocking calls; %d s warmup + %d s measured per row and key set;"
            + " %,d keys uniformly at random for the many-keys runs; %d round(s)%s%n",
        c.threads, c.virtualThreads ? "virtual threads" : "threads", c.warmup, c.time, c.keys, c.rounds,
        c.rounds > 1 ? " interleaved, the median round shown" : ""));
    ReportText.load(b, start, loadBefore, loadAfter, c.notes);
    b.append("CPU columns are % of one core (200% = both cores): Redis from `INFO cpu`, client ="
        + " this JVM, other = the rest of the machine's busy time (/proc/stat, less Redis and"
        + " this JVM): anything else running disturbs the run; it reads within about ±10 of 0"
        + " on an idle machine (tick-based accounting)."
        + " CPU µs/decision: CPU time over decisions made, which other load disturbs less than"
        + " decisions/s."
        + " Scripts/decision: EVAL + EVALSHA calls seen by Redis per decision; attempts/decision:"
        + " Bucket4j's compare-and-swap attempts (each one a GET and an EVAL) per decision.\n\n");

    MarkdownTable table = MarkdownTable.of(Rounds.headers(">keys", c.rounds, ">Redis CPU %",
        ">client CPU %", ">other CPU %", ">Redis CPU µs/decision", ">client CPU µs/decision",
        ">scripts/decision", ">attempts/decision"));
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      RedisRow row = rows.stream().filter(x -> x.id().equals(r.row())).findFirst().orElseThrow();
      table.row(Rounds.cells(row.title(), keysLabel(r.keys()), r.calls(), ranges.get(i), c.rounds,
          String.format(Locale.ROOT, "%.0f", 100 * r.redisCpu()),
          String.format(Locale.ROOT, "%.0f", 100 * r.clientCpu()),
          Double.isNaN(r.otherCpu()) ? "n/a" : String.format(Locale.ROOT, "%.0f", Math.max(0, 100 * r.otherCpu())),
          String.format(Locale.ROOT, "%.1f", r.redisUs()), String.format(Locale.ROOT, "%.1f", r.clientUs()),
          String.format(Locale.ROOT, "%.2f", r.scriptsPerDecision()),
          Double.isNaN(r.attemptsPerDecision()) ? "—" : String.format(Locale.ROOT, "%.2f", r.attemptsPerDecision())));
      Callers.Totals calls = r.calls();
      if (calls.denied() > 0 || calls.errors() > 0 || calls.notCounted() > 0) {
        problems.add(String.format(Locale.ROOT,
            "%s, %s: %,d denied, %,d errors, %,d answered by a failure policy, not by Redis (not"
                + " counted as decisions)%s",
            row.id(), keysLabel(r.keys()), calls.denied(), calls.errors(), calls.notCounted(),
            calls.firstError() == null ? "" : " (first: " + calls.firstError() + ")"));
      }
    }
    b.append(table);
    if (!problems.isEmpty()) {
      b.append("**Not every call was an admitted decision made by Redis** (the limits are meant"
          + " never to deny):\n");
      problems.forEach(p -> b.append("- ").append(p).append('\n'));
      b.append('\n');
    }
    targets(b, c, results);
    return b.toString();
  }

  /** The ratios of decisions/s the targets ask for, where both rows were measured. */
  private static void targets(StringBuilder b, Config c, List<Result> results) {
    List<String[]> t = new ArrayList<>();
    for (int keys : new int[] {1, c.keys}) {
      ratio(t, results, "sluice", "gcra", keys, 0.9);
      ratio(t, results, "sluice-coalescing", "gcra", keys, keys == 1 ? 3 : 2);
    }
    ratio(t, results, "sluice-coalescing", "bucket4j", 1, 50);
    ratio(t, results, "sluice", "bucket4j", 1, 50);
    if (t.isEmpty()) {
      return;
    }
    MarkdownTable table = new MarkdownTable("Ratio", ">keys", "Required", "Measured", "Result", "Redis CPU µs/decision");
    t.forEach(row -> table.row((Object[]) row));
    b.append("### Ratios (decisions/s)\n\n").append(table);
  }

  private static void ratio(List<String[]> out, List<Result> results, String row, String base,
      int keys, double required) {
    Result r = find(results, row, keys);
    Result s = find(results, base, keys);
    if (r == null || s == null) {
      return;
    }
    double x = r.perSecond() / s.perSecond();
    out.add(new String[] {row + " / " + base, keysLabel(keys),
        String.format(Locale.ROOT, "≥ %s", trim(required)),
        String.format(Locale.ROOT, "%.2f (%,.0f / %,.0f)", x, r.perSecond(), s.perSecond()),
        x >= required ? "**met**" : "**MISSED**",
        String.format(Locale.ROOT, "%.1f vs %.1f", r.redisUs(), s.redisUs())});
  }

  private static Result find(List<Result> results, String row, int keys) {
    return results.stream().filter(r -> r.row().equals(row) && r.keys() == keys).findFirst()
        .orElse(null);
  }

  private static String keysLabel(int keys) {
    return keys == 1 ? "1 (hot)" : String.format(Locale.ROOT, "%,d", keys);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
