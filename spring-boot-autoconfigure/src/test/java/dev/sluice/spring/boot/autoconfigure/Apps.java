package dev.sluice.spring.boot.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Starts the test applications the way an application starts (configured only from a YAML file on
 * the classpath, {@code spring.config.name}), on a random port, and calls them over real HTTP with
 * java.net.http: nothing here depends on a Boot line's test APIs, so the same tests run on Boot 3
 * and Boot 4.
 */
final class Apps {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private Apps() {}

  /** A started application; close it to stop it. */
  record App(ConfigurableApplicationContext context, int port) implements AutoCloseable {

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(30));
      for (int i = 0; i < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
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
  }
}
