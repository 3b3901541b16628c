package dev.sluice.spring.cloud.gateway;

import dev.sluice.Sluice;
import dev.sluice.http.QuotaConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.yaml.snakeyaml.Yaml;

/**
 * A real Spring Cloud Gateway application on a random port, configured from an application.yml
 * the test writes. Started through {@link SpringApplicationBuilder} and the
 * {@code local.server.port} property, which both Boot lines have.
 *
 * <p>{@link #start} stands in for the Sluice Spring Boot starter, which it leaves out: it registers
 * the engine the test built (on a manual clock, or a SQLite store it can break) and the
 * {@link QuotaConfig} read from the file's {@code sluice:} tree as beans before the context starts,
 * and {@link SluiceGatewayAutoConfiguration} takes them as it takes the starter's.
 * {@link #startWithStarter} runs the starter itself, configured from the file alone.
 */
final class GatewayApp implements AutoCloseable {
  // HTTP/1.1 only: the default (HTTP/2) sends every cleartext request with "Upgrade: h2c", which
  // the gateway need not take; a response that does not come fails the test at the timeout
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private final ConfigurableApplicationContext context;
  private final int port;

  private GatewayApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /**
   * Starts {@link TestGateway} with {@code yaml} as its only configuration file.
   *
   * @param dir where the file is written
   * @param yaml the application.yml, with a {@code sluice:} tree
   * @param sluice the engine
   */
  @SuppressWarnings("unchecked")
  static GatewayApp start(Path dir, String yaml, Sluice sluice) throws IOException {
    Path file = Files.createTempFile(dir, "application-", ".yml");
    Files.writeString(file, yaml);
    Map<String, Object> tree = new Yaml().load(yaml);
    QuotaConfig config = QuotaConfig.read((Map<String, ?>) tree.get("sluice"), file.getFileName().toString());
    Map<String, Object> singletons = Map.of("sluice", sluice, "sluiceQuotaConfig", config);
    ConfigurableApplicationContext context = new SpringApplicationBuilder(TestGateway.class)
        .initializers(c -> singletons.forEach(c.getBeanFactory()::registerSingleton))
        .run("--spring.config.location=file:" + file, "--server.port=0", "--server.address=127.0.0.1",
            "--spring.main.banner-mode=off", "--logging.level.root=WARN",
            "--spring.autoconfigure.exclude=" + STARTER);
    return new GatewayApp(context);
  }

  /** The starter's auto-configuration, which {@link #start} leaves out. */
  static final String STARTER = "dev.sluice.spring.boot.autoconfigure.SluiceAutoConfiguration";

  /**
   * Starts {@link TestGateway} with {@code yaml} as its only configuration, with the Sluice Spring
   * Boot starter making the store, the engine and the {@link QuotaConfig} from its {@code sluice:}
   * tree: no bean of the test's.
   */
  static GatewayApp startWithStarter(Path dir, String yaml) throws IOException {
    Path file = Files.createTempFile(dir, "application-", ".yml");
    Files.writeString(file, yaml);
    ConfigurableApplicationContext context = new SpringApplicationBuilder(TestGateway.class)
        .run("--spring.config.location=file:" + file, "--server.port=0", "--server.address=127.0.0.1",
            "--spring.main.banner-mode=off", "--logging.level.root=WARN");
    return new GatewayApp(context);
  }

  ConfigurableApplicationContext context() {
    return context;
  }

  HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    context.close();
  }
}
