package dev.sluice.bench.redis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway {@code redis-server} of our own: a free loopback port, no persistence, a temporary
 * working directory. Stopped through its own {@link Process} (SIGTERM to that PID, then SIGKILL if
 * it does not exit), never by name, so the machine's Redis on 6379 is never touched.
 */
final class RedisServer implements AutoCloseable {
  final String executable;
  final int port;
  final Process process;
  final Path dir;
  private final Thread hook;

  private RedisServer(String executable, int port, Process process, Path dir) {
    this.executable = executable;
    this.port = port;
    this.process = process;
    this.dir = dir;
    this.hook = new Thread(this::stop, "redis-server-" + port + "-stop");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  static RedisServer start(String executable) throws IOException, InterruptedException {
    int port = freePort();
    Path dir = Files.createTempDirectory("sluice-bench-redis-");
    List<String> cmd = List.of(executable,
        "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no",
        "--dir", dir.toString(), "--daemonize", "no", "--loglevel", "warning");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile()).start();
    RedisServer s = new RedisServer(executable, port, p, dir);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!s.ping()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("redis.log"), StandardCharsets.UTF_8);
        s.close();
        throw new IOException("redis-server did not start on port " + port + ":\n" + log);
      }
      Thread.sleep(20);
    }
    return s;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** Redis's own version line, e.g. {@code 7.0.15}, from {@code INFO server}. */
  String version() throws IOException {
    return infoFields("server").getOrDefault("redis_version", "?");
  }

  /** Fields of an {@code INFO section} reply, read over a plain socket (no client library). */
  Map<String, String> infoFields(String section) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : command("INFO", section).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        out.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return out;
  }

  /** {@code used_cpu_sys + used_cpu_user} in seconds: every thread of the server. */
  double cpuSeconds() throws IOException {
    Map<String, String> f = infoFields("cpu");
    return Double.parseDouble(f.get("used_cpu_sys")) + Double.parseDouble(f.get("used_cpu_user"));
  }

  /** Calls of {@code EVAL} and {@code EVALSHA} so far: top-level script calls, one per round trip. */
  long scriptCalls() throws IOException {
    long n = 0;
    for (Map.Entry<String, String> e : infoFields("commandstats").entrySet()) {
      if (e.getKey().equals("cmdstat_eval") || e.getKey().equals("cmdstat_evalsha")) {
        String v = e.getValue(); // calls=N,usec=...
        n += Long.parseLong(v.substring(v.indexOf('=') + 1, v.indexOf(',')));
      }
    }
    return n;
  }

  void flushAll() throws IOException {
    String r = command("FLUSHALL", "SYNC");
    if (!r.equals("OK")) {
      throw new IOException("FLUSHALL answered " + r);
    }
  }

  long dbSize() throws IOException {
    return Long.parseLong(command("DBSIZE"));
  }

  private boolean ping() {
    try {
      return command("PING").equals("PONG");
    } catch (IOException e) {
      return false;
    }
  }

  /** One command in RESP, its reply as text (simple string, integer or bulk string). */
  private String command(String... args) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      s.setSoTimeout(10_000);
      StringBuilder b = new StringBuilder().append('*').append(args.length).append("\r\n");
      for (String a : args) {
        b.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a)
            .append("\r\n");
      }
      s.getOutputStream().write(b.toString().getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      var in = new java.io.DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
      String head = readLine(in);
      switch (head.charAt(0)) {
        case '+', ':' -> {
          return head.substring(1);
        }
        case '$' -> {
          int len = Integer.parseInt(head.substring(1));
          byte[] body = new byte[len];
          in.readFully(body);
          return new String(body, StandardCharsets.UTF_8);
        }
        default -> throw new IOException("redis: " + head);
      }
    }
  }

  private static String readLine(java.io.DataInputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != -1; ) {
      if (c == '\r') {
        in.read(); // '\n'
        return b.toString();
      }
      b.append((char) c);
    }
    throw new IOException("connection closed");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private synchronized void stop() {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM to this PID only
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temporary directory left behind is harmless
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs stop() again, which is idempotent
    }
  }
}
