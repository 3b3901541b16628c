package dev.sluice.bench.server;

import dev.sluice.bench.Machine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ServerChild} JVM started by the report with the bench jar, on loopback ephemeral
 * ports. Stopped by {@link #close()}: {@code stop} on its stdin, then, if it has not exited in
 * 20 s, SIGTERM to its own PID through its {@link Process} handle, then SIGKILL; a shutdown hook
 * does the same for any child still running when the report exits. Nothing is ever signalled by
 * name.
 */
final class ChildJvm implements AutoCloseable {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "server-bench-children"));
  }

  private final String label;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Path log;
  private final Map<String, String> ready;

  private ChildJvm(String label, Process process, Path log) throws IOException, InterruptedException {
    this.label = label;
    this.process = process;
    this.log = log;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readStdout, "child-" + label + "-stdout");
    reader.setDaemon(true);
    reader.start();
    String line = reply(TimeUnit.SECONDS.toMillis(180), "ready");
    this.ready = fields(line);
  }

  /**
   * Starts {@code java jvmOptions -cp <this jar> ServerChild args}, its stderr to {@code log};
   * returns once it says it is ready.
   */
  static ChildJvm start(String label, List<String> jvmOptions, Path log, List<String> args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(ServerChild.class.getName());
    cmd.addAll(args);
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(cmd)
        .redirectError(ProcessBuilder.Redirect.to(log.toFile()))
        .start();
    LIVE.add(p);
    try {
      return new ChildJvm(label, p, log);
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop(p);
      throw e;
    }
  }

  private void readStdout() {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith(ServerChild.PREFIX)) {
          replies.add(line.substring(ServerChild.PREFIX.length()));
        } else {
          System.out.println("  [" + label + "] " + line);
        }
      }
    } catch (IOException e) {
      // the child is gone
    }
  }

  /** The next reply, which must start with {@code word}. */
  private String reply(long timeoutMillis, String word) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (true) {
      String line = replies.poll(100, TimeUnit.MILLISECONDS);
      if (line != null) {
        if (!line.startsWith(word)) {
          throw new IOException(label + " answered '" + line + "', expected " + word);
        }
        return line;
      }
      if (!process.isAlive()) {
        throw new IOException(label + " (pid " + process.pid() + ") exited with " + process.exitValue()
            + " before saying " + word + "; its log: " + log + "\n" + tail(log));
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(label + " (pid " + process.pid() + ") did not say " + word + " in "
            + timeoutMillis / 1000 + " s; its log: " + log);
      }
    }
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String f : line.split(" ")) {
      int eq = f.indexOf('=');
      if (eq > 0) {
        m.put(f.substring(0, eq), f.substring(eq + 1));
      }
    }
    return m;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  long pid() {
    return process.pid();
  }

  int grpcPort() {
    return Integer.parseInt(ready.get("grpc"));
  }

  int httpPort() {
    return Integer.parseInt(ready.get("http"));
  }

  /** The child's collectors and maximum heap, as it says them. */
  String jvmDescription() {
    return ready.get("gc").replace('_', ' ') + ", max heap "
        + Long.parseLong(ready.get("heapMax")) / (1 << 20) + " MiB";
  }

  /** Its resident set size (VmRSS of /proc/PID/status), in KiB; -1 where there is no /proc. */
  long rssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return -1;
  }

  /** Its CPU time in clock ticks (utime + stime of /proc/PID/stat); -1 where there is none. */
  long cpuTicks() {
    return Machine.processTicks(pid());
  }

  /** Full collections in the child, then its heap in use: {used, committed} bytes. */
  long[] gcHeap() throws IOException, InterruptedException {
    send("gc");
    Map<String, String> f = fields(reply(TimeUnit.SECONDS.toMillis(120), "heap"));
    return new long[] {Long.parseLong(f.get("used")), Long.parseLong(f.get("committed"))};
  }

  private void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  @Override
  public void close() {
    try {
      send("stop");
      stdin.close();
    } catch (IOException e) {
      // gone already
    }
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        System.out.println("  (" + label + ", pid " + process.pid() + ", did not stop in 20 s: SIGTERM)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stop(process);
  }

  private static void stop(Process p) {
    try {
      if (p.isAlive()) {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(p);
    }
  }
}
