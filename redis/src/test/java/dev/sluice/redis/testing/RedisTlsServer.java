package dev.sluice.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway {@code redis-server} that speaks TLS only ({@code --port 0 --tls-port P}), on a free
 * loopback port, with certificates made for it at start by the {@code openssl} command: a CA
 * ({@link #caFile()}), a server certificate for {@code 127.0.0.1} and {@code localhost} signed by
 * it, and a client certificate signed by it ({@link #clientCertFile()}, {@link #clientKeyFile()},
 * the key unencrypted PKCS#8 PEM), all in a fresh temporary directory with the server's log. A
 * second CA ({@link #otherCaFile()}) signs nothing Redis knows, for tests that must not be trusted.
 *
 * <p>Runs the {@linkplain RedisBinary#resolve() resolved} binary, which must be built with TLS;
 * without {@code openssl} on {@code PATH} the calling test is skipped (a JUnit assumption). As
 * {@link RedisServer}, it is stopped by its own PID only (SIGTERM, then SIGKILL after 5 s), never
 * by name, never on port 6379; {@link #close()} stops it and deletes the directory.
 */
public final class RedisTlsServer implements AutoCloseable {

  private static final String HOST = "127.0.0.1";
  private static final int MACHINE_REDIS_PORT = 6379;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final int START_ATTEMPTS = 5;
  /** Processes not yet stopped: a shutdown hook SIGKILLs (by PID) whatever a test left running. */
  private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
        "sluice-redis-tls-reaper"));
  }

  private final Path dir;
  private final int port;
  private final Process process;
  private boolean closed;

  private RedisTlsServer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /**
   * Makes the certificates and starts the server; returns once it listens and its log says it is
   * ready.
   *
   * @param authClients {@code --tls-auth-clients yes} (a client must present a certificate signed
   *     by the CA) or {@code no}
   * @return the running server
   */
  public static RedisTlsServer start(boolean authClients) {
    Assumptions.assumeTrue(onPath("openssl"), "the openssl command is not on PATH: TLS tests need it to make"
        + " their certificates");
    Path binary = RedisBinary.resolve();
    Path dir;
    try {
      dir = Files.createTempDirectory("sluice-redis-tls-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean started = false;
    try {
      makeCertificates(dir);
      List<String> races = new ArrayList<>();
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        int port = freePort();
        Path log = dir.resolve("redis.log");
        Process process = new ProcessBuilder(binary.toString(),
            "--port", "0", "--tls-port", String.valueOf(port), "--bind", HOST,
            "--tls-cert-file", dir.resolve("server.pem").toString(),
            "--tls-key-file", dir.resolve("server-key.pem").toString(),
            "--tls-ca-cert-file", dir.resolve("ca.pem").toString(),
            "--tls-auth-clients", authClients ? "yes" : "no",
            "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
            "--protected-mode", "no")
            .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RUNNING.add(process);
        process.getOutputStream().close();
        String problem = awaitReady(process, port, log);
        if (problem == null) {
          started = true;
          return new RedisTlsServer(dir, port, process);
        }
        stop(process);
        if (!problem.contains("Address already in use")) {
          throw new IllegalStateException("redis-server " + binary + " with TLS did not start on " + HOST + ":"
              + port + " (" + problem + "); log:\n" + RedisServer.tail(log, 0));
        }
        races.add(problem);
      }
      throw new IllegalStateException("redis-server lost the race for a free port " + START_ATTEMPTS + " times: "
          + races);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (!started) {
        RedisServer.deleteDirectory(dir);
      }
    }
  }

  /** The loopback TLS port (never 6379); the server has no plaintext port. */
  public int port() {
    return port;
  }

  /**
   * The URI of the server over TLS.
   *
   * @return {@code rediss://127.0.0.1:PORT}
   */
  public String uri() {
    return "rediss://" + HOST + ":" + port;
  }

  /** The PEM file of the CA that signed the server's and the client's certificates. */
  public Path caFile() {
    return dir.resolve("ca.pem");
  }

  /** The PEM file of a CA that signed neither certificate. */
  public Path otherCaFile() {
    return dir.resolve("other-ca.pem");
  }

  /** The PEM file of the client certificate (CN sluice-client), signed by {@link #caFile()}. */
  public Path clientCertFile() {
    return dir.resolve("client.pem");
  }

  /** The PEM file (PKCS#8, unencrypted) of the client certificate's private key. */
  public Path clientKeyFile() {
    return dir.resolve("client-key.pem");
  }

  /** The PEM file of a client certificate signed by {@link #otherCaFile()}, which Redis does not trust. */
  public Path strangerCertFile() {
    return dir.resolve("stranger.pem");
  }

  /** The PEM file of {@link #strangerCertFile()}'s key. */
  public Path strangerKeyFile() {
    return dir.resolve("stranger-key.pem");
  }

  /** The server's stdout and stderr. */
  public Path logFile() {
    return dir.resolve("redis.log");
  }

  /** PID of the process. */
  public long pid() {
    return process.pid();
  }

  /** Stops the process by its PID (SIGTERM, SIGKILL after 5 s) and deletes the directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop(process);
    } finally {
      RedisServer.deleteDirectory(dir);
    }
  }

  @Override
  public String toString() {
    return "RedisTlsServer[" + HOST + ":" + port + ", pid " + process.pid() + (closed ? ", closed" : "") + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private static void makeCertificates(Path dir) {
    String ext = dir.resolve("server.ext").toString();
    write(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        + "extendedKeyUsage=serverAuth\n");
    write(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    for (String ca : new String[] {"ca", "other-ca"}) {
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=sluice-test-" + ca,
          "-keyout", ca + "-key.pem", "-out", ca + ".pem");
    }
    signed(dir, "server", "127.0.0.1", "ca", ext);
    signed(dir, "client", "sluice-client", "ca", dir.resolve("client.ext").toString());
    signed(dir, "stranger", "sluice-stranger", "other-ca", dir.resolve("client.ext").toString());
  }

  private static void signed(Path dir, String name, String cn, String ca, String ext) {
    openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn, "-keyout", name + "-key.pem",
        "-out", name + ".csr");
    openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + "-key.pem",
        "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", name + ".pem");
  }

  private static void openssl(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
            + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running openssl", e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Null once the process says it is ready and the port accepts connections; else why not (the
   * process exited, or the timeout passed).
   */
  private static String awaitReady(Process process, int port, Path log) throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      if (!process.isAlive()) {
        return "exited with code " + process.exitValue() + (text.contains("Address already in use")
            ? ": Address already in use" : "");
      }
      if (text.contains("Ready to accept connections")) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(HOST, port), 500);
          return null;
        } catch (IOException e) {
          // not listening yet
        }
      }
      if (System.nanoTime() > deadline) {
        return "not ready within " + READY_TIMEOUT.toSeconds() + " s";
      }
      RedisServer.sleep(10);
    }
  }

  private static void stop(Process process) {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      RUNNING.remove(process);
    }
  }

  private static int freePort() {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
        int port = socket.getLocalPort();
        if (port != MACHINE_REDIS_PORT) {
          return port;
        }
      } catch (IOException e) {
        // try again
      }
    }
    throw new IllegalStateException("found no free loopback port in 100 tries");
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }
}
