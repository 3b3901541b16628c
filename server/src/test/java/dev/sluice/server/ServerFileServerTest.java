package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.server.file.ServerFileSource;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The server started from a server file ({@code serve --config}): its settings, domains and
 * policies, reloads of the file, and the commands that read one.
 */
class ServerFileServerTest {

  /** Loopback and any free port, from the environment: it wins over the file's ports. */
  static final Map<String, String> ENV = Map.of("HOST", "127.0.0.1", "PORT", "0", "GRPC_HOST", "127.0.0.1",
      "GRPC_PORT", "0", "DEBUG_HOST", "127.0.0.1", "DEBUG_PORT", "0");

  static final String FILE = """
      settings:
        BACKEND_TYPE: memory
        USE_STATSD: false
        GRPC_PORT: 8081
        LIMIT_RESPONSE_HEADERS_ENABLED: true
      policies:
        api: token-bucket capacity=20 rate=100/1m
      domains:
        - domain: files
          descriptors:
            - key: user
              rate_limit: {unit: hour, requests_per_unit: 2}
      """;

  @TempDir
  Path dir;

  private Path write(String yaml) throws Exception {
    Path p = dir.resolve("sluice.yaml");
    Path t = dir.resolve(".sluice.yaml.tmp");
    Files.writeString(t, yaml);
    Files.move(t, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return p;
  }

  private static RateLimitResponse.Code call(SluiceServer server, String domain, String key, String value) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcAddress().getPort())
        .usePlaintext().build();
    try {
      return RateLimitServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .shouldRateLimit(TestServer.request(domain, 1, TestServer.d(key, value))).getOverallCode();
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void servesTheFilesDomainsAndPoliciesAndReloadsThem() throws Exception {
    Path p = write(FILE);
    try (SluiceServer server = SluiceServer.start(ServerFileSource.open(p, ENV, Duration.ofMillis(100)))) {
      assertThat(server.grpcAddress().getPort()).isNotEqualTo(8081); // the environment's 0 won
      assertThat(server.settings().service().responseHeadersEnabled()).isTrue();
      assertThat(server.policies().get().keySet()).containsExactly("api");
      assertThat(server.configFiles()).containsExactly(p.toString());
      assertThat(call(server, "files", "user", "u1")).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(call(server, "files", "user", "u1")).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(call(server, "files", "user", "u1")).isEqualTo(RateLimitResponse.Code.OVER_LIMIT);

      ByteArrayOutputStream banner = new ByteArrayOutputStream();
      server.printBanner(new PrintStream(banner, true, StandardCharsets.UTF_8));
      assertThat(banner.toString(StandardCharsets.UTF_8)).contains(
          "  config  " + p + "\n"
              + "          settings from " + p + ": USE_STATSD, BACKEND_TYPE, LIMIT_RESPONSE_HEADERS_ENABLED\n"
              + "          settings from the environment: HOST, PORT, DEBUG_HOST, DEBUG_PORT, GRPC_HOST, GRPC_PORT"
              + " (over the file's)\n"
              + "          policies: api\n"
              + "  domains [files]");

      // a change: new domains and policies
      write(FILE.replace("api:", "web:").replace("domain: files", "domain: other"));
      await().atMost(Duration.ofSeconds(10)).until(() -> server.policies().get().containsKey("web"));
      assertThat(call(server, "other", "user", "u1")).isEqualTo(RateLimitResponse.Code.OK);
      assertThat(call(server, "files", "user", "u1")).isEqualTo(RateLimitResponse.Code.OK); // no such domain now

      // a change that does not load: the last good stays
      long errors = server.metrics().counted("config_load_error");
      write(FILE.replace("unit: hour", "unit: fortnight"));
      await().atMost(Duration.ofSeconds(10))
          .until(() -> server.metrics().counted("config_load_error") > errors);
      assertThat(server.policies().get().keySet()).containsExactly("web");
      assertThat(server.reload()).isEqualTo(p + ":12: domains #1 > domain 'files' > descriptor key 'user' > rate_limit"
          + " > unit: invalid rate limit unit 'fortnight'");
    }
  }

  @Test
  void theApiServesTheFilesPoliciesBehindTheFilesAdminToken() throws Exception {
    Path p = write(FILE.replace("  BACKEND_TYPE: memory\n", "  BACKEND_TYPE: memory\n  ADMIN_TOKEN: s3cret\n"));
    try (SluiceServer server = SluiceServer.start(ServerFileSource.open(p, ENV))) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.debugAddress().getPort() + "/v1/admin/policies");
      java.net.http.HttpResponse<String> anonymous = client.send(java.net.http.HttpRequest.newBuilder(uri).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      java.net.http.HttpResponse<String> admin = client.send(java.net.http.HttpRequest.newBuilder(uri)
          .header("Authorization", "Bearer s3cret").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.body()).contains("\"api\"", "token-bucket capacity=20 rate=100/1m");
    }
  }

  @Test
  void startedFromTheEnvironmentItHasNoNamedPolicies(@TempDir Path tmp) throws Exception {
    try (TestServer t = TestServer.start(tmp, Map.of(), Map.of())) {
      assertThat(t.server.policies().get()).isEmpty();
    }
  }

  @Test
  void aFileThatNoLongerLoadsDoesNotStart() throws Exception {
    Path p = write(FILE);
    ServerFileSource source = ServerFileSource.open(p, ENV);
    write(FILE.replace("- domain: files", "- domain: ''"));
    assertThatThrownBy(() -> SluiceServer.start(source)).hasMessage(p + " cannot be loaded: " + p
        + ":9: domains #1: config file cannot have empty domain");
  }

  // ---------------------------------------------------------------------------- the commands

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new String[] {Integer.toString(status), out.toString(), err.toString()};
  }

  @Test
  void configCheckTakesAServerFile() throws Exception {
    Path p = write(FILE);
    String[] ok = run("config", "check", p.toString());
    assertThat(ok[0]).as(ok[2]).isEqualTo("0");
    assertThat(ok[1]).contains("files", "user", "policy api: token-bucket capacity=20 rate=100/1m",
        "valid: " + p + ": 4 setting(s), 1 policy, 1 domain(s)");

    write(FILE.replace("GRPC_PORT: 8081", "GRPC_PROT: 8081").replace("rate=100/1m", "rate=100/0s"));
    String[] bad = run("config", "check", p.toString());
    assertThat(bad[0]).isEqualTo("1");
    assertThat(bad[2]).isEqualTo("invalid: " + p + ":4: settings > GRPC_PROT: unknown setting; did you mean GRPC_PORT?"
        + " (`sluice-server settings` lists them all)\n"
        + "invalid: " + p + ":7: policies > api: rate '100/0s' must have a positive period\n");

    // envoyproxy/ratelimit files are checked as before
    Path theirs = dir.resolve("theirs.yaml");
    Files.writeString(theirs, "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1}\n");
    String[] files = run("config", "check", theirs.toString());
    assertThat(files[0]).isEqualTo("0");
    assertThat(files[1]).contains("valid: 1 file(s), 1 domain(s)");
    assertThat(run("config", "check", p.toString(), theirs.toString())[2])
        .isEqualTo("config check: a server file is checked on its own: config check FILE\n");
  }

  @Test
  void configSchemaPrintsTheSchema() {
    String[] r = run("config", "schema");
    assertThat(r[0]).isEqualTo("0");
    assertThat(r[1]).isEqualTo(dev.sluice.server.file.ServerFileSchema.json());
  }

  @Test
  void serveRefusesABadFileOrLocalWithAFile() throws Exception {
    Path p = write(FILE.replace("USE_STATSD: false", "USE_STATSD: maybe"));
    String[] bad = run("serve", "--config", p.toString());
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2]).startsWith("sluice-server: " + p + ":3: settings > USE_STATSD: USE_STATSD='maybe': not a boolean");
    String[] both = run("serve", "--local", "--config", p.toString());
    assertThat(both[0]).isEqualTo("2");
    assertThat(both[2]).contains("--local and --config cannot be combined");
    String[] missing = run("serve", "--config", dir.resolve("nothing.yaml").toString());
    assertThat(missing[0]).isEqualTo("2");
    assertThat(missing[2]).contains("nothing.yaml");
  }
}
