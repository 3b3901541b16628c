package dev.sluice.redis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway {@code redis-server} process on a free loopback port, for tests.
 *
 * <p>Started by {@link #start()} with {@code --bind 127.0.0.1 --save "" --appendonly no
 * --protected-mode no} in a fresh temporary directory that also holds its log ({@link
 * #logFile()}); it keeps nothing on disk, so {@link #restart()} always comes back empty. Every
 * signal goes to this object's own process by PID, never by name, and the machine's own Redis on
 * port 6379 is never chosen nor touched. {@link #close()} stops the process (SIGCONT first when it
 * is {@linkplain #pause() paused}, then SIGTERM, then SIGKILL after {@value #STOP_GRACE_SECONDS} s)
 * and deletes the directory; a JVM shutdown hook SIGKILLs whatever a test left running.
 */
public final class RedisServer implements AutoCloseable {

  static final String HOST = "127.0.0.1";

  /** Cluster bus port offset: Redis 6.2 always listens on port + 10000 in cluster mode. */
  static final int CLUSTER_BUS_OFFSET = 10_000;

  private static final int MACHINE_REDIS_PORT = 6379;
  private static final String SENTINEL_CONF = "sentinel.conf";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final long STOP_GRACE_SECONDS = 5;
  private static final int START_ATTEMPTS = 5;
  private static final int LOG_TAIL_LINES = 20;
  private static final String PORT_TAKEN = "Address already in use";
  private static final Pattern PROCESS_ID = Pattern.compile("(?m)^process_id:(\\d+)\\r?$");

  private final Path binary;
  private final boolean clusterNode;
  /** Whether it runs as a Sentinel ({@code --sentinel}, with {@value #SENTINEL_CONF} in its directory). */
  private final boolean sentinel;
  private final Path dir;
  private final Path log;
  private final int port;
  private Process process;
  private boolean paused;
  private boolean closed;

  private RedisServer(Path binary, boolean clusterNode, boolean sentinel, Path dir, int port, Process process) {
    this.binary = binary;
    this.clusterNode = clusterNode;
    this.sentinel = sentinel;
    this.dir = dir;
    this.log = dir.resolve("redis.log");
    this.port = port;
    this.process = process;
  }

  /** Starts the {@linkplain RedisBinary#resolve() resolved} binary; returns once it answers. */
  public static RedisServer start() {
    return start(RedisBinary.resolve());
  }

  /** Starts the given {@code redis-server} binary; returns once it answers PING. */
  public static RedisServer start(Path binary) {
    return start(binary, false);
  }

  /**
   * Starts a server, picking a fresh free port again when another process takes the probed one
   * between the probe and the server's bind.
   *
   * @param clusterNode whether to run with {@code --cluster-enabled yes} (and a {@code nodes.conf}
   *     in the server's directory); the cluster bus port, port + 10000, is then checked free too
   */
  static RedisServer start(Path binary, boolean clusterNode) {
    return start(binary, clusterNode, null);
  }

  /**
   * Starts a Redis Sentinel ({@code redis-server sentinel.conf --sentinel}) on a free loopback
   * port, with {@code config} as its {@value #SENTINEL_CONF} (the {@code sentinel monitor} lines
   * and such; the port, bind address and directory are given on the command line). The Sentinel
   * rewrites the file as it learns; {@link #restart()} keeps it, as after a crash.
   */
  static RedisServer startSentinel(Path binary, String config) {
    return start(binary, false, config);
  }

  private static RedisServer start(Path binary, boolean clusterNode, String sentinelConfig) {
    Path dir = createTempDirectory();
    Children.DIRS.add(dir);
    boolean started = false;
    List<String> races = new ArrayList<>();
    try {
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int port = freePort(clusterNode);
        Files.deleteIfExists(dir.resolve("nodes.conf"));
        if (sentinelConfig != null) {
          Files.writeString(dir.resolve(SENTINEL_CONF), sentinelConfig);
        }
        Process process = launch(binary, clusterNode, sentinelConfig != null, dir, port, false);
        try {
          awaitReady(binary, process, port, dir.resolve("redis.log"), 0);
        } catch (PortTaken e) {
          stop(process, false);
          races.add(e.getMessage());
          continue;
        } catch (RuntimeException | Error e) {
          stop(process, false);
          throw e;
        }
        started = true;
        return new RedisServer(binary, clusterNode, sentinelConfig != null, dir, port, process);
      }
      throw new IllegalStateException(
          "redis-server lost the race for a free port " + START_ATTEMPTS + " times: " + races);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!started) {
        deleteDirectory(dir);
        Children.DIRS.remove(dir);
      }
    }
  }

  /** The loopback port it listens on (never 6379). */
  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String uri() {
    return "redis://" + HOST + ":" + port;
  }

  /** PID of the current process (a new one after {@link #restart()}). */
  public synchronized long pid() {
    return process.pid();
  }

  /** Whether the current process is running (a paused process is running). */
  public synchronized boolean isAlive() {
    return process.isAlive();
  }

  /** Whether the process is stopped by {@link #pause()}. */
  public synchronized boolean isPaused() {
    return paused;
  }

  /** The temporary directory of this server ({@code --dir}); deleted by {@link #close()}. */
  public Path directory() {
    return dir;
  }

  /** The file that receives the server's stdout and stderr (appended to across restarts). */
  public Path logFile() {
    return log;
  }

  /** The executable this server runs. */
  public Path binary() {
    return binary;
  }

  /** Kills the process with SIGKILL (no shutdown, no reply to anything in flight) and reaps it. */
  public synchronized void kill() {
    requireOpen();
    if (process.isAlive()) {
      process.destroyForcibly();
      awaitExit(process, Duration.ofSeconds(10), "SIGKILL");
    }
    Children.PROCESSES.remove(process);
    paused = false;
  }

  /**
   * Stops the process with SIGSTOP: it keeps its port and its connections (the kernel even accepts
   * new ones), but answers nothing until {@link #resume()}. Returns once the kernel reports it
   * stopped.
   */
  public synchronized void pause() {
    requireRunning("pause");
    if (!paused) {
      signal("STOP");
      awaitProcState(true);
      paused = true;
    }
  }

  /** Continues a {@linkplain #pause() paused} process with SIGCONT. */
  public synchronized void resume() {
    requireRunning("resume");
    if (paused) {
      signal("CONT");
      awaitProcState(false);
      paused = false;
    }
  }

  /**
   * Starts a new, empty process on the same port (SIGKILLing the current one first if it still
   * runs); returns once it answers PING. The port may briefly be held by a closing socket; this
   * retries for up to 10 s. A cluster node keeps its {@code nodes.conf}, so it rejoins its cluster
   * with its old identity and slots, as a node would after a crash; its data is gone either way.
   */
  public synchronized void restart() {
    requireOpen();
    if (process.isAlive()) {
      kill();
    }
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      long logStart = sizeOf(log);
      Process next = launch(binary, clusterNode, sentinel, dir, port, true);
      try {
        awaitReady(binary, next, port, log, logStart);
        process = next;
        paused = false;
        return;
      } catch (PortTaken e) {
        stop(next, false);
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not restart redis-server on the same port " + port + " within "
                  + READY_TIMEOUT.toSeconds() + " s: " + e.getMessage(), e);
        }
        sleep(100);
      } catch (RuntimeException e) {
        stop(next, false);
        throw e;
      }
    }
  }

  /**
   * Stops the process (SIGCONT first when paused, then SIGTERM, SIGKILL after {@value
   * #STOP_GRACE_SECONDS} s), waits for it and deletes the directory. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop(process, paused);
    } finally {
      paused = false;
      deleteDirectory(dir);
      Children.DIRS.remove(dir);
    }
  }

  /**
   * Sends one command on a connection of its own and returns the reply (strings, {@code Long}
   * integers, {@code List} arrays, null for nil): for what a client library does not say, e.g.
   * {@code INFO cpu} for a benchmark.
   *
   * @throws java.io.UncheckedIOException if the server does not answer within 10 s, or answers an error
   */
  public Object command(String... args) {
    requireOpen();
    try {
      return Resp.once(port, java.time.Duration.ofSeconds(10), args);
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", args) + " on " + this + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized String toString() {
    return "RedisServer[" + HOST + ":" + port + (sentinel ? ", sentinel" : "") + ", pid " + process.pid()
        + (closed ? ", closed" : process.isAlive() ? (paused ? ", paused" : "") : ", dead") + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private void requireRunning(String action) {
    requireOpen();
    if (!process.isAlive()) {
      throw new IllegalStateException("cannot " + action + " " + this + ": it is not running");
    }
  }

  /** Sends a signal to this server's own PID with kill(1). */
  private void signal(String name) {
    long pid = process.pid();
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, String.valueOf(pid))
              .redirectErrorStream(true)
              .start();
      String output;
      try (InputStream in = kill.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -" + name + " " + pid + " did not finish in 10 s");
      }
      if (kill.exitValue() != 0) {
        throw new IllegalStateException(
            "kill -" + name + " " + pid + " failed (exit " + kill.exitValue() + "): " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run kill -" + name + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending SIG" + name + " to " + pid, e);
    }
  }

  /**
   * Waits until /proc reports the process stopped (state T) or not; signals are delivered
   * asynchronously. Without /proc (not Linux) this returns at once.
   */
  private void awaitProcState(boolean stopped) {
    Path stat = Path.of("/proc", String.valueOf(process.pid()), "stat");
    if (!Files.exists(stat)) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      String content;
      try {
        content = Files.readString(stat);
      } catch (IOException e) {
        return; // gone: nothing left to wait for
      }
      // "pid (comm) S ...": the state follows the last ')', as comm may hold anything.
      char state = content.charAt(content.lastIndexOf(')') + 2);
      if ((state == 'T') == stopped) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            this + " still in state " + state + " 5 s after SIG" + (stopped ? "STOP" : "CONT"));
      }
      sleep(1);
    }
  }

  private static Process launch(
      Path binary, boolean clusterNode, boolean sentinel, Path dir, int port, boolean appendLog) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    if (sentinel) {
      // the config file must come first; a Sentinel keeps no data, so no --save / --appendonly
      command.addAll(List.of(dir.resolve(SENTINEL_CONF).toString(), "--sentinel"));
    }
    command.addAll(List.of(
        "--port", String.valueOf(port),
        "--bind", HOST));
    if (!sentinel) {
      command.addAll(List.of("--save", "", "--appendonly", "no"));
    }
    command.addAll(List.of(
        "--dir", dir.toString(),
        "--daemonize", "no",
        "--protected-mode", "no"));
    if (clusterNode) {
      command.addAll(List.of(
          "--cluster-enabled", "yes",
          "--cluster-config-file", dir.resolve("nodes.conf").toString(),
          "--cluster-node-timeout", "2000"));
    }
    Path log = dir.resolve("redis.log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(
                appendLog
                    ? ProcessBuilder.Redirect.appendTo(log.toFile())
                    : ProcessBuilder.Redirect.to(log.toFile()));
    for (int attempt = 1; ; attempt++) {
      try {
        Process process = builder.start();
        Children.PROCESSES.add(process);
        process.getOutputStream().close();
        return process;
      } catch (IOException e) {
        // "Text file busy": a freshly extracted binary whose write descriptor a process spawned
        // by another thread inherited for a moment. Passes by itself.
        if (attempt < 20 && String.valueOf(e.getMessage()).contains("error=26")) {
          sleep(50);
          continue;
        }
        throw new UncheckedIOException("could not start " + String.join(" ", command), e);
      }
    }
  }

  /**
   * Returns once the process answers PING on the port and INFO says it is this very process (so a
   * stranger that grabbed the port is never mistaken for ours).
   *
   * @throws PortTaken when the process exited because the port (or bus port) was in use
   */
  private static void awaitReady(Path binary, Process process, int port, Path log, long logStart) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "nothing tried yet";
    while (true) {
      if (!process.isAlive()) {
        String tail = tail(log, logStart);
        if (tail.contains(PORT_TAKEN)) {
          throw new PortTaken("port " + port + " was taken: " + lastLine(tail));
        }
        throw new IllegalStateException(
            "redis-server " + binary + " exited with code " + process.exitValue()
                + " before answering PING on " + HOST + ":" + port + "; log " + log + ":\n" + tail);
      }
      try (Resp resp = Resp.connect(port, Duration.ofMillis(500))) {
        String pong = resp.callString("PING");
        if (!"PONG".equals(pong)) {
          last = "PING answered " + pong;
        } else {
          Matcher m = PROCESS_ID.matcher(resp.callString("INFO", "server"));
          long answering = m.find() ? Long.parseLong(m.group(1)) : -1;
          if (answering == process.pid()) {
            return;
          }
          last = "PING answered by process " + answering + ", not ours (" + process.pid() + ")";
        }
      } catch (IOException e) {
        last = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "redis-server did not answer PING on " + HOST + ":" + port + " within "
                + READY_TIMEOUT.toSeconds() + " s (last: " + last + "); log " + log + ":\n"
                + tail(log, logStart));
      }
      sleep(10);
    }
  }

  /** Stops a process by its PID: SIGCONT when paused, SIGTERM, then SIGKILL after a grace. */
  private static void stop(Process process, boolean paused) {
    try {
      if (process.isAlive()) {
        if (paused) {
          // A stopped process would only act on SIGTERM once continued.
          try {
            new ProcessBuilder("kill", "-CONT", String.valueOf(process.pid()))
                .start()
                .waitFor(5, TimeUnit.SECONDS);
          } catch (IOException e) {
            // SIGKILL below still works on a stopped process.
          }
        }
        process.destroy();
        if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          awaitExit(process, Duration.ofSeconds(10), "SIGKILL");
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      Children.PROCESSES.remove(process);
    }
  }

  private static void awaitExit(Process process, Duration timeout, String after) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "redis-server pid " + process.pid() + " still running " + timeout.toSeconds()
                + " s after " + after);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for pid " + process.pid(), e);
    }
  }

  /** A loopback port that was free a moment ago (and its bus port too, for a cluster node). */
  private static int freePort(boolean clusterNode) {
    for (int i = 0; i < 100; i++) {
      int port = probe(0);
      if (port <= 0 || port == MACHINE_REDIS_PORT) {
        continue;
      }
      if (!clusterNode) {
        return port;
      }
      int bus = port + CLUSTER_BUS_OFFSET;
      if (bus <= 65_535 && bus != MACHINE_REDIS_PORT && probe(bus) == bus) {
        return port;
      }
    }
    throw new IllegalStateException("found no free loopback port in 100 tries");
  }

  /** Binds a server socket on 127.0.0.1 and closes it; returns its port, or -1 if bind failed. */
  private static int probe(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
      return socket.getLocalPort();
    } catch (IOException e) {
      return -1;
    }
  }

  private static Path createTempDirectory() {
    try {
      return Files.createTempDirectory("sluice-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a temporary directory", e);
    }
  }

  static void deleteDirectory(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /** The last lines written to the log since byte {@code from}. */
  static String tail(Path log, long from) {
    try {
      byte[] bytes = Files.readAllBytes(log);
      int start = (int) Math.min(from, bytes.length);
      String text = new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8);
      List<String> lines = text.lines().toList();
      int first = Math.max(0, lines.size() - LOG_TAIL_LINES);
      return String.join("\n", lines.subList(first, lines.size()));
    } catch (IOException e) {
      return "(could not read " + log + ": " + e + ")";
    }
  }

  private static String lastLine(String text) {
    List<String> lines = text.lines().filter(l -> l.contains(PORT_TAKEN)).toList();
    return lines.isEmpty() ? text : lines.get(lines.size() - 1).trim();
  }

  /** Sleeps; an interrupt is kept set and ends the wait with an IllegalStateException. */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The process exited because its port was taken between the probe and its bind. */
  private static final class PortTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PortTaken(String message) {
      super(message);
    }
  }

  /**
   * Every process and directory not yet cleaned up, for a shutdown hook that SIGKILLs and deletes
   * them when a test forgot to close (or the JVM is told to exit mid-test).
   */
  private static final class Children {
    static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
    static final Set<Path> DIRS = ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(Children::reap, "sluice-redis-reaper"));
    }

    private static void reap() {
      for (Process process : PROCESSES) {
        process.destroyForcibly(); // SIGKILL also ends a stopped (paused) process
      }
      for (Process process : PROCESSES) {
        try {
          process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          return;
        }
      }
      for (Path dir : DIRS) {
        try {
          deleteDirectory(dir);
        } catch (RuntimeException e) {
          // best effort at exit
        }
      }
    }
  }
}
