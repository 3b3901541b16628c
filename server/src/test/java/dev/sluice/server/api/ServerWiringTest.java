package dev.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Policy;
import dev.sluice.PolicyText;
import dev.sluice.server.SluiceServer;
import dev.sluice.server.settings.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API as {@link SluiceServer} mounts it: Sluice's routes beside {@code /json} on the main
 * listener, the admin routes on the debug listener with the token rule of its address, the named
 * policies read anew on every request, and the start banner.
 */
class ServerWiringTest {

  @TempDir
  Path tmp;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Map<String, String> env(String backend, String debugHost) throws Exception {
    Path config = tmp.resolve("runtime").resolve("ratelimit").resolve("config");
    Files.createDirectories(config);
    Files.writeString(config.resolve("shop.yaml"), ApiServer.ENVOY_CONFIG);
    Map<String, String> env = new HashMap<>();
    env.put("HOST", "127.0.0.1");
    env.put("PORT", "0");
    env.put("GRPC_HOST", "127.0.0.1");
    env.put("GRPC_PORT", "0");
    env.put("DEBUG_HOST", debugHost);
    env.put("DEBUG_PORT", "0");
    env.put("BACKEND_TYPE", backend);
    env.put("SQLITE_PATH", tmp.resolve("data").resolve("sluice.db").toString());
    env.put("USE_STATSD", "false");
    env.put("RUNTIME_ROOT", tmp.resolve("runtime").toString());
    env.put("RUNTIME_SUBDIRECTORY", "ratelimit");
    env.put("RUNTIME_APPDIRECTORY", "config");
    env.put("RUNTIME_WATCH_ROOT", "false");
    return env;
  }

  private HttpResponse<String> send(InetSocketAddress at, String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String banner(SluiceServer server) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    server.printBanner(new PrintStream(out, true, StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void apiBesideJsonAndAdminOnTheDebugListener() throws Exception {
    AtomicReference<Map<String, Policy>> policies =
        new AtomicReference<>(Map.of("api", PolicyText.parse("api", "fixed-window limit=2 period=1h")));
    Settings settings = Settings.fromEnvironment(env("sqlite", "127.0.0.1"));
    try (SluiceServer server = SluiceServer.start(settings, new ApiSettings(policies::get, null))) {
      InetSocketAddress http = server.httpAddress();
      InetSocketAddress debug = server.debugAddress();
      String check = "{\"key\":\"u\",\"policies\":[\"api\"]}";
      assertThat(send(http, "POST", "/v1/check", check, null).statusCode()).isEqualTo(200);
      assertThat(send(http, "POST", "/v1/check", check, null).statusCode()).isEqualTo(200);
      assertThat(send(http, "POST", "/v1/check", check, null).statusCode()).isEqualTo(429);
      // envoy's API is still there, on the same store
      HttpResponse<String> json = send(http, "POST", "/json",
          "{\"domain\":\"shop\",\"descriptors\":[{\"entries\":[{\"key\":\"user\",\"value\":\"a\"}]}]}", null);
      assertThat(json.statusCode()).isEqualTo(200);
      assertThat(send(http, "GET", "/healthcheck", null, null).statusCode()).isEqualTo(200);
      assertThat(send(http, "GET", "/v1/openapi.yaml", null, null).body()).startsWith("openapi: 3.1.0");
      // the admin API is not on the main listener
      assertThat(send(http, "GET", "/v1/admin/policies", null, null).statusCode()).isEqualTo(404);

      assertThat(send(debug, "POST", "/v1/admin/policies/reset", "{\"policy\":\"api\",\"key\":\"u\"}", null)
          .statusCode()).isEqualTo(200);
      assertThat(send(http, "POST", "/v1/check", check, null).statusCode()).isEqualTo(200);
      HttpResponse<String> index = send(debug, "GET", "/", null, null);
      assertThat(index.body()).contains("/v1/admin/policies/reset: admin: forget a key's usage of a named policy\n")
          .contains("/rlconfig: ");
      assertThat(send(debug, "GET", "/v1/admin/domains", null, null).body()).isEqualTo("{\"domains\":[\"shop\"]}");

      // a reload of the named policies applies to the next request
      policies.set(Map.of("other", PolicyText.parse("other", "fixed-window limit=1 period=1h")));
      assertThat(send(http, "POST", "/v1/check", check, null).statusCode()).isEqualTo(404);
      assertThat(send(http, "POST", "/v1/check", "{\"key\":\"u\",\"policies\":[\"other\"]}", null).statusCode())
          .isEqualTo(200);

      String banner = banner(server);
      assertThat(banner).contains("  API     127.0.0.1:" + http.getPort()
          + "  (/v1/check, /v1/leases/*, /v1/budgets/*, /v1/openapi.yaml)\n");
      assertThat(banner).contains("  admin   127.0.0.1:" + debug.getPort() + "  (/v1/admin/*)\n");
      assertThat(banner).doesNotContain("WARNING");
    }
  }

  @Test
  void adminBeyondLoopbackWithoutATokenIsShutAndTheBannerSaysSo() throws Exception {
    try (SluiceServer server = SluiceServer.start(env("memory", "0.0.0.0"))) {
      HttpResponse<String> r = send(server.debugAddress(), "GET", "/v1/admin/domains", null, null);
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("admin-token-required");
      assertThat(banner(server)).contains("  WARNING the admin API (/v1/admin/) answers 403: the debug listener is"
          + " bound to 0.0.0.0, which is not a loopback address, and ADMIN_TOKEN is not set;");
      // the rest of the debug listener answers as before
      assertThat(send(server.debugAddress(), "GET", "/rlconfig", null, null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void adminTokenComesFromTheEnvironment() throws Exception {
    Map<String, String> env = env("memory", "0.0.0.0");
    env.put("ADMIN_TOKEN", "from-env");
    try (SluiceServer server = SluiceServer.start(env)) {
      InetSocketAddress debug = server.debugAddress();
      assertThat(send(debug, "GET", "/v1/admin/domains", null, null).statusCode()).isEqualTo(401);
      assertThat(send(debug, "GET", "/v1/admin/domains", null, "wrong").statusCode()).isEqualTo(401);
      assertThat(send(debug, "GET", "/v1/admin/domains", null, "from-env").statusCode()).isEqualTo(200);
      assertThat(banner(server)).doesNotContain("WARNING");
    }
  }
}
