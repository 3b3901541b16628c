package dev.sluice.spring.cloud.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The upstream the test gateways route to: a JDK HttpServer on an ephemeral loopback port counting what reaches it. */
final class Backend implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final AtomicInteger hits = new AtomicInteger();

  private Backend(HttpServer server) {
    this.server = server;
  }

  static Backend start() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    Backend b = new Backend(s);
    s.createContext("/", exchange -> {
      b.hits.incrementAndGet();
      byte[] body = ("served " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    s.setExecutor(b.pool);
    s.start();
    return b;
  }

  String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  int hits() {
    return hits.get();
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
