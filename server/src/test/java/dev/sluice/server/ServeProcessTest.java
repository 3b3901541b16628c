package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code sluice-server serve} as a process, as an operator runs it: the banner says where it
 * listens, which files it loaded and which store it uses; SIGTERM and SIGINT stop it gracefully
 * with exit status 0 (the SQLite store closed: its lock file is released); a setting Sluice does
 * not support stops the start with a message naming it.
 */
class ServeProcessTest {

  private static final Pattern HTTP = Pattern.compile("HTTP\\s+127\\.0\\.0\\.1:(\\d+)");

  static Process start(Path dir, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--local");
    pb.directory(dir.toFile());
    pb.redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> !k.equals("PATH") && !k.equals("HOME"));
    pb.environment().putAll(Map.of("PORT", "0", "GRPC_PORT", "0", "DEBUG_PORT", "0"));
    pb.environment().putAll(env);
    return pb.start();
  }

  static void exampleConfig(Path dir) throws Exception {
    Path config = dir.resolve("examples").resolve("config");
    Files.createDirectories(config);
    Files.writeString(config.resolve("example.yaml"),
        "domain: example\ndescriptors:\n  - key: remote_address\n    rate_limit: {unit: minute, requests_per_unit: 10}\n");
  }

  /** Reads lines until the HTTP line of the banner, collecting them. */
  static int awaitBanner(BufferedReader out, List<String> lines) throws Exception {
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          lines.add(line);
          Matcher m = HTTP.matcher(line);
          if (m.find()) {
            return Integer.parseInt(m.group(1));
          }
        }
        return -1;
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    });
    return port.get(60, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void aStopSignalStopsGracefullyWithStatusZero(String signal, @TempDir Path dir) throws Exception {
    exampleConfig(dir);
    Process p = start(dir, Map.of());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      int port = awaitBanner(out, lines);
      assertThat(port).as("banner: %s", lines).isPositive();
      for (int i = 0; i < 8; i++) {
        String line = out.readLine();
        lines.add(line);
        if (line == null || line.contains("domains")) {
          break;
        }
      }
      String banner = String.join("\n", lines);
      assertThat(banner).contains("gRPC    127.0.0.1:").contains("debug   127.0.0.1:")
          .contains("store   sqlite " + dir.toRealPath().resolve("data").resolve("sluice.db"))
          .contains("examples/config/example.yaml").contains("domains [example]");

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json"))
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"domain\":\"example\",\"descriptors\":[{\"entries\":[{\"key\":\"remote_address\",\"value\":\"a\"}]}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"limitRemaining\":9");

      new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
      StringBuilder rest = new StringBuilder();
      for (String line; (line = out.readLine()) != null; ) {
        rest.append(line).append('\n');
      }
      assertThat(p.exitValue()).as("exit status; output after the banner:\n%s", rest).isZero();
      assertThat(rest.toString()).contains("stopping").contains("stopped");
    } finally {
      p.destroyForcibly();
    }
    // the store was closed: a new server opens the same file (its lock is free) and the count survived
    Process again = start(dir, Map.of());
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(again.getInputStream(), StandardCharsets.UTF_8));
      int port = awaitBanner(out, new ArrayList<>());
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json"))
              .POST(HttpRequest.BodyPublishers.ofString(
                  "{\"domain\":\"example\",\"descriptors\":[{\"entries\":[{\"key\":\"remote_address\",\"value\":\"a\"}]}]}"))
              .build(), HttpResponse.BodyHandlers.ofString());
      // the same minute window, unless the two calls straddle a minute's end
      assertThat(r.body()).containsAnyOf("\"limitRemaining\":8", "\"limitRemaining\":9");
      again.destroy();
      assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(again.exitValue()).isZero();
    } finally {
      again.destroyForcibly();
    }
  }

  @Test
  void anUnsupportedSettingStopsTheStartNamingIt(@TempDir Path dir) throws Exception {
    exampleConfig(dir);
    Process p = start(dir, Map.of("BACKEND_TYPE", "memcache"));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("BACKEND_TYPE").contains("memcache");
  }

  @Test
  void aBrokenConfigAtTheStartStopsTheStartNamingTheFile(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("examples").resolve("config");
    Files.createDirectories(config);
    Files.writeString(config.resolve("bad.yaml"), "domain: x\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight}\n");
    Process p = start(dir, Map.of());
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(out).contains("bad.yaml").contains("fortnight");
  }

  @Test
  void helpAndVersionAndConfigCheck(@TempDir Path dir) throws Exception {
    exampleConfig(dir);
    java.io.StringWriter sw = new java.io.StringWriter();
    picocli.CommandLine cl = new picocli.CommandLine(new Main());
    cl.setOut(new java.io.PrintWriter(sw));
    assertThat(cl.execute("--help")).isZero();
    assertThat(sw.toString()).contains("serve").contains("config").contains("drop-in replacement for envoyproxy/ratelimit");
    sw.getBuffer().setLength(0);
    assertThat(cl.execute("--version")).isZero();
    assertThat(sw.toString()).startsWith("sluice-server ");
    sw.getBuffer().setLength(0);
    assertThat(cl.execute("config", "check", dir.resolve("examples").resolve("config").toString())).isZero();
    assertThat(sw.toString()).contains("domain example").contains("remote_address: 10 per minute");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "domain: x\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight, requests_per_unit: 1}\n");
    java.io.StringWriter err = new java.io.StringWriter();
    cl.setErr(new java.io.PrintWriter(err));
    assertThat(cl.execute("config", "check", bad.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("bad.yaml").contains("fortnight");
  }

  @Test
  void theFirstCallAfterTheStartIsAnswered(@TempDir Path dir) throws Exception {
    exampleConfig(dir);
    Process p = start(dir, Map.of("BACKEND_TYPE", "memory"));
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      int port = awaitBanner(out, new ArrayList<>());
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthcheck")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("OK");
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
      p.destroyForcibly();
    }
  }
}
