package dev.sluice.bench.redis;

import dev.sluice.redis.testing.RedisBinary;
import dev.sluice.redis.testing.RedisServer;

import dev.sluice.bench.MarkdownTable;
import dev.sluice.bench.Options;

import dev.sluice.bench.Machine;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

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
  static final class Config {
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
    Path out;
    final List<String> notes = new ArrayList<>();

    static Config parse(String[] args) {
      Config c = new Config();
      new Options(RedisReport.class)
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
              n -> c.sluiceDeadlineMs = n)
          .out(f -> c.out = f)
          .notes(c.notes)
          .parse(args);
      if (c.warmup < 0 || c.time < 1 || c.threads < 1 || c.keys < 2 || c.rounds < 1) {
        throw new IllegalArgumentException("need --warmup >= 0, --time >= 1, --threads >= 1,"
            + " --keys >= 2, --rounds >= 1");
      }
      return c;
    }
  }

  /** One measurement: a row on a key set. */
  record Result(String row, int keys, long decisions, long denied, long errors, long undecided,
      String firstError, String details,
      double seconds, Histogram latency, double redisCpu, double clientCpu, double otherCpu,
      double stealCpu, double scriptsPerDecision, double attemptsPerDecision, long keysInRedis) {

    double perSecond() {
      return decisions / seconds;
    }

    double p50us() {
      return latency.getValueAtPercentile(50) / 1000.0;
    }

    double p99us() {
      return latency.getValueAtPercentile(99) / 1000.0;
    }

    /** Redis CPU time per decision, µs. */
    double redisUs() {
      return redisCpu * seconds * 1e6 / decisions;
    }

    /** This JVM's CPU time per decision, µs. */
    double clientUs() {
      return clientCpu * seconds * 1e6 / decisions;
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
    Path out = c.out != null ? c.out : Machine.jarDirectory(RedisReport.class).resolve("redis-report.md");
    Instant start = Instant.now();
    String loadBefore = Machine.loadAverage();
    List<List<Result>> results = new ArrayList<>(); // per (row, key set), one per round
    String redisVersion;
    try (RedisServer fixture = RedisServer.start(
        c.redisServer != null ? Path.of(c.redisServer) : RedisBinary.resolve())) {
      RedisStats server = new RedisStats(fixture);
      redisVersion = server.version();
      System.out.printf(Locale.ROOT, "# redis-server %s (%s), pid %d, port %d%n", redisVersion,
          fixture.binary(), fixture.pid(), fixture.port());
      for (int i = 0; i < rows.size() * keySets.size(); i++) {
        results.add(new ArrayList<>());
      }
      for (int round = 1; round <= c.rounds; round++) {
        int slot = 0;
        for (RedisRow row : rows) {
          for (int keys : keySets) {
            System.out.printf(Locale.ROOT, "# round %d/%d: %s, %,d key(s)%n", round, c.rounds,
                row.id(), keys);
            Result r = measure(row, keys, fixture.uri(), server, c);
            System.out.println(describe(r));
            results.get(slot++).add(r);
          }
        }
      }
    }
    List<Result> medians = new ArrayList<>();
    List<double[]> ranges = new ArrayList<>();
    for (List<Result> rs : results) {
      List<Result> sorted = new ArrayList<>(rs);
      sorted.sort(Comparator.comparingDouble(Result::perSecond));
      medians.add(sorted.get((sorted.size() - 1) / 2));
      ranges.add(new double[] {sorted.get(0).perSecond(), sorted.get(sorted.size() - 1).perSecond()});
    }
    String md = format(c, rows, medians, ranges, start, loadBefore, Machine.loadAverage(), redisVersion);
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(md);
    System.out.println("(written to " + out + ")");
  }

  // ---- measuring

  private static final int WARMUP = 0;
  private static final int MEASURE = 1;
  private static final int STOP = 2;

  /** One caller thread's counts; written by that thread only, read after it is joined. */
  static final class Caller implements Runnable {
    final Thread thread;
    final RedisRow.Session session;
    final int keys;
    final SplittableRandom random;
    final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    volatile int phase = WARMUP;
    long decisions;
    long denied;
    long undecided;
    long undecidedMaxNanos;
    long errors;
    Throwable firstError;

    Caller(RedisRow.Session session, int keys, int index, boolean virtual) {
      this.session = session;
      this.keys = keys;
      this.random = new SplittableRandom(0x5EED + index);
      this.thread = virtual ? virtualThread(this, "caller-" + index) : new Thread(this, "caller-" + index);
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      for (int p; (p = phase) != STOP; ) {
        int key = keys == 1 ? 0 : random.nextInt(keys);
        long t0 = System.nanoTime();
        int outcome;
        try {
          outcome = session.tryAcquire(key);
        } catch (RuntimeException e) {
          if (p == MEASURE) {
            errors++;
          }
          if (firstError == null) {
            firstError = e;
          }
          continue;
        }
        long t = System.nanoTime() - t0;
        if (p == MEASURE) {
          if (outcome == RedisRow.Session.NOT_DECIDED) {
            undecided++;
            undecidedMaxNanos = Math.max(undecidedMaxNanos, t);
          } else {
            latency.recordValue(Math.min(t, latency.getHighestTrackableValue()));
            decisions++;
            if (outcome == RedisRow.Session.DENIED) {
              denied++;
            }
          }
        }
      }
    }
  }

  /**
   * An unstarted virtual thread running {@code r} (JDK 21+; this module compiles for 17, so
   * through reflection).
   */
  static Thread virtualThread(Runnable r, String name) {
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> type = Class.forName("java.lang.Thread$Builder");
      builder = type.getMethod("name", String.class).invoke(builder, name);
      return (Thread) type.getMethod("unstarted", Runnable.class).invoke(builder, r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("--virtual-threads needs JDK 21 or later, this is "
          + System.getProperty("java.version"), e);
    }
  }

  static Result measure(RedisRow row, int keys, String uri, RedisStats server, Config c) throws Exception {
    server.flushAll();
    if (c.quietWait > 0) {
      waitQuiet(c.quietWait);
    }
    try (RedisRow.Session session = row.open(uri, keys)) {
      List<Caller> callers = new ArrayList<>();
      for (int i = 0; i < c.threads; i++) {
        callers.add(new Caller(session, keys, i, c.virtualThreads));
      }
      callers.forEach(t -> t.thread.start());
      Thread.sleep(TimeUnit.SECONDS.toMillis(c.warmup));

      double redis0 = server.cpuSeconds();
      long scripts0 = server.scriptCalls();
      long attempts0 = session.attempts();
      long[] machine0 = machineTicks();
      long client0 = processCpuNanos();
      long t0 = System.nanoTime();
      callers.forEach(t -> t.phase = MEASURE);
      Thread.sleep(TimeUnit.SECONDS.toMillis(c.time));
      callers.forEach(t -> t.phase = STOP);
      long t1 = System.nanoTime();
      long client1 = processCpuNanos();
      long[] machine1 = machineTicks();
      long attempts1 = session.attempts();
      long scripts1 = server.scriptCalls();
      double redis1 = server.cpuSeconds();

      for (Caller t : callers) {
        t.thread.join(TimeUnit.SECONDS.toMillis(120));
        if (t.thread.isAlive()) {
          throw new IllegalStateException(t.thread.getName() + " of " + row.id() + " did not stop");
        }
      }
      Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      long decisions = 0;
      long denied = 0;
      long errors = 0;
      long undecided = 0;
      long undecidedMax = 0;
      String firstError = null;
      for (Caller t : callers) {
        latency.add(t.latency);
        decisions += t.decisions;
        denied += t.denied;
        errors += t.errors;
        undecided += t.undecided;
        undecidedMax = Math.max(undecidedMax, t.undecidedMaxNanos);
        if (firstError == null && t.firstError != null) {
          firstError = t.firstError.toString();
        }
      }
      double seconds = (t1 - t0) / 1e9;
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
      return new Result(row.id(), keys, decisions, denied, errors, undecided,
          firstError, (undecided > 0 ? String.format(Locale.ROOT,
              "longest call answered without Redis: %.1f ms; ", undecidedMax / 1e6) : "")
              + session.details(), seconds, latency,
          redisCpu, clientCpu, otherCpu, stealCpu, scripts, attempts, server.dbSize());
    }
  }

  /**
   * Waits up to {@code seconds} for a second in which the whole machine is under 20% of one core
   * busy (nothing of ours runs between measurements, so that is everything else), and says so.
   */
  private static void waitQuiet(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    double busy = Double.NaN;
    while (System.nanoTime() < deadline) {
      long[] a = machineTicks();
      Thread.sleep(1000);
      long[] b = machineTicks();
      if (a == null || b == null) {
        return;
      }
      busy = (b[0] - a[0]) / (double) b[2];
      if (busy < 0.2) {
        return;
      }
    }
    System.out.printf(Locale.ROOT, "  (machine still %.0f%% busy after %d s; measuring anyway)%n",
        100 * busy, seconds);
  }

  /** This JVM's CPU time (every thread), in ns. */
  private static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  /**
   * The machine's busy and steal time from the first line of {@code /proc/stat}, in clock ticks,
   * and the ticks per second (USER_HZ, 100 on Linux); null where there is no /proc.
   */
  private static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...: all but idle, iowait and steal.
      // Interrupt time counts: loopback packets are processed in softirq, mostly inside this
      // run's own send calls, where the kernel charges it to the calling process's CPU time too
      // (leaving it out made "other" read -5 to -20% on an idle machine).
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(f[i]);
      }
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new long[] {busy, steal, 100};
    } catch (IOException | RuntimeException e) {
      return null;
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
        r.row(), r.keys(), r.perSecond(), r.decisions(), r.seconds(), r.p50us(), r.p99us(),
        r.latency().getMaxValue() / 1e6, 100 * r.redisCpu(), 100 * r.clientCpu(),
        100 * r.otherCpu(), 100 * r.stealCpu(), r.redisUs(), r.clientUs(), r.scriptsPerDecision(),
        Double.isNaN(r.attemptsPerDecision()) ? "n/a"
            : String.format(Locale.ROOT, "%.3f", r.attemptsPerDecision()),
        r.denied(), r.errors(), r.undecided(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")",
        r.keysInRedis(), r.details().isEmpty() ? "" : "; " + r.details());
  }

  // ---- formatting

  static String format(Config c, List<RedisRow> rows, List<Result> results, List<double[]> ranges,
      Instant start, String loadBefore, String loadAfter, String redisVersion) {
    StringBuilder b = new StringBuilder();
    Duration took = Duration.between(start, Instant.now());
    b.append("## Redis store: ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME
        .format(start.atOffset(ZoneOffset.UTC).withNano(0))).append(" UTC\n\n");
    b.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append("; heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB, ")
        .append(gcName()).append('\n');
    b.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(Machine.cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.version"))
        .append("; Redis and the load generator share the cores\n");
    b.append("- Redis ").append(redisVersion)
        .append(" (own redis-server on a loopback port, no persistence), Lettuce ")
        .append(version("io.lettuce", "lettuce-core")).append(", Bucket4j ")
        .append(version("com.bucket4j", "bucket4j_jdk17-lettuce")).append('\n');
    b.append(String.format(Locale.ROOT,
        "- %d caller %s, blocking calls; %d s warmup + %d s measured per row and key set;"
            + " %,d keys uniformly at random for the many-keys runs; %d round(s)%s%n",
        c.threads, c.virtualThreads ? "virtual threads" : "threads", c.warmup, c.time, c.keys, c.rounds,
        c.rounds > 1 ? " interleaved, the median round shown" : ""));
    b.append("- Load average (1/5/15 min) before: ").append(loadBefore).append("; after: ")
        .append(loadAfter).append("; run took ").append(took.toMinutes()).append(" min ")
        .append(took.toSecondsPart()).append(" s\n");
    for (String n : c.notes) {
      b.append("- ").append(n).append('\n');
    }
    b.append('\n');
    b.append("CPU columns are % of one core (200% = both cores): Redis from `INFO cpu`, client ="
        + " this JVM, other = the rest of the machine's busy time (/proc/stat, less Redis and"
        + " this JVM): anything else running disturbs the run; it reads within about ±10 of 0"
        + " on an idle machine (tick-based accounting)."
        + " CPU µs/decision: CPU time over decisions made, which other load disturbs less than"
        + " decisions/s."
        + " Scripts/decision: EVAL + EVALSHA calls seen by Redis per decision; attempts/decision:"
        + " Bucket4j's compare-and-swap attempts (each one a GET and an EVAL) per decision.\n\n");

    List<String> headers = new ArrayList<>(List.of("Row", ">keys", ">decisions/s"));
    if (c.rounds > 1) {
      headers.add(">rounds: min–max");
    }
    headers.addAll(List.of(">p50 µs", ">p99 µs", ">Redis CPU %", ">client CPU %", ">other CPU %",
        ">Redis CPU µs/decision", ">client CPU µs/decision", ">scripts/decision", ">attempts/decision"));
    MarkdownTable table = MarkdownTable.of(headers);
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      RedisRow row = rows.stream().filter(x -> x.id().equals(r.row())).findFirst().orElseThrow();
      List<String> cells = new ArrayList<>(List.of(row.title(), keysLabel(r.keys()),
          String.format(Locale.ROOT, "%,.0f", r.perSecond())));
      if (c.rounds > 1) {
        cells.add(String.format(Locale.ROOT, "%,.0f–%,.0f", ranges.get(i)[0], ranges.get(i)[1]));
      }
      cells.addAll(List.of(us(r.p50us()), us(r.p99us()),
          String.format(Locale.ROOT, "%.0f", 100 * r.redisCpu()),
          String.format(Locale.ROOT, "%.0f", 100 * r.clientCpu()),
          Double.isNaN(r.otherCpu()) ? "n/a" : String.format(Locale.ROOT, "%.0f", Math.max(0, 100 * r.otherCpu())),
          String.format(Locale.ROOT, "%.1f", r.redisUs()), String.format(Locale.ROOT, "%.1f", r.clientUs()),
          String.format(Locale.ROOT, "%.2f", r.scriptsPerDecision()),
          Double.isNaN(r.attemptsPerDecision()) ? "—" : String.format(Locale.ROOT, "%.2f", r.attemptsPerDecision())));
      table.row(cells.toArray());
      if (r.denied() > 0 || r.errors() > 0 || r.undecided() > 0) {
        problems.add(String.format(Locale.ROOT,
            "%s, %s: %,d denied, %,d errors, %,d answered by a failure policy, not by Redis (not"
                + " counted as decisions)%s",
            row.id(), keysLabel(r.keys()), r.denied(), r.errors(), r.undecided(),
            r.firstError() == null ? "" : " (first: " + r.firstError() + ")"));
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

  private static String us(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static String version(String group, String artifact) {
    String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = RedisReport.class.getResourceAsStream(res)) {
      if (in == null) {
        return "?";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }

  private static String gcName() {
    List<String> names = new ArrayList<>();
    ManagementFactory.getGarbageCollectorMXBeans().forEach(g -> names.add(g.getName()));
    return String.join(" + ", names);
  }
}
