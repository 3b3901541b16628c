package dev.sluice.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** A real Jetty 12.1 (ee11) on an ephemeral port of 127.0.0.1: the filter on /*, servlets under /app. */
final class Jetty implements AutoCloseable {

  static final String CONTEXT = "/app";

  private final Server server;
  private final int port;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Jetty(Server server, int port) {
    this.server = server;
    this.port = port;
  }

  static Jetty start(Filter filter, Map<String, HttpServlet> servlets) throws Exception {
    return start(new FilterHolder(filter), servlets);
  }

  /**
   * As {@code web.xml} registers a filter: its class, made by the container with the no-arg
   * constructor, and init-params.
   */
  static Jetty start(Class<? extends Filter> filter, Map<String, String> initParams, Map<String, HttpServlet> servlets)
      throws Exception {
    FilterHolder fh = new FilterHolder(filter);
    fh.setName("sluice");
    fh.setInitParameters(initParams);
    return start(fh, servlets);
  }

  private static Jetty start(FilterHolder fh, Map<String, HttpServlet> servlets) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(CONTEXT);
    fh.setAsyncSupported(true);
    context.addFilter(fh, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR));
    for (Map.Entry<String, HttpServlet> e : servlets.entrySet()) {
      ServletHolder sh = new ServletHolder(e.getValue());
      sh.setAsyncSupported(true);
      context.addServlet(sh, e.getKey());
    }
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return new Jetty(server, connector.getLocalPort());
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    return send(path, headers).get();
  }

  CompletableFuture<HttpResponse<String>> send(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + CONTEXT + path))
        .timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.sendAsync(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, HttpServlet> servlets(Object... pathsAndServlets) {
    Map<String, HttpServlet> m = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndServlets.length; i += 2) {
      m.put((String) pathsAndServlets[i], (HttpServlet) pathsAndServlets[i + 1]);
    }
    return m;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
