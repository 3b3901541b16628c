package dev.sluice.bench.sqlite;

import static dev.sluice.bench.ReportText.us;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.TokenBucket;
import dev.sluice.bench.Callers;
import dev.sluice.bench.Machine;
import dev.sluice.bench.MarkdownTable;
import dev.sluice.bench.ReportConfig;
import dev.sluice.bench.ReportText;
import dev.sluice.bench.Rounds;
import dev.sluice.spi.Command;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.sqlite.SqliteStore;
import dev.sluice.sqlite.Synchronous;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Durable rate-limit decisions on a local SQLite file, side by side in one run: acknowledged
 * decisions per second and per-call latency (p50, p99) with 1, 16 and 64 caller threads
 * ({@code --callers}), for Sluice's {@link SqliteStore} (one writer, group commit) and for
 * {@link NaiveSqliteStore} (one transaction per decision under one lock), both with
 * {@code synchronous=FULL}: a decision is answered only once its transaction is committed.
 *
 * <pre>
 * ./mvnw -q -B -pl bench -am package -DskipTests
 * java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.sqlite.SqliteReport [options]
 * </pre>
 *
 * Not JMH: 64 blocking callers on a 2-core machine need plain platform threads. For every row and
 * caller count ("cell") the report creates a fresh database file in a new directory under
 * {@code --dir}, opens the row's store, pre-creates the {@code --keys} keys (10,000: "k0", "k1",
 * ...; one admitted decision each, through the store itself, in a few large transactions, not
 * measured), runs all callers for the warmup, then for the measurement, closes the store and
 * deletes the directory. Each caller loops: a key uniformly at random, then one blocking
 * {@code Partition.apply(key, Command.acquire(1))}. The policy is a token bucket that admits every
 * call ({@value #CAPACITY} tokens, refilled at {@value #CAPACITY} per second), so every decision
 * writes its key's state; the table shows how many were admitted, and lists any call that was
 * not an admitted decision. Latency is each call's wall time ({@code System.nanoTime()} around
 * the blocking call) in an HdrHistogram (3 significant digits) per thread, merged. Commits are
 * the stores' own counts of committed transactions during the measurement.
 *
 * <p>Sluice's rows run with the store's defaults (maxBatch 256, maxWait 0, synchronous FULL)
 * except the failure choice, set to fail closed: a decision the store could not commit is then a
 * denial (STORE_UNAVAILABLE), not counted, instead of an unrecorded admission.
 *
 * <p>Options (defaults in brackets; the default run takes about 1 min 20 s):
 * <pre>
 *   --warmup S        warmup seconds per cell [3]
 *   --time S          measured seconds per cell [10]
 *   --callers LIST    caller thread counts, comma-separated [1,16,64]
 *   --keys N          keys, each call picks one uniformly at random [10000]
 *   --rows REGEX      only rows whose id matches (ids: sluice, sluice-normal, naive,
 *                     naive-normal) [sluice|naive]
 *   --rounds N        run every cell N times, interleaved; the table shows the median round
 *                     and the range of decisions/s [1]
 *   --dir PATH        where the cells' database directories are created (the disk measured)
 *                     [next to the jar: bench/target/sqlite-bench]
 *   --out FILE        where to write the Markdown report [next to the jar: sqlite-report.md]
 *   --note TEXT       a line added to the report's conditions (e.g. the commit measured)
 * </pre>
 */
public final class SqliteReport {
  private SqliteReport() {}

  /** The token bucket's capacity and refill per second: every call is admitted. */
  static final long CAPACITY = 1_000_000_000L;

  /** The callers count the targets are stated for. */
  static final int TARGET_CALLERS = 64;

  /** A store under test. */
  record Row(String id, String title, String synchronous, Opener opener) {
    Session open(Path file) throws Exception {
      return opener.open(file);
    }
  }

  /** Opens a row's store on a database file. */
  interface Opener {
    Session open(Path file) throws Exception;
  }

  /** A row's store on one database file. */
  record Session(Partition partition, LongSupplier committed, LongSupplier failures,
      Prefill prefiller, Runnable closer) implements AutoCloseable {

    /** Pre-creates keys. */
    interface Prefill {
      void run(String[] keys) throws Exception;
    }

    /** Transactions committed so far. */
    long commits() {
      return committed.getAsLong();
    }

    /** Decisions the store answered by its failure choice so far (0 if it has none). */
    long failed() {
      return failures.getAsLong();
    }

    /** One admitted decision on each of {@code keys}, in a few transactions; not measured. */
    void prefill(String[] keys) throws Exception {
      prefiller.run(keys);
    }

    @Override
    public void close() {
      closer.run();
    }
  }

  static TokenBucket policy() {
    return TokenBucket.of("bench", CAPACITY, CAPACITY, Duration.ofSeconds(1));
  }

  static Row sluice(String id, Synchronous sync) {
    return new Row(id, "Sluice SqliteStore: one writer thread, group commit (maxBatch 256, maxWait 0),"
        + " state cache; synchronous=" + sync, sync.name(), file -> {
          SqliteStore store = SqliteStore.open(file).synchronous(sync).maxBatch(256)
              .failure(FailurePolicy.closed()).build();
          TokenBucket policy = policy();
          return new Session(store.partition(policy), store::commits, () -> store.failures().total(),
              keys -> {
                for (int from = 0; from < keys.length; from += 1000) {
                  List<Charge> charges = new ArrayList<>();
                  for (int i = from; i < Math.min(keys.length, from + 1000); i++) {
                    charges.add(new Charge(policy, keys[i], 1));
                  }
                  MultiDecision d = store.applyAll(charges, Operation.ACQUIRE);
                  if (!d.decision().allowed()) {
                    throw new IllegalStateException("pre-creating keys: " + d.decision()
                        + (store.failures().lastError().isEmpty() ? "" : " (" + store.failures().lastError() + ")"));
                  }
                }
              }, store::close);
        });
  }

  static Row naive(String id, String sync) {
    return new Row(id, "NaiveSqliteStore (bench module): one JDBC connection under one lock; per"
        + " decision BEGIN IMMEDIATE, SELECT, algorithm step, upsert, COMMIT; synchronous=" + sync,
        sync, file -> {
          NaiveSqliteStore store = new NaiveSqliteStore(file, sync);
          TokenBucket policy = policy();
          return new Session(store.partition(policy), store::commits, () -> 0,
              keys -> store.prefill(policy, keys, Command.acquire(1)), store::close);
        });
  }

  /** Every row, in table order. */
  static List<Row> allRows() {
    return List.of(sluice("sluice", Synchronous.FULL), sluice("sluice-normal", Synchronous.NORMAL),
        naive("naive", "FULL"), naive("naive-normal", "NORMAL"));
  }

  /** Options. */
  static final class Config extends ReportConfig {
    int warmup = 3;
    int time = 10;
    int[] callers = {1, 16, 64};
    int keys = 10_000;
    int rounds = 1;
    Pattern rows = Pattern.compile("sluice|naive");
    Path dir;

    static Config parse(String[] args) {
      Config c = new Config();
      c.parse(SqliteReport.class, args, o -> o
          .integer("--warmup", "S", "warmup seconds per cell (3)", n -> c.warmup = n)
          .integer("--time", "S", "measured seconds per cell (10)", n -> c.time = n)
          .value("--callers", "N,N,...", "caller thread counts (1,16,64)", v -> c.callers = counts("--callers", v))
          .integer("--keys", "N", "keys (10,000)", n -> c.keys = n)
          .integer("--rounds", "N", "every cell N times, interleaved; the median shown (1)", n -> c.rounds = n)
          .value("--rows", "REGEX", "the rows to run (sluice|naive)", v -> c.rows = Pattern.compile(v))
          .value("--dir", "PATH", "where the database files go (bench/target/sqlite-bench)", v -> c.dir = Path.of(v)));
      if (c.warmup < 0 || c.time < 1 || c.keys < 1 || c.rounds < 1 || c.callers.length == 0
          || Arrays.stream(c.callers).anyMatch(n -> n < 1)) {
        throw new IllegalArgumentException("need --warmup >= 0, --time >= 1, --keys >= 1,"
            + " --rounds >= 1, --callers of counts >= 1");
      }
      return c;
    }

    private static int[] counts(String option, String v) {
      try {
        return Arrays.stream(v.split(",")).mapToInt(x -> Integer.parseInt(x.trim())).toArray();
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " '" + v + "' must be whole numbers separated by commas");
      }
    }
  }

  /** One measurement: a row with a number of callers. */
  record Result(String row, int callers, Callers.Totals calls, long commits, long failed) {

    double perSecond() {
      return calls.perSecond();
    }

    /** Decisions that admitted the call. */
    long admitted() {
      return calls.decisions() - calls.denied();
    }

    /** Calls answered STORE_UNAVAILABLE: not committed, not a durable decision, not counted. */
    long unavailable() {
      return calls.notCounted();
    }

    double commitsPerSecond() {
      return commits / calls.seconds();
    }

    double perCommit() {
      return commits == 0 ? Double.NaN : calls.decisions() / (double) commits;
    }

    boolean clean() {
      return calls.denied() == 0 && unavailable() == 0 && calls.errors() == 0 && failed == 0;
    }
  }

  public static void main(String[] args) throws Exception {
    Config c = Config.parse(args);
    List<Row> rows = allRows().stream().filter(r -> c.rows.matcher(r.id()).matches()).toList();
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no row id matches " + c.rows);
    }
    Path out = c.out(SqliteReport.class, "sqlite-report.md");
    Path dir = c.dir != null ? c.dir : Machine.jarDirectory(SqliteReport.class).resolve("sqlite-bench");
    Files.createDirectories(dir);
    Path base = dir.toRealPath();
    String[] keys = new String[c.keys];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "k" + i;
    }
    Instant start = Instant.now();
    String loadBefore = Machine.loadAverage();
    String disk = Disk.describe(base);
    String fsync = Disk.fsyncProbe(base);
    System.out.println("# database directory: " + base + "; " + disk);
    System.out.println("# " + fsync);
    List<Rounds.Cell<Result>> cells = new ArrayList<>();
    for (Row row : rows) {
      for (int callers : c.callers) {
        cells.add(new Rounds.Cell<>(String.format(Locale.ROOT, "%s, %d caller(s)", row.id(), callers),
            () -> measure(row, callers, keys, base, c)));
      }
    }
    Rounds<Result> rounds = Rounds.run(c.rounds, cells, SqliteReport::describe, Result::perSecond);
    ReportText.write(out, format(c, rows, rounds.medians(), rounds.ranges(), start, loadBefore,
        Machine.loadAverage(), base, disk, fsync));
  }

  // ---- measuring

  static Result measure(Row row, int threads, String[] keys, Path base, Config c) throws Exception {
    Path dir = Files.createTempDirectory(base, "cell-");
    try {
      try (Session session = row.open(dir.resolve("bench.db"))) {
        session.prefill(keys);
        Partition partition = session.partition();
        Callers callers = Callers.start(threads, false, keys.length, key -> {
          Decision d = partition.apply(keys[key], Command.acquire(1));
          return d.reason() == Decision.Reason.STORE_UNAVAILABLE ? Callers.NOT_COUNTED // not committed
              : d.allowed() ? Callers.ADMITTED : Callers.DENIED;
        });
        callers.warmup(c.warmup);

        long commits0 = session.commits();
        long failed0 = session.failed();
        callers.measure(c.time);
        long commits1 = session.commits();
        long failed1 = session.failed();

        return new Result(row.id(), threads, callers.join(row.id()), commits1 - commits0,
            failed1 - failed0);
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static String describe(Result r) {
    return String.format(Locale.ROOT,
        "  %s, %d caller(s): %,.0f decisions/s (%,d in %.2f s), p50 %.1f µs, p99 %.1f µs,"
            + " max %.1f ms; %,.0f commits/s, %.1f decisions/commit; admitted %,d, not admitted"
            + " %,d, unavailable (not committed) %,d, failed %,d, errors %d%s",
        r.row(), r.callers(), r.perSecond(), r.calls().decisions(), r.calls().seconds(),
        r.calls().p50us(), r.calls().p99us(), r.calls().maxMs(), r.commitsPerSecond(),
        r.perCommit(), r.admitted(), r.calls().denied(), r.unavailable(), r.failed(),
        r.calls().errors(), r.calls().firstError() == null ? "" : " (first: " + r.calls().firstError() + ")");
  }

  // ---- formatting

  static String format(Config c, List<Row> rows, List<Result> results, List<double[]> ranges,
      Instant start, String loadBefore, String loadAfter, Path base, String disk, String fsync) {
    StringBuilder b = new StringBuilder();
    ReportText.title(b, "SQLite store", start);
    ReportText.jdkHeapGc(b);
    ReportText.machine(b).append('\n');
    b.append("- Database files: a fresh one per cell in ").append(base).append(" (deleted after);")
        .append(' ').append(disk).append('\n');
    b.append("- Disk: ").append(fsync).append('\n');
    b.append("- SQLite ").append(sqliteVersion()).append(" (sqlite-jdbc ")
        .append(ReportText.version("org.xerial", "sqlite-jdbc")).append("), WAL; synchronous: ")
        .append(String.join(", ", rows.stream().map(r -> r.id() + " " + r.synchronous()).toList()))
        .append('\n');
    b.append(String.format(Locale.ROOT,
        "- Caller platform threads, blocking calls; %d s warmup + %d s measured per cell;"
            + " %,d keys (\"k0\".., pre-created: one admitted decision each before the warmup),"
            + " one uniformly at random per call; token bucket of %,d refilled at %,d/s (admits"
            + " every call, so every decision writes); %d round(s)%s%n",
        c.warmup, c.time, c.keys, CAPACITY, CAPACITY, c.rounds,
        c.rounds > 1 ? " interleaved, the median round shown" : ""));
    ReportText.load(b, start, loadBefore, loadAfter, c.notes);
    b.append("Rows:\n");
    for (Row r : rows) {
      b.append("- `").append(r.id()).append("`: ").append(r.title()).append('\n');
    }
    b.append('\n');
    b.append("Decisions/s: decisions answered during the measurement, each only after its"
        + " transaction committed (acknowledged-durable), over the measured seconds. Latency:"
        + " each call's wall time. Commits/s: the store's committed transactions;"
        + " decisions/commit: decisions over commits in the measurement. Admitted: decisions that"
        + " admitted the call (all of them unless the run is misconfigured).\n\n");

    MarkdownTable table = MarkdownTable.of(Rounds.headers(">callers", c.rounds, ">commits/s",
        ">decisions/commit", ">admitted"));
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      table.row(Rounds.cells(r.row(), Integer.toString(r.callers()), r.calls(), ranges.get(i),
          c.rounds, String.format(Locale.ROOT, "%,.0f", r.commitsPerSecond()),
          String.format(Locale.ROOT, "%.1f", r.perCommit()), String.format(Locale.ROOT, "%,d", r.admitted())));
      if (!r.clean()) {
        problems.add(String.format(Locale.ROOT,
            "%s, %d caller(s): %,d decisions not admitted, %,d answered by the failure choice (not"
                + " committed, not counted; store's count: %,d), %,d errors%s",
            r.row(), r.callers(), r.calls().denied(), r.unavailable(), r.failed(),
            r.calls().errors(), r.calls().firstError() == null ? "" : " (first: " + r.calls().firstError() + ")"));
      }
    }
    b.append(table);
    if (!problems.isEmpty()) {
      b.append("**Not every call was an admitted, committed decision** (the limit is meant never"
          + " to deny):\n");
      problems.forEach(p -> b.append("- ").append(p).append('\n'));
      b.append('\n');
    }
    targets(b, results);
    return b.toString();
  }

  /** The two targets, at {@value #TARGET_CALLERS} callers with synchronous=FULL. */
  private static void targets(StringBuilder b, List<Result> results) {
    Result s = find(results, "sluice", TARGET_CALLERS);
    Result n = find(results, "naive", TARGET_CALLERS);
    MarkdownTable t = new MarkdownTable("Target", "Required", "Measured", "Result");
    if (s != null && n != null) {
      double x = s.perSecond() / n.perSecond();
      t.row("sluice / naive, decisions/s", "≥ 20×",
          String.format(Locale.ROOT, "%.1f× (%,.0f / %,.0f)", x, s.perSecond(), n.perSecond()),
          x >= 20 ? "**met**" : "**MISSED**");
    } else {
      t.row("sluice / naive, decisions/s", "≥ 20×", "—",
          "not measured (needs rows sluice and naive with " + TARGET_CALLERS + " callers)");
    }
    if (s != null) {
      t.row("sluice, decisions/s", "≥ 20,000/s", String.format(Locale.ROOT, "%,.0f/s", s.perSecond()),
          s.perSecond() >= 20_000 ? "**met**" : "**MISSED**");
    } else {
      t.row("sluice, decisions/s", "≥ 20,000/s", "—",
          "not measured (needs row sluice with " + TARGET_CALLERS + " callers)");
    }
    b.append("### Targets (").append(TARGET_CALLERS).append(" callers, synchronous=FULL)\n\n").append(t);
  }

  private static Result find(List<Result> results, String row, int callers) {
    return results.stream().filter(r -> r.row().equals(row) && r.callers() == callers).findFirst()
        .orElse(null);
  }

  private static String sqliteVersion() {
    try (var conn = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
        var s = conn.createStatement();
        var r = s.executeQuery("SELECT sqlite_version()")) {
      return r.next() ? r.getString(1) : "?";
    } catch (java.sql.SQLException e) {
      return "?";
    }
  }

  /** What can be learned about the disk under a directory; best effort, Linux. */
  static final class Disk {
    private Disk() {}

    /**
     * The file system ({@code df -T}), its mount options, and the block device's write cache and
     * kind, as far as they can be read.
     */
    static String describe(Path dir) {
      List<String> parts = new ArrayList<>();
      try {
        Process p = new ProcessBuilder("df", "-T", dir.toString()).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          String[] lines = outText.trim().split("\n");
          String[] f = lines[lines.length - 1].trim().split("\\s+");
          if (f.length >= 7) {
            parts.add(String.format(Locale.ROOT, "%s file system on %s, mounted on %s, %s used (df -T)",
                f[1], f[0], f[6], f[5]));
            if (f[1].equals("tmpfs") || f[1].equals("ramfs")) {
              parts.add("**in memory: fsync costs nothing here, the numbers are not of a disk**");
            }
          }
        }
      } catch (IOException | InterruptedException | RuntimeException e) {
        // no df
      }
      try {
        // mountinfo: id parent major:minor root mountpoint options ... - fstype source superopts
        String best = null;
        String[] bestFields = null;
        String real = dir.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
          String[] f = line.split(" ");
          String mount = f[4].replace("\\040", " ");
          boolean under = real.equals(mount) || real.startsWith(mount.endsWith("/") ? mount : mount + "/");
          if (under && (best == null || mount.length() >= best.length())) {
            best = mount;
            bestFields = f;
          }
        }
        if (bestFields != null) {
          int dash = Arrays.asList(bestFields).indexOf("-");
          parts.add("mount options " + bestFields[5]
              + (dash > 0 && dash + 3 < bestFields.length ? " (super options " + bestFields[dash + 3] + ")" : ""));
          Path dev = Path.of("/sys/dev/block", bestFields[2]);
          if (Files.exists(dev)) {
            Path d = dev.toRealPath();
            Path queue = Files.isDirectory(d.resolve("queue")) ? d.resolve("queue") : d.getParent().resolve("queue");
            String wc = read(queue.resolve("write_cache"));
            String rot = read(queue.resolve("rotational"));
            parts.add("block device " + d.getFileName()
                + (wc == null ? "" : ", write cache: " + wc)
                + (rot == null ? "" : ", " + ("1".equals(rot) ? "rotational" : "non-rotational") + " (as sysfs says)"));
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
      return parts.isEmpty() ? "file system unknown" : String.join("; ", parts);
    }

    private static String read(Path p) {
      try {
        return Files.readString(p).trim();
      } catch (IOException e) {
        return null;
      }
    }

    /**
     * How long this disk takes to make a small write durable: overwrites 4 KiB of a file in
     * {@code dir} and fsyncs it ({@code FileChannel.force}), serially, for about a second.
     */
    static String fsyncProbe(Path dir) {
      Path file = dir.resolve("fsync-probe");
      Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        ByteBuffer page = ByteBuffer.allocate(4096);
        ch.write(page, 0);
        ch.force(true);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (int i = 0; i < 2000 && System.nanoTime() < end; i++) {
          page.clear();
          page.putLong(0, i);
          long t0 = System.nanoTime();
          ch.write(page, 0);
          ch.force(false);
          h.recordValue(Math.min(System.nanoTime() - t0, h.getHighestTrackableValue()));
        }
      } catch (IOException e) {
        return "fsync probe failed: " + e;
      } finally {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // left behind
        }
      }
      double p50 = h.getValueAtPercentile(50) / 1000.0;
      return String.format(Locale.ROOT,
          "a 4 KiB overwrite + fsync (FileChannel.force), serially: p50 %s µs, p99 %s µs (%,d in"
              + " about 1 s: at most about %,.0f durable commits/s one at a time)",
          us(p50), us(h.getValueAtPercentile(99) / 1000.0), h.getTotalCount(),
          1e6 / Math.max(p50, 0.001));
    }
  }
}
