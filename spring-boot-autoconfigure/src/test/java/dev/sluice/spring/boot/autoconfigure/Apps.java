package dev.sluice.spring.boot.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Starts the test applications the way an application starts (configured only from a YAML file on
 * the classpath, {@code spring.config.name}), on a random port, and calls them over real HTTP with
 * HttpURLConnection: nothing here depends on a Boot line's test APIs, so the same tests run on Boot 3
 * and Boot 4.
 */
final class Apps {
  static {
    // a connection per request: on Boot 4's Reactor Netty server a request on a kept-alive
    // connection hung now and then, with or without Sluice in the application
    System.setProperty("http.keepAlive", "false");
  }

  private Apps() {}

  /** An answer: status, headers (names in any case), body. */
  record Response(int statusCode, String body, HttpHeaders headers) {}

  /** A started application; close it to stop it. */
  record App(ConfigurableApplicationContext context, int port) implements AutoCloseable {

    Response get(String path, String... headers) throws IOException {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(10_000);
      c.setReadTimeout(30_000);
      for (int i = 0; i < headers.length; i += 2) {
        c.setRequestProperty(headers[i], headers[i + 1]);
      }
      try {
        int status = c.getResponseCode();
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        c.getHeaderFields().forEach((k, v) -> {
          if (k != null) {
            fields.put(k, v);
          }
        });
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return new Response(status, body, HttpHeaders.of(fields, (k, v) -> true));
      } finally {
        c.disconnect();
      }
    }

    <T> T bean(Class<T> type) {
      return context.getBean(type);
    }

    @Override
    public void close() {
      context.close();
    }
  }

  /**
   * Starts {@code app} with the YAML file {@code <config>.yml} and {@code extra} properties (only
   * values a test makes: a file in its temporary directory, a free port).
   */
  static App start(Class<?> app, String config, String... extra) {
    List<String> props = new ArrayList<>(List.of("server.port=0", "spring.config.name=" + config,
        "spring.main.banner-mode=off"));
    props.addAll(List.of(extra));
    ConfigurableApplicationContext context = new SpringApplicationBuilder(app).properties(props.toArray(new String[0]))
        .run();
    return new App(context, Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
  }

  /** A loopback port nothing listens on (bound, then released). */
  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The messages of {@code t} and its causes, one per line. */
  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }

  /** The controller every test application has. */
  @RestController
  public static class Api {

    /** Limited by the route rules. */
    @GetMapping("/api/hello")
    public String hello() {
      return "hello";
    }

    /** Excluded by the route rules. */
    @GetMapping("/health/live")
    public String live() {
      return "live";
    }
  }

  /** The controller of {@link RateLimited} methods. */
  @RestController
  public static class Reports {

    /** Limited per customer by an annotation, the key from the argument by name. */
    @GetMapping("/reports/{customer}")
    @RateLimited(policy = "exports", key = "#customer")
    public String report(@PathVariable("customer") String customer) {
      return "report for " + customer;
    }

    /** The same, the key from the argument by position, two of the limit per call. */
    @GetMapping("/bulk/{customer}")
    @RateLimited(policy = "exports", key = "'bulk:' + #p0", cost = 2)
    public String bulk(@PathVariable("customer") String customer) {
      return "bulk for " + customer;
    }

    /** Limited per search text, which the caller chooses: empty, overlong, anything. */
    @GetMapping("/search")
    @RateLimited(policy = "exports", key = "#q")
    public String search(@RequestParam(name = "q", defaultValue = "") String q) {
      return "found " + q.length();
    }
  }
}
