package dev.sluice.redis.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throwaway redis-server on a free loopback port, stopped by PID. (Minimal; being extended.) */
public final class RedisServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path dir;

  private RedisServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  public static RedisServer start() {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      Path dir = Files.createTempDirectory("sluice-redis");
      Process p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (true) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.getOutputStream().write("PING\r\n".getBytes());
          byte[] b = new byte[7];
          if (s.getInputStream().read(b) > 0 && new String(b).startsWith("+PONG")) {
            break;
          }
        } catch (IOException e) {
          if (System.nanoTime() > deadline) {
            p.destroyForcibly();
            throw new IllegalStateException("redis-server did not answer on " + port);
          }
          Thread.sleep(20);
        }
      }
      return new RedisServer(p, port, dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
