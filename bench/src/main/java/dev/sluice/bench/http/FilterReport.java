package dev.sluice.bench.http;

import dev.sluice.PolicyText;
import dev.sluice.Sluice;
import dev.sluice.bench.Machine;
import dev.sluice.bench.server.Wrk;
import dev.sluice.http.ClientAddresses;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.RouteRules;
import dev.sluice.servlet.SluiceFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The Servlet filter's overhead per request (issue 16): a Jetty 12.1 (ee11) servlet returning a
 * fixed body, without and with {@link SluiceFilter} (in-memory store, a per-client fixed window
 * that never denies), side by side in one run, each measured by {@code wrk} at 64 connections.
 * Target: with the filter, at least 0.9x the requests per second without it.
 *
 * <p>Clients: wrk connects from 127.0.0.1, which the filter is told to trust as a proxy; every
 * request carries {@code X-Forwarded-For} with one of 64 addresses, in turn per wrk thread, so the
 * filter decides for 64 anonymous clients (a key each) and parses the header on every request, as
 * behind a load balancer. The servlet without the filter gets the same requests.
 *
 * <p>Both servers run in this JVM, one at a time (started, warmed up, measured, stopped), rounds
 * interleaved; wrk runs in its own process. Usage: {@code bench/filter.sh [--rounds N] [--warmup S]
 * [--time S] [--connections N] [--wrk-threads N] [--out FILE]}.
 */
public final class FilterReport {

  private FilterReport() {}

  private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
  private static final int CLIENTS = 64;

  /** The application: a fixed body. */
  private static final class Fixed extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setStatus(200);
      resp.setContentType("application/json");
      resp.setContentLength(BODY.length);
      resp.getOutputStream().write(BODY);
    }
  }

  /** One server: Jetty with the servlet, and the filter if given. */
  private record Running(Server server, int port, Sluice sluice) implements AutoCloseable {
    @Override
    public void close() throws Exception {
      server.stop();
      if (sluice != null) {
        sluice.close();
      }
    }
  }

  /**
   * The measured filter, also {@link FilterCall}'s: rule {@code /**} with a per-client fixed
   * window of 10^9 per second (never denies), {@code /health/**} excluded, 127.0.0.1 trusted.
   */
  static SluiceFilter filter(Sluice sluice) {
    HttpQuotas quotas = HttpQuotas.builder(sluice)
        .addresses(ClientAddresses.builder().trustedProxies("127.0.0.1").build())
        .rules(RouteRules.builder()
            .exclude("/health/**")
            .rule(RouteRules.rule("/**").anonymous(
                PolicyText.parse("per-client", "fixed-window limit=1000000000 period=1s")))
            .build())
        .build();
    return SluiceFilter.builder(quotas).build();
  }

  private static Running start(boolean filter) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    Sluice sluice = null;
    if (filter) {
      sluice = Sluice.inMemory();
      context.addFilter(new FilterHolder(filter(sluice)), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    context.addServlet(new ServletHolder(new Fixed()), "/api/*");
    server.setHandler(context);
    server.start();
    return new Running(server, connector.getLocalPort(), sluice);
  }

  /** wrk's result. */
  record Result(double rps, double p50us, double p99us, long non2xx, long cpuNanos, double seconds) {}

  private static Result wrk(int port, Path script, int threads, int connections, int seconds) throws Exception {
    long cpu0 = Machine.processCpuNanos();
    Wrk.Result w = Wrk.run("http://127.0.0.1:" + port + "/api/items", script, threads, connections, seconds);
    long cpu = Machine.processCpuNanos() - cpu0;
    return new Result(w.requestsPerSecond(), w.p50us(), w.p99us(), w.non2xx(), cpu, seconds);
  }

  private static Path script(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve("filter-xff.lua");
    Files.writeString(p, """
        -- GET /api/items with X-Forwarded-For: one of CLIENTS addresses, in turn per wrk thread
        local counter = 0
        local requests = {}
        local n = 0
        function setup(thread)
          thread:set("id", counter)
          counter = counter + 1
        end
        function init(args)
          for i = 0, CLIENTS - 1 do
            requests[i] = wrk.format("GET", "/api/items", {["X-Forwarded-For"] = "198.51.100." .. i})
          end
        end
        function request()
          n = (n + 1) % CLIENTS
          return requests[n]
        end
        """.replace("CLIENTS", Integer.toString(CLIENTS)));
    return p;
  }

  public static void main(String[] args) throws Exception {
    int rounds = 3;
    int warmup = 10;
    int time = 10;
    int prewarm = 20;
    int connections = 64;
    int threads = 2;
    String command = "bench/filter.sh";
    Path out = Machine.jarDirectory(FilterReport.class).resolve("filter-report.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--time" -> time = Integer.parseInt(args[++i]);
        case "--prewarm" -> prewarm = Integer.parseInt(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--wrk-threads" -> threads = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--command" -> command = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--rounds N, --warmup S, --time S, --prewarm S, --connections N, --wrk-threads N, --out FILE)");
      }
    }
    Path script = script(Machine.jarDirectory(FilterReport.class).resolve("filter-bench"));
    String loadBefore = Machine.loadAverage();
    List<Result> bare = new ArrayList<>();
    List<Result> filtered = new ArrayList<>();
    // the JVM's JIT warms up on both servers once, unmeasured: without it the first round's
    // reference ran on code still being compiled (25.7k requests/s, then 33.5k and 38.4k)
    for (boolean filter : new boolean[] {false, true}) {
      if (prewarm > 0) {
        try (Running s = start(filter)) {
          wrk(s.port(), script, threads, connections, prewarm);
        }
      }
    }
    for (int r = 1; r <= rounds; r++) {
      // ABBA: each configuration runs first in every other round, so neither always gets the
      // warmer or the more disturbed half of a round
      boolean[] order = r % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false};
      for (boolean filter : order) {
        try (Running s = start(filter)) {
          wrk(s.port(), script, threads, connections, warmup);
          Result res = wrk(s.port(), script, threads, connections, time);
          (filter ? filtered : bare).add(res);
          System.out.printf(Locale.ROOT, "# round %d/%d %s: %,.0f req/s, p50 %.0f us, p99 %.0f us, non-2xx %d,"
                  + " this JVM's CPU %.1f us/request%n", r, rounds, filter ? "filter" : "bare", res.rps(),
              res.p50us(), res.p99us(), res.non2xx(), res.cpuNanos() / 1000.0 / (res.rps() * res.seconds()));
        }
      }
    }
    Result b = median(bare);
    Result f = median(filtered);
    double ratio = f.rps() / b.rps();
    boolean met = ratio >= 0.9 && f.non2xx() == 0;
    StringBuilder md = new StringBuilder();
    md.append("## Servlet filter overhead: ").append(Instant.now().toString(), 0, 19).append(" UTC\n\n");
    md.append("- Command: `").append(command).append("`\n");
    md.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.vm.version")).append("; this JVM: ")
        .append(Runtime.getRuntime().maxMemory() / (1 << 20)).append(" MiB max heap\n");
    md.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(Machine.cpuModel()).append("; Jetty and wrk share the cores\n");
    md.append("- Jetty 12.1 (ee11), a servlet writing ").append(BODY.length).append(" fixed bytes at `/api/*`;"
        + " wrk -t").append(threads).append(" -c").append(connections).append(", ").append(CLIENTS)
        .append(" clients by `X-Forwarded-For` (127.0.0.1 trusted); ").append(warmup).append(" s warmup + ")
        .append(time).append(" s measured; ").append(rounds)
        .append(" rounds interleaved (ABBA order), the median shown, after ").append(prewarm)
        .append(" s unmeasured on each to warm the JIT\n");
    md.append("- Filter: `SluiceFilter` over `HttpQuotas`, in-memory store, rule `/**` with a per-client fixed"
        + " window of 10^9 per second (never denies), IETF headers on every answer\n");
    md.append("- Load average before: ").append(loadBefore).append("; after: ").append(Machine.loadAverage())
        .append("\n\n");
    md.append("| What | Requests/s | rounds: min–max | p50 µs | p99 µs | Ratio | Target | Met? | server CPU µs/request |\n");
    md.append("|---|---:|---:|---:|---:|---|---|---|---:|\n");
    row(md, "Servlet without the filter (reference)", b, bare, "reference", "—", "—");
    row(md, "Servlet with `SluiceFilter`", f, filtered, String.format(Locale.ROOT, "%.2f×", ratio), "≥ 0.9×",
        met ? "**met**" : "**MISSED**");
    String text = md.toString();
    System.out.println();
    System.out.println(text);
    Files.writeString(out, text);
    System.out.println("(written to " + out + ")");
  }

  private static void row(StringBuilder md, String what, Result m, List<Result> all, String ratio, String target,
      String met) {
    double min = all.stream().mapToDouble(Result::rps).min().orElse(0);
    double max = all.stream().mapToDouble(Result::rps).max().orElse(0);
    md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f–%,.0f | %,.0f | %,.0f | %s | %s | %s | %.1f |%n",
        what, m.rps(), min, max, m.p50us(), m.p99us(), ratio, target, met,
        m.cpuNanos() / 1000.0 / (m.rps() * m.seconds())));
  }

  private static Result median(List<Result> results) {
    List<Result> sorted = new ArrayList<>(results);
    sorted.sort((x, y) -> Double.compare(x.rps(), y.rps()));
    return sorted.get(sorted.size() / 2);
  }
}
