package dev.sluice.bench.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP load generator of {@link ServerReport}: {@code wrk} (a process of its own, found on
 * the PATH), {@code POST /json} over keep-alive connections, a closed loop; its
 * {@code --latency} distribution gives p50 and p99. The body names one descriptor whose value
 * is drawn per request uniformly at random from {@code keys} prepared requests (a Lua script,
 * {@link #script}), the same requests as the gRPC rows send. The Servlet filter's report
 * ({@code dev.sluice.bench.http.FilterReport}) runs its own script through {@link #run}.
 */
public final class Wrk {
  private Wrk() {}

  /** What one wrk run printed. */
  public record Result(double requestsPerSecond, long requests, double seconds, double p50us, double p99us,
      long non2xx, long socketErrors, String socketErrorLine, long wrkTicks, String output) {}

  /** wrk's version line, or null when there is no wrk on the PATH. */
  static String version() {
    try {
      Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      String first = out.lines().findFirst().orElse("").trim();
      return first.startsWith("wrk") ? first.replaceAll("\\s+Copyright.*", "") : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Writes the Lua script of {@code POST /json} with a random one of {@code keys} bodies. */
  static Path script(Path dir, int keys) throws IOException {
    return script(dir, keys, 0);
  }

  /**
   * The same script, where each connection waits {@code delayMillis} after an answer before its
   * next request (wrk's {@code delay()}; 0: no wait, the connection is always busy).
   */
  static Path script(Path dir, int keys, int delayMillis) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve("post-json-" + keys + (delayMillis > 0 ? "-delay-" + delayMillis + "ms" : "") + ".lua");
    String lua = """
        -- POST /json, one descriptor (domain bench, key k, value v<i>), i uniform in [0, KEYS)
        local keys = KEYS
        local requests = {}
        local counter = 0
        function setup(thread)
          thread:set("id", counter)
          counter = counter + 1
        end
        function init(args)
          math.randomseed(24301 + id)
          for i = 0, keys - 1 do
            local body = '{"domain":"bench","descriptors":[{"entries":[{"key":"k","value":"v' .. i .. '"}]}]}'
            requests[i] = wrk.format("POST", "/json", {["Content-Type"] = "application/json"}, body)
          end
        end
        function request()
          return requests[math.random(0, keys - 1)]
        end
        """.replace("KEYS", Integer.toString(keys))
        + (delayMillis > 0 ? "function delay()\n  return " + delayMillis + "\nend\n" : "");
    Files.writeString(p, lua);
    return p;
  }

  /**
   * Runs {@code wrk -t threads -c connections -d seconds --latency --timeout 10s -s script url}
   * and parses what it prints.
   */
  public static Result run(String url, Path script, int threads, int connections, int seconds)
      throws IOException, InterruptedException {
    List<String> cmd = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s",
        "--latency", "--timeout", "10s", "-s", script.toString(), url);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    long pid = p.pid();
    // wrk's CPU time, read while it still runs (its /proc entry goes when it exits): sampled
    // every 100 ms, the last sample before it exits misses at most 100 ms of its work
    long[] ticks = {-1};
    Thread sampler = new Thread(() -> {
      while (p.isAlive()) {
        long t = dev.sluice.bench.Machine.processTicks(pid);
        if (t >= 0) {
          ticks[0] = t;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "wrk-cpu");
    sampler.setDaemon(true);
    sampler.start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("wrk did not finish: " + out);
    }
    sampler.join(1000);
    if (p.exitValue() != 0) {
      throw new IOException("wrk exited with " + p.exitValue() + ": " + out);
    }
    return parse(out, ticks[0]);
  }

  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m|h)");
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
  private static final Pattern P50 = Pattern.compile("\\n\\s*50(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m)");
  private static final Pattern P99 = Pattern.compile("\\n\\s*99(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m)");
  private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET = Pattern.compile("Socket errors:\\s+connect (\\d+), read (\\d+),"
      + " write (\\d+), timeout (\\d+)");

  static Result parse(String out, long wrkTicks) throws IOException {
    Matcher requests = find(REQUESTS, out);
    Matcher rate = find(RATE, out);
    Matcher p50 = find(P50, out);
    Matcher p99 = find(P99, out);
    Matcher non2xx = NON2XX.matcher(out);
    Matcher socket = SOCKET.matcher(out);
    long socketErrors = 0;
    String socketLine = "";
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) {
        socketErrors += Long.parseLong(socket.group(g));
      }
      socketLine = socket.group();
    }
    return new Result(Double.parseDouble(rate.group(1)), Long.parseLong(requests.group(1)),
        micros(requests.group(2), requests.group(3)) / 1e6,
        micros(p50.group(1), p50.group(2)), micros(p99.group(1), p99.group(2)),
        non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, socketErrors, socketLine, wrkTicks, out);
  }

  private static Matcher find(Pattern p, String out) throws IOException {
    Matcher m = p.matcher(out);
    if (!m.find()) {
      throw new IOException("cannot find /" + p + "/ in wrk's output:\n" + out);
    }
    return m;
  }

  private static double micros(String value, String unit) {
    double v = Double.parseDouble(value);
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "us" -> v;
      case "ms" -> v * 1e3;
      case "s" -> v * 1e6;
      case "m" -> v * 60e6;
      case "h" -> v * 3600e6;
      default -> throw new IllegalArgumentException(unit);
    };
  }

  /** The argument list as wrk took it, for the report. */
  static String describe(int threads, int connections) {
    List<String> a = new ArrayList<>(List.of("wrk", "-t" + threads, "-c" + connections, "-d<time>s",
        "--latency", "--timeout", "10s", "-s", "post-json-<keys>.lua"));
    return String.join(" ", a);
  }
}
