package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole side-by-side suite and prints one Markdown report: per scenario, each library's
 * ns/op and allocated bytes/op (JMH's GC profiler), the ratio against Sluice, the retained bytes
 * per key (one fresh JVM per library, see {@link Footprint}), and every target of the issue as met
 * or missed. Targets are reported, never asserted.
 *
 * <pre>
 * ./mvnw -q -B -pl bench -am package -DskipTests
 * java -cp bench/target/benchmarks.jar dev.sluice.bench.Report [options]
 * </pre>
 *
 * Options (defaults in brackets; the default run takes about 13 minutes on 2 cores). Several
 * forks matter more than long iterations here: on the 2-core VM this was built on, the same
 * benchmark settles at levels up to 1.5x apart from one JVM fork to the next, so the defaults
 * spend the time on forks:
 * <pre>
 *   --forks N          forks per benchmark [3]
 *   --warmup N         warmup iterations [2]
 *   --iterations N     measurement iterations [3]
 *   --time S           seconds per iteration, warmup and measurement [1]
 *   --long             same as --forks 5 --warmup 3 --iterations 5 --time 2 (about 50 minutes)
 *   --include REGEX    only benchmarks matching REGEX (JMH include pattern)
 *   --no-footprint     skip the retained-bytes-per-key runs
 *   --footprint-only   only the retained-bytes-per-key runs
 *   --jol              cross-check footprints with a JOL object-graph walk (slow: ~5 more minutes)
 *   --keys N           keys for the footprint runs [1000000]
 *   --out FILE         where to write the Markdown report [next to the jar: report.md]
 *   --note TEXT        a line added to the report's conditions (e.g. the commit measured)
 * </pre>
 */
public final class Report {
  private Report() {}

  static final String PACKAGE = "dev.sluice.bench.";

  static final List<String> PEERS = List.of(
      Libs.BUCKET4J_SYNCHRONIZED, Libs.BUCKET4J_LOCK_FREE, Libs.RESILIENCE4J, Libs.GUAVA);

  static final Map<String, String> NAMES = new LinkedHashMap<>();

  static {
    NAMES.put(Libs.SLUICE, "**Sluice**, system clock");
    NAMES.put(Libs.SLUICE_CACHED_CLOCK, "**Sluice**, cached clock (1 ms)");
    NAMES.put("bucket4jSynchronizedCachedClock",
        "_context:_ Bucket4j, synchronized, on the same cached clock");
    NAMES.put(Libs.BUCKET4J_SYNCHRONIZED, "Bucket4j, synchronized");
    NAMES.put(Libs.BUCKET4J_LOCK_FREE, "Bucket4j, lock-free");
    NAMES.put(Libs.RESILIENCE4J, "Resilience4j AtomicRateLimiter");
    NAMES.put(Libs.GUAVA, "Guava RateLimiter");
    NAMES.put("casGcra", "_context:_ plain CAS GCRA");
    NAMES.put("nanoTime", "_context:_ System.nanoTime()");
    NAMES.put("currentTimeMillis", "_context:_ System.currentTimeMillis()");
    NAMES.put("mapGet", "_context:_ ConcurrentHashMap.get alone");
    NAMES.put(Footprint.BARE_MAP, "_context:_ bare ConcurrentHashMap<String, Object>");
  }

  /** One benchmark's result. */
  record Row(String scenario, String path, String subject, double ns, double err, double alloc,
      double forkMin, double forkMax) {}

  /** Options. */
  static final class Config extends ReportConfig {
    int forks = 3;
    int warmup = 2;
    int iterations = 3;
    int time = 1;
    String include = PACKAGE.replace(".", "\\.") + "(OneKeyOneThread|OneKeyTwoThreads|MillionKeys)\\.";
    boolean jmh = true;
    boolean footprint = true;
    boolean jol;
    int keys = 1_000_000;

    static Config parse(String[] args) {
      Config c = new Config();
      c.parse(Report.class, args, o -> o
          .integer("--forks", "N", "JMH forks per benchmark (3)", n -> c.forks = n)
          .integer("--warmup", "N", "warmup iterations (2)", n -> c.warmup = n)
          .integer("--iterations", "N", "measurement iterations (3)", n -> c.iterations = n)
          .integer("--time", "S", "seconds per iteration (1)", n -> c.time = n)
          .flag("--long", "5 forks, 3 x 2 s warmup, 5 x 2 s measurement", () -> {
            c.forks = 5;
            c.warmup = 3;
            c.iterations = 5;
            c.time = 2;
          })
          .value("--include", "REGEX", "the benchmarks to run", v -> c.include = v)
          .flag("--no-footprint", "skip the retained-heap measurement", () -> c.footprint = false)
          .flag("--footprint-only", "only the retained-heap measurement", () -> c.jmh = false)
          .flag("--jol", "also measure the footprint with JOL", () -> c.jol = true)
          .integer("--keys", "N", "keys of the footprint measurement (1,000,000)", n -> c.keys = n));
      return c;
    }
  }

  public static void main(String[] args) throws Exception {
    Config c = Config.parse(args);
    Path dir = Machine.jarDirectory(Report.class);
    Path out = c.out(Report.class, "report.md");
    Instant start = Instant.now();
    String loadBefore = Machine.loadAverage();

    List<Row> rows = c.jmh ? runJmh(c, dir) : List.of();
    Map<String, Double> bytesPerKey = new LinkedHashMap<>();
    Map<String, String> jolPerKey = new LinkedHashMap<>();
    if (c.footprint) {
      for (String subject : Footprint.SUBJECTS) {
        Map<String, String> r = runFootprint(subject, c);
        bytesPerKey.put(subject, Double.parseDouble(r.get("heapBytesPerKey")));
        jolPerKey.put(subject, r.getOrDefault("jolBytesPerKey", "n/a"));
      }
    }

    ReportText.write(out, format(c, rows, bytesPerKey, jolPerKey, start, loadBefore,
        Machine.loadAverage()));
  }

  // ---- running

  static List<Row> runJmh(Config c, Path dir) throws Exception {
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(c.include)
        .forks(c.forks)
        .warmupIterations(c.warmup)
        .warmupTime(TimeValue.seconds(c.time))
        .measurementIterations(c.iterations)
        .measurementTime(TimeValue.seconds(c.time))
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true)
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("jmh-result.json").toString());
    Collection<RunResult> results = new Runner(o.build()).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String name = bench.startsWith(PACKAGE) ? bench.substring(PACKAGE.length()) : bench;
      int dot = name.lastIndexOf('.');
      String scenario = name.substring(0, dot);
      String method = name.substring(dot + 1);
      int us = method.indexOf('_');
      Result<?> primary = r.getPrimaryResult();
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      double forkMin = Double.POSITIVE_INFINITY;
      double forkMax = Double.NEGATIVE_INFINITY;
      for (BenchmarkResult fork : r.getBenchmarkResults()) {
        double score = fork.getPrimaryResult().getScore();
        forkMin = Math.min(forkMin, score);
        forkMax = Math.max(forkMax, score);
      }
      rows.add(new Row(scenario, method.substring(0, us), method.substring(us + 1),
          primary.getScore(), primary.getScoreError(), alloc == null ? Double.NaN : alloc.getScore(),
          forkMin, forkMax));
    }
    return rows;
  }

  static Map<String, String> runFootprint(String subject, Config c) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xms4g", "-Xmx4g", "-XX:+UseSerialGC",
        "-Djdk.attach.allowAttachSelf=true", "-cp", System.getProperty("java.class.path"),
        Footprint.class.getName(), subject, Integer.toString(c.keys)));
    if (c.jol) {
      cmd.add("--jol");
    }
    System.out.println("# Footprint: " + subject + " (" + c.keys + " keys, fresh JVM)");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Map<String, String> fields = new LinkedHashMap<>();
    StringBuilder log = new StringBuilder();
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        log.append(line).append('\n');
        if (line.startsWith("footprint ")) {
          System.out.println(line);
          for (String kv : line.substring("footprint ".length()).split(" ")) {
            int eq = kv.indexOf('=');
            fields.put(kv.substring(0, eq), kv.substring(eq + 1));
          }
        }
      }
    }
    int rc = p.waitFor();
    if (rc != 0 || !fields.containsKey("heapBytesPerKey")) {
      throw new IllegalStateException("footprint run for " + subject + " failed (exit " + rc + "):\n"
          + log);
    }
    return fields;
  }

  // ---- formatting

  static String format(Config c, List<Row> rows, Map<String, Double> bytesPerKey,
      Map<String, String> jolPerKey, Instant start, String loadBefore, String loadAfter) {
    StringBuilder b = new StringBuilder();
    ReportText.title(b, "Sluice vs peers", start);
    ReportText.jdk(b).append(" (").append(System.getProperty("java.vendor")).append(")\n");
    ReportText.machine(b).append('\n');
    b.append(String.format(Locale.ROOT,
        "- JMH: %d fork(s), %d x %d s warmup, %d x %d s measurement, average time (ns/op),"
            + " GC profiler (alloc B/op = gc.alloc.rate.norm); footprint: -Xmx4g, SerialGC,"
            + " %,d keys, one fresh JVM per subject%s%n",
        c.forks, c.warmup, c.time, c.iterations, c.time, c.keys, c.jol ? ", JOL cross-check" : ""));
    ReportText.load(b, start, loadBefore, loadAfter, c.notes);
    b.append("\"x Sluice\" is that subject's ns/op divided by Sluice's: how many times Sluice's"
        + " throughput it is outdone by (above 1: Sluice is faster). ± is JMH's 99.9% confidence"
        + " half-interval; \"forks\" is the range of the per-fork means (on this 2-core VM a"
        + " contended benchmark can settle at levels up to 2x apart from one fork to the next).\n\n");

    List<String[]> targets = new ArrayList<>();
    section(b, rows, "OneKeyOneThread", "admit", "One key, one thread, admit path", targets, 1.3,
        "1 key, 1 thread, admit: Sluice vs fastest peer");
    section(b, rows, "OneKeyOneThread", "reject", "One key, one thread, reject path", targets, 1.3,
        "1 key, 1 thread, reject: Sluice vs fastest peer");
    section(b, rows, "OneKeyTwoThreads", "admit",
        "One key, two threads, admit path (ns/op seen by each thread)", targets, 1.0,
        "1 key, 2 threads, admit: Sluice vs best peer");
    section(b, rows, "OneKeyTwoThreads", "reject",
        "One key, two threads, reject path (ns/op seen by each thread)", targets, 1.0,
        "1 key, 2 threads, reject: Sluice vs best peer");
    millionKeys(b, rows, targets);
    footprint(b, bytesPerKey, jolPerKey, targets);

    if (!targets.isEmpty()) {
      MarkdownTable t = new MarkdownTable("Target", "Required", "Measured", "Result");
      targets.forEach(row -> t.row((Object[]) row));
      b.append("### Targets\n\n").append(t);
    }
    return b.toString();
  }

  private static void section(StringBuilder b, List<Row> all, String scenario, String path,
      String title, List<String[]> targets, double required, String targetName) {
    List<Row> rows = new ArrayList<>();
    for (Row r : all) {
      if (r.scenario.equals(scenario) && (r.path.equals(path) || r.path.equals("baseline"))) {
        rows.add(r);
      }
    }
    Row sluice = find(rows, Libs.SLUICE);
    if (rows.isEmpty() || sluice == null) {
      return;
    }
    table(b, title, rows, sluice);
    Row best = bestPeer(rows);
    if (best != null) {
      for (Row s : sluiceRows(rows)) {
        targets.add(target(targetName + " (" + plain(best.subject) + "), " + clockOf(s), required,
            s, best));
      }
    }
  }

  /** Sluice's rows: the system clock first, then the cached clock if it was measured. */
  private static List<Row> sluiceRows(List<Row> rows) {
    List<Row> out = new ArrayList<>();
    for (String subject : List.of(Libs.SLUICE, Libs.SLUICE_CACHED_CLOCK)) {
      Row r = find(rows, subject);
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }

  private static String clockOf(Row sluice) {
    return sluice.subject.equals(Libs.SLUICE) ? "system clock" : "cached clock";
  }

  private static void millionKeys(StringBuilder b, List<Row> all, List<String[]> targets) {
    List<Row> rows = all.stream().filter(r -> r.scenario.equals("MillionKeys")).toList();
    Row sluice = find(rows, Libs.SLUICE);
    if (sluice == null) {
      return;
    }
    table(b, "1,000,000 keys, one thread, random key per call", rows, sluice);
    Row guava = find(rows, Libs.GUAVA);
    if (guava != null) {
      for (Row s : sluiceRows(rows)) {
        targets.add(target("1M keys: Sluice vs Guava throughput, " + clockOf(s), 1.9, s, guava));
      }
    }
    Row best = bestPeer(rows);
    if (best != null && best != guava) {
      String[] t = target("1M keys: Sluice vs fastest peer (" + plain(best.subject) + ")", 0,
          sluice, best);
      t[1] = "(context)";
      t[3] = "—";
      targets.add(t);
    }
  }

  private static void footprint(StringBuilder b, Map<String, Double> bytes, Map<String, String> jol,
      List<String[]> targets) {
    if (bytes.isEmpty()) {
      return;
    }
    boolean withJol = jol.values().stream().anyMatch(v -> !v.equals("n/a"));
    double sluice = bytes.getOrDefault(Libs.SLUICE, Double.NaN);
    b.append("### Retained heap per key, 1,000,000 keys (map, keys and per-key state)\n\n");
    MarkdownTable t = withJol
        ? new MarkdownTable("Subject", ">bytes/key", ">JOL bytes/key", ">x Sluice")
        : new MarkdownTable("Subject", ">bytes/key", ">x Sluice");
    bytes.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, Double> e) -> !e.getKey().equals(Libs.SLUICE))
            .thenComparing(e -> e.getKey().equals(Footprint.BARE_MAP))
            .thenComparing(Map.Entry::getValue))
        .forEach(e -> {
          String name = NAMES.getOrDefault(e.getKey(), e.getKey());
          String perKey = String.format(Locale.ROOT, "%.1f", e.getValue());
          String ratio = String.format(Locale.ROOT, "%.2f", e.getValue() / sluice);
          if (withJol) {
            t.row(name, perKey, jol.get(e.getKey()), ratio);
          } else {
            t.row(name, perKey, ratio);
          }
        });
    b.append(t);
    if (!Double.isNaN(sluice)) {
      // The target was 96 B/key with Long keys and a 64 B/key bare map: 32 B/key for the store.
      // Keys are Strings now (a decimal String costs 32 B more than a Long, for every subject
      // alike), so the target is that store overhead, over the bare map with the same keys.
      double bare = bytes.getOrDefault(Footprint.BARE_MAP, Double.NaN);
      targets.add(new String[] {"1M keys: Sluice retained bytes per key over the bare map (same keys)",
          "≤ 32",
          String.format(Locale.ROOT, "%.1f B/key (Sluice %.1f, bare map %.1f)", sluice - bare, sluice, bare),
          sluice - bare <= 32 ? "**met**" : "**MISSED**"});
    }
  }

  private static void table(StringBuilder b, String title, List<Row> rows, Row sluice) {
    b.append("### ").append(title).append("\n\n");
    MarkdownTable t = new MarkdownTable("Subject", ">ns/op", ">±", ">forks: min–max", ">alloc B/op", ">x Sluice");
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparing((Row r) -> !r.subject.startsWith(Libs.SLUICE))
        .thenComparing(r -> !PEERS.contains(r.subject))
        .thenComparingDouble(r -> r.ns));
    for (Row r : sorted) {
      t.row(NAMES.getOrDefault(r.subject, r.subject), String.format(Locale.ROOT, "%.1f", r.ns),
          String.format(Locale.ROOT, "%.1f", r.err), String.format(Locale.ROOT, "%.1f–%.1f", r.forkMin, r.forkMax),
          Double.isNaN(r.alloc) ? "n/a" : String.format(Locale.ROOT, "%.0f", Math.max(0, r.alloc)),
          String.format(Locale.ROOT, "%.2f", r.ns / sluice.ns));
    }
    b.append(t);
  }

  private static String[] target(String name, double required, Row sluice, Row peer) {
    double ratio = peer.ns / sluice.ns;
    double lo = (peer.ns - finite(peer.err)) / (sluice.ns + finite(sluice.err));
    double hi = (peer.ns + finite(peer.err)) / Math.max(1e-9, sluice.ns - finite(sluice.err));
    String result = ratio >= required ? "**met**" : "**MISSED**";
    if (lo < required && required <= hi) {
      result += " (threshold within error)";
    }
    return new String[] {
      name,
      String.format(Locale.ROOT, "≥ %.2fx", required),
      String.format(Locale.ROOT, "%.2fx (%.2f–%.2f): %.1f vs %.1f ns/op", ratio, lo, hi, sluice.ns,
          peer.ns),
      result
    };
  }

  private static double finite(double d) {
    return Double.isFinite(d) ? d : 0;
  }

  private static Row find(List<Row> rows, String subject) {
    return rows.stream().filter(r -> r.subject.equals(subject)).findFirst().orElse(null);
  }

  private static Row bestPeer(List<Row> rows) {
    return rows.stream().filter(r -> PEERS.contains(r.subject))
        .min(Comparator.comparingDouble(Row::ns)).orElse(null);
  }

  private static String plain(String subject) {
    return NAMES.getOrDefault(subject, subject).replace("*", "");
  }
}
