package dev.sluice.bench.server;

import dev.sluice.bench.Callers;
import dev.sluice.bench.Machine;
import dev.sluice.bench.MarkdownTable;
import dev.sluice.bench.ReportConfig;
import dev.sluice.bench.ReportText;
import dev.sluice.bench.Rounds;
import dev.sluice.bench.redis.RedisRow;
import dev.sluice.bench.redis.RedisStats;
import dev.sluice.bench.redis.SluiceRow;
import dev.sluice.redis.testing.RedisBinary;
import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * The server's benchmarks, side by side in one run, each row next to its reference:
 *
 * <ul>
 *   <li>{@code grpc}: {@code ShouldRateLimit} on the in-memory store, against {@code grpc-empty},
 *       the server's own gRPC listener serving a fixed answer (an empty grpc-java unary service
 *       of the same types, same builder and executor); target: at least 0.8× its calls/s.
 *   <li>{@code http}: {@code POST /json} with {@code wrk}, against {@code http-bare}, a bare Netty
 *       4.2 endpoint answering the same bytes; target: at least 0.8× its requests/s and p99 at
 *       most 5 ms.
 *   <li>{@code http-paced}: the same with each wrk connection waiting {@code --paced-delay} ms
 *       (2) after each answer, about a third of the saturated rate here, against {@code
 *       http-bare-paced}: the latency below saturation; target: p99 at most 5 ms.
 *   <li>{@code grpc-redis}: {@code ShouldRateLimit} with {@code BACKEND_TYPE=redis}, against
 *       {@code store-redis}, the store alone as the server opens it (RedisReport's Sluice row,
 *       coalescing, default deadline) with as many blocking callers as calls in flight; a
 *       redis-server that the run starts on a free loopback port and stops by its PID.
 *   <li>{@code memory}: the server JVM's resident set after start, and after {@code
 *       --memory-keys} (1,000,000) distinct keys decided through gRPC on the in-memory store.
 * </ul>
 *
 * <pre>
 * ./mvnw -q -B -pl bench -am package -DskipTests
 * java -Xms1g -Xmx1g -cp bench/target/benchmarks.jar dev.sluice.bench.server.ServerReport [options]
 * </pre>
 * (bench/server.sh does both.) Every server and reference runs in a JVM of its own ({@link
 * ServerChild}, started with the bench jar and {@code --server-jvm}'s options, on ephemeral
 * loopback ports, stopped through its {@link Process} handle), a fresh one per measurement; the
 * gRPC load generator and the {@code store-redis} callers run in this JVM, wrk in its own
 * process. A measurement: start the server, one call to check it answers, {@code --warmup}
 * seconds of load, {@code --time} seconds measured, stop. Rows run in table order, round after
 * round ({@code --rounds}); the median round is shown.
 *
 * <p>Options (defaults in brackets): {@code --warmup S} [5], {@code --time S} [10], {@code
 * --rounds N} [1], {@code --rows REGEX} (row ids above) [all], {@code --quiet-wait S} [0], {@code
 * --keys N} descriptor values, uniformly at random [100,000], {@code --in-flight N} [64], {@code
 * --connections N} gRPC connections [1], {@code --client-threads N} the gRPC client's event loop
 * threads [1], {@code --grpc-client async|blocking} [async], {@code --client-warmup S} the gRPC
 * load generator's own warmup, once per run [20], {@code --wrk-threads N} [2], {@code
 * --memory-keys N} [1,000,000], {@code --server-jvm OPTIONS} [-Xms1g -Xmx1g -XX:+UseG1GC], {@code
 * --redis-server PATH}, {@code --command TEXT} (the command line shown in the report), {@code
 * --out FILE} [next to the jar: server-report.md], {@code --note TEXT}.
 */
public final class ServerReport {
  private ServerReport() {}

  static final String DOMAIN = "bench";
  static final String CONFIG = """
      # ServerReport's config: limits that never deny under the benchmark's load
      domain: bench
      descriptors:
        # the throughput rows: one descriptor (k, v<i>), a counter per value, per second
        - key: k
          rate_limit:
            unit: second
            requests_per_unit: 1000000000
        # the memory row: one descriptor (m, m<i>) per key, per hour so that none expires
        - key: m
          rate_limit:
            unit: hour
            requests_per_unit: 1000000000
      """;

  /** Options. */
  static final class Config extends ReportConfig {
    int warmup = 5;
    int time = 10;
    int rounds = 1;
    Pattern rows = Pattern.compile(".*");
    int quietWait = 0;
    int keys = 100_000;
    int inFlight = 64;
    int connections = 1;
    int clientThreads = 1;
    boolean blocking;
    int wrkThreads = 2;
    int pacedDelay = 2;
    int memoryKeys = 1_000_000;
    int clientWarmup = 20;
    List<String> serverJvm = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC");
    String redisServer;
    String command;

    static Config parse(String[] args) {
      Config c = new Config();
      c.parse(ServerReport.class, args, o -> o
          .integer("--warmup", "S", "warmup seconds per row (5)", n -> c.warmup = n)
          .integer("--time", "S", "measured seconds per row (10)", n -> c.time = n)
          .integer("--rounds", "N", "every row N times, interleaved; the median shown (1)", n -> c.rounds = n)
          .value("--rows", "REGEX", "the rows to run: grpc-empty, grpc, http-bare, http, http-bare-paced,"
              + " http-paced, store-redis, grpc-redis, memory (all)", v -> c.rows = Pattern.compile(v))
          .integer("--quiet-wait", "S", "first wait up to S seconds for other load to stop (0)", n -> c.quietWait = n)
          .integer("--keys", "N", "descriptor values, one drawn uniformly per call (100,000)", n -> c.keys = n)
          .integer("--in-flight", "N", "calls outstanding at once / wrk connections / store callers (64)",
              n -> c.inFlight = n)
          .integer("--connections", "N", "gRPC connections of the load generator (1)", n -> c.connections = n)
          .integer("--client-threads", "N", "event loop threads of the gRPC client (1)", n -> c.clientThreads = n)
          .value("--grpc-client", "async|blocking", "async stubs keeping --in-flight calls outstanding,"
              + " or --in-flight threads with blocking stubs (async)", v -> {
                if (!v.equals("async") && !v.equals("blocking")) {
                  throw new IllegalArgumentException("--grpc-client '" + v + "' must be async or blocking");
                }
                c.blocking = v.equals("blocking");
              })
          .integer("--wrk-threads", "N", "wrk's threads (2)", n -> c.wrkThreads = n)
          .integer("--paced-delay", "MS", "the paced HTTP rows: each connection's wait after an answer (2)",
              n -> c.pacedDelay = n)
          .integer("--memory-keys", "N", "distinct keys of the memory row (1,000,000)", n -> c.memoryKeys = n)
          .integer("--client-warmup", "S", "the gRPC load generator's own warmup, once, before the first"
              + " row (20)", n -> c.clientWarmup = n)
          .value("--server-jvm", "OPTIONS", "the server JVMs' options (-Xms1g -Xmx1g -XX:+UseG1GC)",
              v -> c.serverJvm = Arrays.asList(v.trim().split("\\s+")))
          .value("--redis-server", "PATH", "the redis-server binary (as the tests choose it)", v -> c.redisServer = v)
          .value("--command", "TEXT", "the command line the report shows (bench/server.sh passes its own)",
              v -> c.command = v));
      if (c.warmup < 0 || c.time < 1 || c.rounds < 1 || c.keys < 1 || c.inFlight < 1
          || c.connections < 1 || c.clientThreads < 1 || c.wrkThreads < 1 || c.memoryKeys < 1
          || c.wrkThreads > c.inFlight || c.clientWarmup < 0) {
        throw new IllegalArgumentException("need --warmup >= 0, --time >= 1, --rounds >= 1, --keys >= 1,"
            + " --in-flight >= 1, --connections >= 1, --client-threads >= 1, --memory-keys >= 1,"
            + " 1 <= --wrk-threads <= --in-flight");
      }
      return c;
    }
  }

  /** A row: its id (for {@code --rows}), its name, its reference's id, and its target. */
  record Row(String id, String title, String unit, String reference, double minRatio, double maxP99us) {
    boolean hasTarget() {
      return minRatio > 0 || maxP99us > 0;
    }

    String target() {
      List<String> t = new ArrayList<>();
      if (minRatio > 0) {
        t.add(String.format(Locale.ROOT, "≥ %.1f×", minRatio));
      }
      if (maxP99us > 0) {
        t.add(String.format(Locale.ROOT, "p99 ≤ %s ms", trim(maxP99us / 1000)));
      }
      return t.isEmpty() ? (reference == null ? "—" : "none set") : String.join(", ", t);
    }
  }

  static final List<Row> ROWS = List.of(
      new Row("grpc-empty", "gRPC: empty grpc-java service (reference)", "calls/s", null, 0, 0),
      new Row("grpc", "gRPC `ShouldRateLimit`, memory store", "calls/s", "grpc-empty", 0.8, 0),
      new Row("http-bare", "HTTP: bare Netty 4.2 endpoint, same bytes (reference)", "requests/s", null, 0, 0),
      new Row("http", "HTTP `POST /json`, memory store", "requests/s", "http-bare", 0.8, 5000),
      new Row("http-bare-paced", "HTTP: bare endpoint, paced (reference)", "requests/s", null, 0, 0),
      new Row("http-paced", "HTTP `POST /json`, memory store, paced", "requests/s", "http-bare-paced", 0, 5000),
      new Row("store-redis", "Redis store alone, RedisReport's Sluice row (reference)", "decisions/s", null, 0, 0),
      new Row("grpc-redis", "gRPC `ShouldRateLimit`, `BACKEND_TYPE=redis`", "calls/s", "store-redis", 0, 0),
      new Row("memory", "Server RSS", "", null, 0, 0));

  /** The memory row's figures. */
  record Memory(long rssStartKib, long rssAfterKib, long heapStartBytes, long heapAfterBytes, int keys) {}

  /** One measurement of a row. */
  record Result(String id, double perSecond, double p50us, double p99us, double maxMs, long count,
      long errors, long denied, String firstError, double seconds, CpuWindow cpu, String details,
      Memory memory) {

    static Result of(String id, Callers.Totals t, CpuWindow cpu, String details, Memory memory) {
      return new Result(id, t.perSecond(), t.p50us(), t.p99us(), t.maxMs(), t.decisions(), t.errors()
          + t.notCounted(), t.denied(), t.firstError(), t.seconds(), cpu, details, memory);
    }

    /** What the rounds are ordered by: throughput, or the resident set after the keys. */
    double sortKey() {
      return memory != null ? memory.rssAfterKib() : perSecond;
    }
  }

  /** What the run needs beyond the options: directories, the server's environment, Redis. */
  static final class Run {
    final Config c;
    final Path dir;
    final Map<String, String> env = new LinkedHashMap<>();
    RedisServer redis;
    RedisStats redisStats;
    byte[] grpcAnswer;
    byte[] jsonAnswer;
    String serverJvm;
    String wrkVersion;
    String grpcTransport = "?";
    int children;

    Run(Config c, Path dir) throws IOException {
      this.c = c;
      this.dir = dir;
      this.serverJvm = String.join(" ", c.serverJvm);
      Path root = dir.resolve("runtime");
      Path configDir = root.resolve("ratelimit").resolve("config");
      Files.createDirectories(configDir);
      Files.writeString(configDir.resolve("bench.yaml"), CONFIG);
      env.put("HOST", "127.0.0.1");
      env.put("PORT", "0");
      env.put("GRPC_HOST", "127.0.0.1");
      env.put("GRPC_PORT", "0");
      env.put("DEBUG_HOST", "127.0.0.1");
      env.put("DEBUG_PORT", "0");
      env.put("USE_STATSD", "false");
      env.put("USE_PROMETHEUS", "false");
      env.put("BACKEND_TYPE", "memory");
      env.put("RUNTIME_ROOT", root.toString());
      env.put("RUNTIME_SUBDIRECTORY", "ratelimit");
      env.put("RUNTIME_APPDIRECTORY", "config");
      env.put("RUNTIME_WATCH_ROOT", "false");
    }

    /** Starts a child: {@code kind} with the server's environment plus {@code more}, and args. */
    ChildJvm child(String kind, Map<String, String> more, String... args)
        throws IOException, InterruptedException {
      List<String> a = new ArrayList<>();
      a.add(kind);
      Map<String, String> e = new LinkedHashMap<>(env);
      e.putAll(more);
      e.forEach((k, v) -> a.add(k + "=" + v));
      a.addAll(List.of(args));
      String label = kind + "-" + ++children;
      ChildJvm child = ChildJvm.start(label, c.serverJvm, dir.resolve("logs").resolve(label + ".log"), a);
      serverJvm = String.join(" ", c.serverJvm) + " (" + child.jvmDescription() + ")";
      return child;
    }

    Map<String, String> redisEnv() {
      return Map.of("BACKEND_TYPE", "redis", "REDIS_SOCKET_TYPE", "tcp", "REDIS_TYPE", "single",
          "REDIS_URL", "127.0.0.1:" + redis.port());
    }
  }

  // ---- requests

  /** The throughput rows' request number {@code i}: one descriptor (k, v&lt;i&gt;). */
  static RateLimitRequest request(int i) {
    return single("k", "v" + i);
  }

  /** The memory row's request number {@code i}: one descriptor (m, m&lt;i&gt;). */
  static RateLimitRequest memoryRequest(int i) {
    return single("m", "m" + i);
  }

  private static RateLimitRequest single(String key, String value) {
    return RateLimitRequest.newBuilder().setDomain(DOMAIN)
        .addDescriptors(RateLimitDescriptor.newBuilder()
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value)))
        .build();
  }

  /** The {@code POST /json} body of {@link #request}(i), as the Lua script writes it. */
  static String json(int i) {
    return "{\"domain\":\"bench\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"v" + i + "\"}]}]}";
  }

  // ---- main

  public static void main(String[] args) throws Exception {
    Config c = Config.parse(args);
    List<Row> rows = new ArrayList<>(ROWS.stream().filter(r -> c.rows.matcher(r.id()).matches()).toList());
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no row id matches " + c.rows);
    }
    Path out = c.out(ServerReport.class, "server-report.md");
    // the servers' config and logs, and wrk's scripts: next to the jar
    Run run = new Run(c, Machine.jarDirectory(ServerReport.class).resolve("server-bench"));
    List<String> skipped = new ArrayList<>();
    if (rows.stream().anyMatch(r -> r.id().startsWith("http"))) {
      run.wrkVersion = Wrk.version();
      if (run.wrkVersion == null) {
        String why = "no `wrk` on the PATH: the HTTP rows were skipped (Debian/Ubuntu: `apt-get install wrk`;"
            + " elsewhere build it from https://github.com/wg/wrk and put it on the PATH)";
        System.out.println("# " + why);
        skipped.add(why);
        rows.removeIf(r -> r.id().startsWith("http"));
      }
    }
    if (rows.isEmpty()) {
      throw new IllegalStateException("nothing left to run");
    }
    // Rows lists every cell in table order: the reference first, then what is compared with it.
    Instant start = Instant.now();
    String loadBefore = Machine.loadAverage();
    Rounds<Result> rounds;
    String redisVersion = null;
    try {
      if (rows.stream().anyMatch(r -> r.id().contains("redis"))) {
        run.redis = RedisServer.start(c.redisServer != null ? Path.of(c.redisServer) : RedisBinary.resolve());
        run.redisStats = new RedisStats(run.redis);
        redisVersion = run.redisStats.version();
        System.out.printf(Locale.ROOT, "# redis-server %s (%s), pid %d, port %d%n", redisVersion,
            run.redis.binary(), run.redis.pid(), run.redis.port());
      }
      boolean grpcRows = rows.stream().anyMatch(r -> r.id().contains("grpc") || r.id().equals("memory"));
      if (grpcRows || rows.stream().anyMatch(r -> r.id().startsWith("http-bare"))) {
        prepare(run, grpcRows);
      }
      List<Rounds.Cell<Result>> cells = new ArrayList<>();
      for (Row row : rows) {
        cells.add(new Rounds.Cell<>(row.id(), () -> measure(row, run)));
      }
      rounds = Rounds.run(c.rounds, cells, ServerReport::describe, Result::sortKey);
    } finally {
      if (run.redis != null) {
        run.redis.close();
      }
    }
    ReportText.write(out, format(c, run, rows, rounds.medians(), rounds.ranges(), start, loadBefore,
        Machine.loadAverage(), redisVersion, skipped));
  }

  /**
   * Starts the server once, before any measurement: captures its answers to request 0, gRPC and
   * JSON, which the references answer; and, when a gRPC row follows, puts this JVM's gRPC client
   * under load for {@code --client-warmup} seconds, so that the first gRPC row measured does not
   * pay for warming up the load generator that the later ones share (with only a row's warmup
   * before it, the first row measured on a 2-core machine saw the client spend 3 to 5 times the
   * CPU per call of the later rounds).
   */
  static void prepare(Run run, boolean warmClient) throws Exception {
    Config c = run.c;
    System.out.println("# prepare: the server's answers to request 0, for the references to return"
        + (warmClient ? "; the gRPC load generator warms up" : ""));
    try (ChildJvm child = run.child("sluice", Map.of())) {
      try (GrpcLoad load = new GrpcLoad(child.grpcPort(), c.connections, c.clientThreads)) {
        RateLimitResponse r = load.call(request(0));
        check(r, "the first gRPC call");
        run.grpcAnswer = r.toByteArray();
      }
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<byte[]> j = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + child.httpPort() + "/json"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json(0))).build(), HttpResponse.BodyHandlers.ofByteArray());
      if (j.statusCode() != 200) {
        throw new IllegalStateException("POST /json answered " + j.statusCode() + ": " + new String(j.body()));
      }
      run.jsonAnswer = j.body();
      System.out.printf(Locale.ROOT, "  gRPC answer %d bytes, JSON answer %d bytes: %s%n",
          run.grpcAnswer.length, run.jsonAnswer.length, new String(run.jsonAnswer));
      if (warmClient && c.clientWarmup > 0) {
        RateLimitRequest[] requests = requests(c.keys);
        // in two halves, each on its own connections as every row has: the first close of a
        // channel deoptimised much of the client's compiled code, which the first row measured
        // then paid for
        for (int half = 0; half < 2; half++) {
          try (GrpcLoad load = new GrpcLoad(child.grpcPort(), c.connections, c.clientThreads)) {
            CpuWindow ignored = new CpuWindow(-1, -1, false);
            int seconds = (c.clientWarmup + 1 - half) / 2;
            if (c.blocking) {
              load.blocking(i -> requests[i], c.keys, c.inFlight, 0, seconds, ignored);
            } else {
              load.keepInFlight(i -> requests[i], c.keys, c.inFlight, 0, seconds, ignored);
            }
          }
        }
      }
    }
  }

  private static void check(RateLimitResponse r, String what) {
    if (r.getOverallCode() != RateLimitResponse.Code.OK) {
      throw new IllegalStateException(what + " was not admitted: " + r);
    }
  }

  // ---- measuring

  static Result measure(Row row, Run run) throws Exception {
    Config c = run.c;
    if (c.quietWait > 0) {
      Machine.waitQuiet(c.quietWait);
    }
    return switch (row.id()) {
      case "grpc-empty" -> grpc(row, run, "grpc-empty", Map.of(),
          Base64.getEncoder().encodeToString(run.grpcAnswer));
      case "grpc" -> grpc(row, run, "sluice", Map.of());
      case "grpc-redis" -> {
        run.redisStats.flushAll();
        yield grpc(row, run, "sluice", run.redisEnv());
      }
      case "http-bare" -> http(row, run, 0, "http-bare", Base64.getEncoder().encodeToString(run.jsonAnswer));
      case "http" -> http(row, run, 0, "sluice");
      case "http-bare-paced" -> http(row, run, run.c.pacedDelay, "http-bare",
          Base64.getEncoder().encodeToString(run.jsonAnswer));
      case "http-paced" -> http(row, run, run.c.pacedDelay, "sluice");
      case "store-redis" -> storeRedis(row, run);
      case "memory" -> memory(row, run);
      default -> throw new AssertionError(row.id());
    };
  }

  private static Result grpc(Row row, Run run, String kind, Map<String, String> env, String... args)
      throws Exception {
    Config c = run.c;
    RateLimitRequest[] requests = requests(c.keys);
    IntFunction<RateLimitRequest> req = i -> requests[i];
    try (ChildJvm child = run.child(kind, env, args);
        GrpcLoad load = new GrpcLoad(child.grpcPort(), c.connections, c.clientThreads)) {
      run.grpcTransport = load.transport();
      check(load.call(requests[0]), row.id() + "'s first call");
      boolean redis = row.id().contains("redis");
      CpuWindow cpu = new CpuWindow(child.pid(), redis ? run.redis.pid() : -1, true);
      if (redis) {
        cpu.scripts(run.redisStats);
      }
      Callers.Totals t = c.blocking
          ? load.blocking(req, c.keys, c.inFlight, c.warmup, c.time, cpu)
          : load.keepInFlight(req, c.keys, c.inFlight, c.warmup, c.time, cpu);
      return Result.of(row.id(), t, cpu, "server pid " + child.pid(), null);
    }
  }

  private static RateLimitRequest[] requests(int keys) {
    RateLimitRequest[] r = new RateLimitRequest[keys];
    for (int i = 0; i < keys; i++) {
      r[i] = request(i);
    }
    return r;
  }

  /** An HTTP row: wrk on {@code /json}; {@code delayMillis} > 0 paces each connection. */
  private static Result http(Row row, Run run, int delayMillis, String kind, String... args) throws Exception {
    Config c = run.c;
    Path script = Wrk.script(run.dir, c.keys, delayMillis);
    try (ChildJvm child = run.child(kind, Map.of(), args)) {
      String url = "http://127.0.0.1:" + child.httpPort() + "/json";
      HttpResponse<String> first = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json(0))).build(),
          HttpResponse.BodyHandlers.ofString());
      if (first.statusCode() != 200) {
        throw new IllegalStateException(row.id() + "'s first POST /json answered " + first.statusCode()
            + ": " + first.body());
      }
      if (c.warmup > 0) {
        Wrk.run(url, script, c.wrkThreads, c.inFlight, c.warmup);
      }
      CpuWindow cpu = new CpuWindow(child.pid(), -1, false);
      cpu.start();
      Wrk.Result w = Wrk.run(url, script, c.wrkThreads, c.inFlight, c.time);
      cpu.end(w.wrkTicks());
      return new Result(row.id(), w.requestsPerSecond(), w.p50us(), w.p99us(), Double.NaN, w.requests(),
          w.non2xx() + w.socketErrors(), 0,
          w.non2xx() + w.socketErrors() == 0 ? null
              : w.non2xx() + " non-2xx responses; " + w.socketErrorLine(),
          w.seconds(), cpu, "server pid " + child.pid(), null);
    }
  }

  private static Result storeRedis(Row row, Run run) throws Exception {
    Config c = run.c;
    run.redisStats.flushAll();
    try (RedisRow.Session session = SluiceRow.coalescingDefaultDeadline().open(run.redis.uri(), c.keys)) {
      Callers callers = Callers.start(c.inFlight, false, c.keys, session::tryAcquire);
      callers.warmup(c.warmup);
      CpuWindow cpu = new CpuWindow(-1, run.redis.pid(), true).scripts(run.redisStats);
      cpu.start();
      callers.measure(c.time);
      cpu.end(-1);
      return Result.of(row.id(), callers.join(row.id()), cpu, session.details(), null);
    }
  }

  private static Result memory(Row row, Run run) throws Exception {
    Config c = run.c;
    try (ChildJvm child = run.child("sluice", Map.of())) {
      Thread.sleep(2000); // let start-up settle (JIT, class loading threads)
      long rss0 = child.rssKib();
      long heap0 = child.gcHeap()[0];
      Callers.Totals t;
      CpuWindow cpu = new CpuWindow(child.pid(), -1, true);
      try (GrpcLoad load = new GrpcLoad(child.grpcPort(), c.connections, c.clientThreads)) {
        run.grpcTransport = load.transport();
        cpu.start();
        t = load.each(ServerReport::memoryRequest, c.memoryKeys, c.inFlight);
        cpu.end(-1);
      }
      Thread.sleep(1000);
      long rss1 = child.rssKib();
      long heap1 = child.gcHeap()[0];
      return Result.of(row.id(), t, cpu, "server pid " + child.pid(),
          new Memory(rss0, rss1, heap0, heap1, c.memoryKeys));
    }
  }

  static String describe(Result r) {
    String mem = r.memory() == null ? "" : String.format(Locale.ROOT,
        "; RSS %,d KiB after start, %,d KiB after %,d keys; live heap %,d KiB, then %,d KiB",
        r.memory().rssStartKib(), r.memory().rssAfterKib(), r.memory().keys(),
        r.memory().heapStartBytes() >> 10, r.memory().heapAfterBytes() >> 10);
    return String.format(Locale.ROOT,
        "  %s: %,.0f/s (%,d in %.2f s), p50 %.1f µs, p99 %.1f µs%s; CPU %% server / Redis /"
            + " load / other: %s; CPU µs/call server %.1f, load %.1f%s;%s errors %d, not OK %d%s; %s%s",
        r.id(), r.perSecond(), r.count(), r.seconds(), r.p50us(), r.p99us(),
        Double.isNaN(r.maxMs()) ? "" : String.format(Locale.ROOT, ", max %.1f ms", r.maxMs()), r.cpu().cells(),
        r.cpu().serverUsPer(r.count()), r.cpu().loadUsPer(r.count()),
        Double.isNaN(r.cpu().generatorThreads) ? ""
            : String.format(Locale.ROOT, " (its load threads %.1f)", r.cpu().generatorUsPer(r.count())),
        r.cpu().scripts < 0 ? "" : String.format(Locale.ROOT, " Redis scripts/call %.3f;", scriptsPerCall(r)),
        r.errors(), r.denied(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")",
        r.details(), mem);
  }

  // ---- formatting

  static String format(Config c, Run run, List<Row> rows, List<Result> results, List<double[]> ranges,
      Instant start, String loadBefore, String loadAfter, String redisVersion, List<String> skipped) {
    StringBuilder b = new StringBuilder();
    ReportText.title(b, "Server", start);
    b.append("- Command: `").append(command(c)).append("`\n");
    ReportText.jdk(b).append(" (load generator: heap ").append(Runtime.getRuntime().maxMemory() >> 20)
        .append(" MiB, ").append(ReportText.gcName()).append(")\n");
    b.append("- Server JVMs (one per measurement, separate from the load generator): ")
        .append(run.serverJvm).append('\n');
    ReportText.machine(b).append("; servers, load generator")
        .append(redisVersion != null ? ", Redis" : "").append(" and wrk share the cores\n");
    boolean grpcRows = rows.stream().anyMatch(r -> r.id().contains("grpc") || r.id().equals("memory"));
    if (grpcRows) {
      b.append(String.format(Locale.ROOT, "- gRPC load: grpc-java %s in this JVM, %s%n",
          io.grpc.internal.GrpcUtil.IMPLEMENTATION_VERSION, c.blocking
              ? c.inFlight + " threads with blocking stubs (" + run.grpcTransport + ")"
              : "async stubs keeping " + c.inFlight + " calls in flight (" + run.grpcTransport
                  + ", callbacks on the event loop)"));
    }
    if (run.wrkVersion != null && rows.stream().anyMatch(r -> r.id().startsWith("http"))) {
      b.append("- HTTP load: ").append(run.wrkVersion).append(", `").append(Wrk.describe(c.wrkThreads, c.inFlight))
          .append("` (a Lua script picks the body; in the paced rows each connection also waits ")
          .append(c.pacedDelay).append(" ms after each answer, wrk's `delay()`); the server's HTTP listener: Netty ")
          .append(nettyVersion()).append('\n');
    }
    if (redisVersion != null) {
      b.append("- Redis ").append(redisVersion).append(" (own redis-server on a loopback port, no persistence);")
          .append(" `store-redis`: ").append(c.inFlight).append(" blocking caller threads in this JVM,")
          .append(" `RedisStore.standalone(uri)` with the server's settings (coalescing, default deadline,")
          .append(" failure closed)\n");
    }
    b.append(String.format(Locale.ROOT,
        "- Every call: domain `bench`, one descriptor `(k, v<i>)`, i uniform over %,d values, limit 10^9 per"
            + " second (never denies); %d s warmup + %d s measured per row; %d round(s)%s%n",
        c.keys, c.warmup, c.time, c.rounds, c.rounds > 1 ? " interleaved, the median round shown" : ""));
    ReportText.load(b, start, loadBefore, loadAfter, c.notes);

    List<String> h = new ArrayList<>(List.of("What", ">Throughput"));
    if (c.rounds > 1) {
      h.add(">rounds: min–max");
    }
    h.addAll(List.of(">p50 µs", ">p99 µs", "Ratio to reference", "Target", "Met?",
        ">CPU %: server / Redis / load / other", ">server CPU µs/call"));
    MarkdownTable table = MarkdownTable.of(h);
    List<String> problems = new ArrayList<>();
    Result memory = null;
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      Row row = rows.get(i);
      if (r.memory() != null) {
        memory = r;
        memoryRows(table, c, r, ranges.get(i));
        continue;
      }
      Result ref = row.reference() == null ? null : find(results, row.reference());
      String ratio;
      String met;
      if (row.reference() == null) {
        ratio = "reference";
        met = "—";
      } else if (ref == null) {
        ratio = "— (`" + row.reference() + "` not run)";
        met = "—";
      } else {
        double x = r.perSecond() / ref.perSecond();
        ratio = String.format(Locale.ROOT, "%.2f× `%s`", x, row.reference());
        met = !row.hasTarget() ? "—" : met(row, x, r);
      }
      List<String> cells = new ArrayList<>(List.of(row.title() + " `" + row.id() + "`",
          String.format(Locale.ROOT, "%,.0f %s", r.perSecond(), row.unit())));
      if (c.rounds > 1) {
        cells.add(String.format(Locale.ROOT, "%,.0f–%,.0f", ranges.get(i)[0], ranges.get(i)[1]));
      }
      cells.addAll(List.of(ReportText.us(r.p50us()), ReportText.us(r.p99us()), ratio, row.target(), met,
          r.cpu().cells(), usPerCall(r)));
      table.row(cells.toArray());
      if (r.errors() > 0 || r.denied() > 0) {
        problems.add(String.format(Locale.ROOT, "`%s`: %,d errors, %,d answers not OK%s", r.id(), r.errors(),
            r.denied(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")"));
      }
    }
    b.append(table);
    if (!problems.isEmpty()) {
      b.append("**Not every call was answered OK** (the limits never deny):\n");
      problems.forEach(p -> b.append("- ").append(p).append('\n'));
      b.append('\n');
    }
    List<String> scripts = new ArrayList<>();
    for (Result r : results) {
      if (r.cpu().scripts >= 0) {
        scripts.add(String.format(Locale.ROOT, "`%s` %.2f", r.id(), scriptsPerCall(r)));
      }
    }
    if (!scripts.isEmpty()) {
      b.append("Redis script calls (`EVAL` + `EVALSHA`, `INFO commandstats`) per call answered: ")
          .append(String.join(", ", scripts)).append(".\n\n");
    }
    for (String s : skipped) {
      b.append("**Skipped:** ").append(s).append("\n\n");
    }
    b.append("Throughput and latency are the load generator's: calls answered per second over the"
        + " measured seconds, and each call's time from sent to answered (gRPC: HdrHistogram in"
        + " the load generator; HTTP: wrk's `--latency` distribution), with the stated number of"
        + " calls always outstanding (a closed loop). Ratios are of throughput, median rounds."
        + " CPU columns are % of one core (");
    b.append(100 * Runtime.getRuntime().availableProcessors()).append("% = every core): server = the server JVM"
        + " (`/proc/PID/stat`), Redis = redis-server, load = the load generator (this JVM; wrk for the"
        + " HTTP rows; for `store-redis`, the store runs in it), other = the rest of the machine's busy"
        + " time (`/proc/stat`): anything else running disturbs the run.\n");
    if (memory != null) {
      b.append('\n').append(memoryNote(memory, c.inFlight));
    }
    return b.toString();
  }

  private static void memoryRows(MarkdownTable table, Config c, Result r, double[] range) {
    Memory m = r.memory();
    List<String> start = new ArrayList<>(List.of("Server RSS after start, memory store `memory`",
        String.format(Locale.ROOT, "%,.0f MiB", m.rssStartKib() / 1024.0)));
    List<String> after = new ArrayList<>(List.of(String.format(Locale.ROOT,
            "Server RSS after %,d distinct keys decided through gRPC `memory`", m.keys()),
        String.format(Locale.ROOT, "%,.0f MiB (+%,.0f)", m.rssAfterKib() / 1024.0,
            (m.rssAfterKib() - m.rssStartKib()) / 1024.0)));
    if (c.rounds > 1) {
      start.add("");
      after.add(String.format(Locale.ROOT, "%,.0f–%,.0f MiB", range[0] / 1024, range[1] / 1024));
    }
    start.addAll(List.of("", "", "—", "none set", "—", "", ""));
    after.addAll(List.of(ReportText.us(r.p50us()), ReportText.us(r.p99us()), "—", "none set", "—",
        r.cpu().cells(), usPerCall(r)));
    table.row(start.toArray());
    table.row(after.toArray());
  }

  private static String memoryNote(Result r, int inFlight) {
    Memory m = r.memory();
    double perKey = (m.heapAfterBytes() - m.heapStartBytes()) / (double) m.keys();
    return String.format(Locale.ROOT,
        "Memory: the server JVM's resident set (`VmRSS` of `/proc/PID/status`) 2 s after it said it"
            + " was ready (no call made yet), and 1 s after %,d calls, each a new key `(m, m<i>)` of"
            + " a per-hour limit (none expires during the run), %d in flight, at %,.0f calls/s (p50/p99 in"
            + " the row). With the heap settings above, the resident set is mostly how much of the heap"
            + " the collector has touched, not what the keys need: the live heap after a full GC"
            + " (`System.gc()` in the server JVM, after each RSS reading) went from %,.1f MiB to %,.1f MiB,"
            + " %,.0f bytes per key.%n",
        m.keys(), inFlight, r.perSecond(), m.heapStartBytes() / 1048576.0,
        m.heapAfterBytes() / 1048576.0, perKey);
  }

  private static double scriptsPerCall(Result r) {
    return r.count() == 0 ? Double.NaN : r.cpu().scripts / (double) r.count();
  }

  private static String usPerCall(Result r) {
    double us = r.cpu().serverUsPer(r.count());
    return Double.isNaN(us) ? "—" : String.format(Locale.ROOT, "%.1f", us);
  }

  private static String met(Row row, double ratio, Result r) {
    List<String> missed = new ArrayList<>();
    if (row.minRatio() > 0 && !Double.isNaN(ratio) && ratio < row.minRatio()) {
      missed.add("ratio");
    }
    if (row.maxP99us() > 0 && r.p99us() > row.maxP99us()) {
      missed.add("p99");
    }
    if (r.errors() > 0 || r.denied() > 0) {
      missed.add("errors");
    }
    return missed.isEmpty() ? "**met**" : "**MISSED** (" + String.join(", ", missed) + ")";
  }

  private static Result find(List<Result> results, String id) {
    return results.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
  }

  private static String command(Config c) {
    if (c.command != null) {
      return c.command;
    }
    return ProcessHandle.current().info().commandLine().orElse("java ... " + ServerReport.class.getName());
  }

  /**
   * Netty's version. The shaded jar keeps one module's version file (every module is at one
   * version, see the server's pom): whichever it is.
   */
  private static String nettyVersion() {
    return io.netty.util.Version.identify().values().stream().findFirst()
        .map(io.netty.util.Version::artifactVersion).orElse("?");
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
