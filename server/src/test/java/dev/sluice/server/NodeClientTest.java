package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wire compatibility with an independent client: {@code src/test/node/client.js}, on
 * {@code @grpc/grpc-js} with {@code @grpc/proto-loader} reading the .proto files unpacked from the
 * same Envoy API jar as the server's stubs (and grpc-java's {@code grpc/health/v1/health.proto}),
 * calls {@code ShouldRateLimit} and {@code grpc.health.v1.Health/Check}, and {@code POST /json}
 * with Node's fetch. Its answers come back as JSON lines and are checked here exactly: statuses,
 * limits, the call that goes over, per-descriptor {@code hits_addend}, errors, health, and for
 * HTTP the status codes and the proto3 JSON of the response.
 *
 * <p>Needs {@code node} (18 or later, for fetch) and {@code npm} on the PATH; without them each
 * test here is <em>skipped</em> (an assumption naming the reason, also printed as a warning), or
 * the class fails when {@code -Dsluice.requireNode=true}. The client's packages are installed once with {@code npm ci}
 * from the committed lock into {@code target/node-client}; a later run whose {@code node_modules}
 * was installed from the same package.json and lock skips that.
 */
class NodeClientTest {

  static final String CONFIG = """
      domain: node
      descriptors:
        - key: client
          rate_limit:
            name: per_client
            unit: hour
            requests_per_unit: 5
        - key: weighted
          rate_limit:
            unit: hour
            requests_per_unit: 10
        - key: bulk
          rate_limit:
            unit: day
            requests_per_unit: 100
      """;

  static final long HOUR = 3600;
  static final long DAY = 86400;

  private static final Duration NODE_VERSION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(60);
  private static final String STAMP = ".sluice-npm-ci.sha256";
  /** Matches any value but null in an expected JSON. */
  private static final String ANY = "(any)";

  static Path node;
  static Path npm;
  static Path work;
  static Path protos;

  /** Why the client cannot run here (node or npm missing or too old), or null. */
  static String unavailable;

  @BeforeAll
  static void install() throws Exception {
    unavailable = nodeUnavailable();
    if (unavailable != null) {
      if (Boolean.getBoolean("sluice.requireNode")) {
        fail(unavailable + ", and -Dsluice.requireNode=true: NodeClientTest (wire compatibility with an"
            + " independent @grpc/grpc-js client) needs Node.js 18 or later with npm");
      }
      String message = unavailable + ": NodeClientTest (wire compatibility with an independent @grpc/grpc-js"
          + " client) is skipped; install Node.js 18 or later with npm to run it";
      unavailable = message;
      System.err.println("WARNING: " + message);
      return;
    }
    Path source = Path.of(System.getProperty("sluice.nodeClient", "src/test/node"));
    work = Path.of(System.getProperty("sluice.nodeWork", "target/node-client"));
    protos = Path.of(System.getProperty("sluice.envoyProtos", "target/envoy-protos"));
    for (String p : List.of("envoy/service/ratelimit/v3/rls.proto", "grpc/health/v1/health.proto",
        "google/protobuf/duration.proto")) {
      assertThat(protos.resolve(p)).as("unpacked at generate-test-resources (mvn test does it)").isRegularFile();
    }
    Files.createDirectories(work);
    for (String f : List.of("package.json", "package-lock.json", "client.js")) {
      Files.copy(source.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    String want = sha256(work.resolve("package.json"), work.resolve("package-lock.json"));
    Path stamp = work.resolve("node_modules").resolve(STAMP);
    if (Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(want)) {
      return; // installed from this very package.json and lock
    }
    // npm ci removes node_modules (and so the stamp) first; --prefer-offline takes what npm's
    // cache has without asking the registry; these packages need no install scripts
    Path log = work.resolve("npm-ci.log");
    int exit = run(List.of(npm.toString(), "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"),
        work, NPM_TIMEOUT, log, log);
    if (exit != 0) {
      fail("npm ci in " + work + " exited " + exit + ":\n" + tail(log));
    }
    Files.writeString(stamp, want + "\n");
  }

  /** Finds node and npm on the PATH; why they cannot be used, or null. */
  private static String nodeUnavailable() throws Exception {
    Path nodeExe = onPath("node");
    Path npmExe = onPath("npm");
    if (nodeExe == null || npmExe == null) {
      return (nodeExe == null ? "node" : "npm") + " is not on the PATH";
    }
    Path out = Files.createTempFile("sluice-node-version", ".txt");
    String version;
    try {
      int exit = run(List.of(nodeExe.toString(), "--version"), Path.of("."), NODE_VERSION_TIMEOUT, out, out);
      version = Files.readString(out).strip();
      if (exit != 0) {
        return nodeExe + " --version exited " + exit + ": " + version;
      }
    } finally {
      Files.deleteIfExists(out);
    }
    Matcher m = Pattern.compile("v(\\d+)\\..*").matcher(version);
    if (!m.matches() || Integer.parseInt(m.group(1)) < 18) {
      return "node " + version + " is older than 18 (the client needs its fetch)";
    }
    node = nodeExe;
    npm = npmExe;
    return null;
  }

  /** Each test is skipped, with the reason, where the client cannot run. */
  @BeforeEach
  void needsNode() {
    Assumptions.assumeTrue(unavailable == null, () -> unavailable);
  }

  // ---------------------------------------------------------------------------------------------
  // gRPC

  @Test
  void grpc(@TempDir Path tmp) throws Exception {
    List<String> steps = new ArrayList<>();
    steps.add(grpcStep("health", "Check", "{\"service\": \"\"}"));
    steps.add(grpcStep("health-ratelimit", "Check", "{\"service\": \"ratelimit\"}"));
    steps.add(grpcStep("health-unknown", "Check", "{\"service\": \"no-such-service\"}"));
    steps.add(grpcStep("unknown-domain", "ShouldRateLimit", request("elsewhere", "", descriptor("client", "g", ""))));
    for (int i = 1; i <= 6; i++) {
      steps.add(grpcStep("client-" + i, "ShouldRateLimit", request("node", "", descriptor("client", "g", ""))));
    }
    // the request's hits_addend is 3; the first descriptor's own (a UInt64Value, its value a
    // string as protobufjs takes 64-bit integers) says 4, then 2
    String weighted4 = request("node", "\"hits_addend\": 3,",
        descriptor("weighted", "g", "\"hits_addend\": {\"value\": \"4\"}"), descriptor("bulk", "g", ""));
    String weighted2 = request("node", "\"hits_addend\": 3,",
        descriptor("weighted", "g", "\"hits_addend\": {\"value\": 2}"), descriptor("bulk", "g", ""));
    steps.add(grpcStep("weighted-1", "ShouldRateLimit", weighted4));
    steps.add(grpcStep("weighted-2", "ShouldRateLimit", weighted4));
    steps.add(grpcStep("weighted-3", "ShouldRateLimit", weighted4));
    steps.add(grpcStep("weighted-4", "ShouldRateLimit", weighted2));
    steps.add(grpcStep("override", "ShouldRateLimit", request("node", "",
        descriptor("anything", "g", "\"limit\": {\"requests_per_unit\": 2, \"unit\": \"DAY\"}"))));
    steps.add(grpcStep("invalid-domain", "ShouldRateLimit", request("", "", descriptor("client", "g", ""))));
    steps.add(grpcStep("invalid-entries", "ShouldRateLimit",
        "{\"domain\": \"node\", \"descriptors\": [{\"entries\": []}]}"));
    steps.add(grpcStep("health-after", "Check", "{\"service\": \"ratelimit\"}"));

    Map<String, Value> r;
    try (TestServer s = start(tmp)) {
      awayFromWindowEnds();
      r = runClient("grpc", s, steps);
    }

    for (String id : List.of("health", "health-ratelimit", "health-after")) {
      assertJson(id, ok(r, id), "{\"status\": \"SERVING\"}");
    }
    assertError(r, "health-unknown", 5, "no-such-service"); // NOT_FOUND

    // no rule: OK, a bare status, no headers
    assertJson("unknown-domain", ok(r, "unknown-domain"),
        grpcResponse("OK", "", "{\"code\": \"OK\", \"current_limit\": null, \"limit_remaining\": 0,"
            + " \"duration_until_reset\": null, \"quota\": null}"));

    for (int i = 1; i <= 6; i++) {
      String id = "client-" + i;
      boolean over = i > 5;
      int remaining = over ? 0 : 5 - i;
      Value res = ok(r, id);
      assertJson(id, res, grpcResponse(over ? "OVER_LIMIT" : "OK", grpcHeaders(5, remaining),
          grpcStatus(over ? "OVER_LIMIT" : "OK", "per_client", 5, "HOUR", remaining)));
      long reset = grpcReset(id, status(res, 0), HOUR, r.get(id));
      assertThat(header(res, "response_headers_to_add", 2)).as(id).isEqualTo(Long.toString(reset));
    }

    // weighted (10 an hour) charged 4, 4, then refused (2 left, 4 asked), then 2; bulk (100 a day)
    // charged the request's 3 each time it is admitted, and nothing with the refused call
    int[][] expect = {{6, 97}, {2, 94}, {0, 94}, {0, 91}};
    for (int i = 0; i < expect.length; i++) {
      String id = "weighted-" + (i + 1);
      boolean over = i == 2;
      Value res = ok(r, id);
      assertJson(id, res, grpcResponse(over ? "OVER_LIMIT" : "OK", grpcHeaders(10, expect[i][0]),
          grpcStatus(over ? "OVER_LIMIT" : "OK", "", 10, "HOUR", expect[i][0]),
          grpcStatus("OK", "", 100, "DAY", expect[i][1])));
      long reset = grpcReset(id, status(res, 0), HOUR, r.get(id));
      grpcReset(id, status(res, 1), DAY, r.get(id));
      assertThat(header(res, "response_headers_to_add", 2)).as(id).isEqualTo(Long.toString(reset));
    }

    // the request's own limit (an envoy.type.v3.RateLimitUnit by name)
    Value res = ok(r, "override");
    assertJson("override", res, grpcResponse("OK", grpcHeaders(2, 1), grpcStatus("OK", "", 2, "DAY", 1)));
    grpcReset("override", status(res, 0), DAY, r.get("override"));

    assertError(r, "invalid-domain", 3, "domain must not be empty"); // INVALID_ARGUMENT
    assertError(r, "invalid-entries", 3, "descriptors[0].entries must not be empty");
  }

  static String grpcStep(String id, String call, String request) {
    return "{\"id\": " + quote(id) + ", \"grpc\": " + quote(call) + ", \"request\": " + request + "}";
  }

  /** A RateLimitRequest with .proto field names; {@code extra} is more fields, each ending with a comma. */
  static String request(String domain, String extra, String... descriptors) {
    return "{\"domain\": " + quote(domain) + ", " + extra + " \"descriptors\": [" + String.join(", ", descriptors) + "]}";
  }

  /** A descriptor of one entry; {@code extra} is more fields (hits_addend, limit), or empty. */
  static String descriptor(String key, String value, String extra) {
    return "{\"entries\": [{\"key\": " + quote(key) + ", \"value\": " + quote(value) + "}]"
        + (extra.isEmpty() ? "" : ", " + extra) + "}";
  }

  /** A RateLimitResponse as proto-loader decodes it (every field present). */
  static String grpcResponse(String overall, String headers, String... statuses) {
    return "{\"overall_code\": " + quote(overall) + ", \"statuses\": [" + String.join(", ", statuses) + "],"
        + " \"response_headers_to_add\": [" + headers + "], \"request_headers_to_add\": [],"
        + " \"raw_body\": \"\", \"dynamic_metadata\": null, \"quota\": null}";
  }

  static String grpcStatus(String code, String name, int limit, String unit, int remaining) {
    return "{\"code\": " + quote(code) + ", \"current_limit\": {\"name\": " + quote(name) + ", \"requests_per_unit\": "
        + limit + ", \"unit\": " + quote(unit) + "}, \"limit_remaining\": " + remaining
        + ", \"duration_until_reset\": " + quote(ANY) + ", \"quota\": null}";
  }

  /** The RateLimit-* headers (the reset one is checked against the status). */
  static String grpcHeaders(int limit, int remaining) {
    return "{\"key\": \"RateLimit-Limit\", \"value\": \"" + limit + "\", \"raw_value\": \"\"},"
        + " {\"key\": \"RateLimit-Remaining\", \"value\": \"" + remaining + "\", \"raw_value\": \"\"},"
        + " {\"key\": \"RateLimit-Reset\", \"value\": " + quote(ANY) + ", \"raw_value\": \"\"}";
  }

  /** A Duration as protobufjs decodes it: seconds an int64 string, nanos 0; checked against the call's time. */
  static long grpcReset(String id, Value status, long unit, Value result) {
    Value d = field(status, "duration_until_reset");
    assertThat(field(d, "nanos").getNumberValue()).as(id + ": duration_until_reset.nanos").isZero();
    String seconds = field(d, "seconds").getStringValue();
    assertThat(seconds).as(id + ": duration_until_reset.seconds (int64: a string)").matches("\\d+");
    long reset = Long.parseLong(seconds);
    assertReset(id, reset, unit, result);
    return reset;
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  @Test
  void http(@TempDir Path tmp) throws Exception {
    List<String> steps = new ArrayList<>();
    steps.add(httpStep("healthcheck", "GET", "/healthcheck", null));
    String one = "{\"domain\": \"node\", \"descriptors\": [{\"entries\": [{\"key\": \"client\", \"value\": \"h\"}]}]}";
    for (int i = 1; i <= 6; i++) {
      steps.add(httpStep("client-" + i, "POST", "/json", one));
    }
    // proto3 JSON: lowerCamelCase names, a uint64 (the UInt64Value) as a string; the parser must
    // also take the .proto names and a number
    steps.add(httpStep("weighted-1", "POST", "/json", weighted("hitsAddend", "\"4\"")));
    steps.add(httpStep("weighted-2", "POST", "/json", weighted("hits_addend", "4")));
    steps.add(httpStep("weighted-3", "POST", "/json", weighted("hitsAddend", "\"4\"")));
    steps.add(httpStep("weighted-4", "POST", "/json", weighted("hitsAddend", "\"2\"")));
    steps.add(httpStep("override", "POST", "/json", "{\"domain\": \"node\", \"descriptors\": [{\"entries\":"
        + " [{\"key\": \"anything\", \"value\": \"h\"}], \"limit\": {\"requestsPerUnit\": 2, \"unit\": \"DAY\"}}]}"));
    steps.add(httpStep("invalid-domain", "POST", "/json",
        "{\"domain\": \"\", \"descriptors\": [{\"entries\": [{\"key\": \"client\", \"value\": \"h\"}]}]}"));
    steps.add(httpStep("invalid-field", "POST", "/json", "{\"domain\": \"node\", \"descriptorz\": []}"));

    Map<String, Value> r;
    try (TestServer s = start(tmp)) {
      awayFromWindowEnds();
      r = runClient("http", s, steps);
    }

    Value health = http(r, "healthcheck");
    assertThat(field(health, "status").getNumberValue()).as("healthcheck").isEqualTo(200);
    assertThat(field(health, "body").getStringValue()).as("healthcheck").isEqualTo("OK");

    for (int i = 1; i <= 6; i++) {
      String id = "client-" + i;
      boolean over = i > 5;
      int remaining = over ? 0 : 5 - i;
      Value body = jsonBody(r, id, over ? 429 : 200);
      assertJson(id, body, httpResponse(over ? "OVER_LIMIT" : "OK", httpHeaders(5, remaining),
          httpStatus(over ? "OVER_LIMIT" : "OK", "per_client", 5, "HOUR", remaining)));
      long reset = httpReset(id, status(body, 0), HOUR, r.get(id));
      assertThat(header(body, "responseHeadersToAdd", 2)).as(id).isEqualTo(Long.toString(reset));
    }

    int[][] expect = {{6, 97}, {2, 94}, {0, 94}, {0, 91}};
    for (int i = 0; i < expect.length; i++) {
      String id = "weighted-" + (i + 1);
      boolean over = i == 2;
      Value body = jsonBody(r, id, over ? 429 : 200);
      assertJson(id, body, httpResponse(over ? "OVER_LIMIT" : "OK", httpHeaders(10, expect[i][0]),
          httpStatus(over ? "OVER_LIMIT" : "OK", "", 10, "HOUR", expect[i][0]),
          httpStatus("OK", "", 100, "DAY", expect[i][1])));
      long reset = httpReset(id, status(body, 0), HOUR, r.get(id));
      httpReset(id, status(body, 1), DAY, r.get(id));
      assertThat(header(body, "responseHeadersToAdd", 2)).as(id).isEqualTo(Long.toString(reset));
    }

    Value body = jsonBody(r, "override", 200);
    assertJson("override", body, httpResponse("OK", httpHeaders(2, 1), httpStatus("OK", "", 2, "DAY", 1)));
    httpReset("override", status(body, 0), DAY, r.get("override"));

    assertTextError(r, "invalid-domain", "domain must not be empty");
    assertTextError(r, "invalid-field", "descriptorz");
  }

  static String httpStep(String id, String method, String path, String body) {
    return "{\"id\": " + quote(id) + ", \"http\": {\"method\": " + quote(method) + ", \"path\": " + quote(path)
        + (body == null ? "" : ", \"body\": " + quote(body)) + "}}";
  }

  /** weighted charged {@code hits} by its own hits_addend (named {@code name}), bulk the request's 3. */
  static String weighted(String name, String hits) {
    String requestHits = name.equals("hitsAddend") ? "\"hitsAddend\": 3" : "\"hits_addend\": 3";
    return "{\"domain\": \"node\", " + requestHits + ", \"descriptors\": ["
        + "{\"entries\": [{\"key\": \"weighted\", \"value\": \"h\"}], \"" + name + "\": " + hits + "},"
        + " {\"entries\": [{\"key\": \"bulk\", \"value\": \"h\"}]}]}";
  }

  /** A RateLimitResponse in proto3 JSON: lowerCamelCase, enums by name, default values left out. */
  static String httpResponse(String overall, String headers, String... statuses) {
    return "{\"overallCode\": " + quote(overall) + ", \"statuses\": [" + String.join(", ", statuses) + "],"
        + " \"responseHeadersToAdd\": [" + headers + "]}";
  }

  static String httpStatus(String code, String name, int limit, String unit, int remaining) {
    return "{\"code\": " + quote(code) + ", \"currentLimit\": {" + (name.isEmpty() ? "" : "\"name\": " + quote(name) + ", ")
        + "\"requestsPerUnit\": " + limit + ", \"unit\": " + quote(unit) + "}, "
        + (remaining == 0 ? "" : "\"limitRemaining\": " + remaining + ", ")
        + "\"durationUntilReset\": " + quote(ANY) + "}";
  }

  static String httpHeaders(int limit, int remaining) {
    return "{\"key\": \"RateLimit-Limit\", \"value\": \"" + limit + "\"},"
        + " {\"key\": \"RateLimit-Remaining\", \"value\": \"" + remaining + "\"},"
        + " {\"key\": \"RateLimit-Reset\", \"value\": " + quote(ANY) + "}";
  }

  /** A Duration in proto3 JSON: whole seconds as "<n>s"; checked against the call's time. */
  static long httpReset(String id, Value status, long unit, Value result) {
    String d = field(status, "durationUntilReset").getStringValue();
    assertThat(d).as(id + ": durationUntilReset").matches("\\d+s");
    long reset = Long.parseLong(d.substring(0, d.length() - 1));
    assertReset(id, reset, unit, result);
    return reset;
  }

  static Value jsonBody(Map<String, Value> r, String id, int status) {
    Value h = http(r, id);
    assertThat(field(h, "status").getNumberValue()).as(id + ": HTTP status; body " + field(h, "body").getStringValue())
        .isEqualTo(status);
    assertThat(field(h, "contentType").getStringValue()).as(id + ": content type").startsWith("application/json");
    return parse(field(h, "body").getStringValue());
  }

  static void assertTextError(Map<String, Value> r, String id, String message) {
    Value h = http(r, id);
    assertThat(field(h, "status").getNumberValue()).as(id + ": HTTP status").isEqualTo(400);
    assertThat(field(h, "contentType").getStringValue()).as(id + ": content type").startsWith("text/plain");
    assertThat(field(h, "body").getStringValue()).as(id + ": message").contains(message);
  }

  // ---------------------------------------------------------------------------------------------
  // running the client

  static TestServer start(Path tmp) throws Exception {
    return TestServer.start(tmp, Map.of("LIMIT_RESPONSE_HEADERS_ENABLED", "true"), Map.of("node.yaml", CONFIG));
  }

  /** So that no hour or day window ends during the run: the counts then run on in one window. */
  static void awayFromWindowEnds() throws InterruptedException {
    EnvoyScenariosTest.awayFromBoundary(DAY, 20);
    EnvoyScenariosTest.awayFromBoundary(HOUR, 20);
  }

  /**
   * Runs the client on {@code steps}, kept with its output as {@code <name>.steps.json},
   * {@code <name>.out} and {@code <name>.err} in the work folder; its answers by step id, each seen
   * once and in order.
   */
  static Map<String, Value> runClient(String name, TestServer s, List<String> steps) throws Exception {
    Path file = work.resolve(name + ".steps.json");
    Files.writeString(file, "[\n" + String.join(",\n", steps) + "\n]\n");
    Path out = work.resolve(name + ".out");
    Path err = work.resolve(name + ".err");
    List<String> command = List.of(node.toString(), work.resolve("client.js").toString(),
        "--protos", protos.toAbsolutePath().toString(),
        "--grpc", "127.0.0.1:" + s.server.grpcAddress().getPort(),
        "--http", "127.0.0.1:" + s.server.httpAddress().getPort(),
        "--steps", file.toString());
    int exit = run(command, work, CLIENT_TIMEOUT, out, err);
    if (exit != 0) {
      fail("the Node client exited " + exit + ":\n" + tail(err) + "\nstdout:\n" + tail(out));
    }
    Map<String, Value> byId = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out)) {
      if (line.isBlank()) {
        continue;
      }
      Value v = parse(line);
      String id = field(v, "id").getStringValue();
      assertThat(byId).as("step ids").doesNotContainKey(id);
      byId.put(id, v);
    }
    List<String> ids = new ArrayList<>();
    for (String step : steps) {
      ids.add(field(parse(step), "id").getStringValue());
    }
    assertThat(byId.keySet()).as("one answer per step, in order; stderr:\n" + tail(err)).containsExactlyElementsOf(ids);
    return byId;
  }

  /** Runs {@code command} in {@code dir}; kills it (by its handle) and fails if it outlives {@code timeout}. */
  static int run(List<String> command, Path dir, Duration timeout, Path out, Path err) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    if (out.equals(err)) {
      pb.redirectErrorStream(true).redirectOutput(out.toFile());
    } else {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())));
    pb.environment().put("NO_UPDATE_NOTIFIER", "1");
    pb.environment().put("npm_config_update_notifier", "false");
    Process p = pb.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        fail(String.join(" ", command) + " did not finish within " + timeout + "; killed. Output:\n" + tail(out)
            + (out.equals(err) ? "" : "\n" + tail(err)));
      }
    } catch (InterruptedException e) {
      kill(p);
      throw e;
    }
    return p.exitValue();
  }

  private static String nullDevice() {
    return System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null";
  }

  /** Ends {@code p} and what it started, through its own handle (never by name). */
  private static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    p.waitFor(5, TimeUnit.SECONDS);
  }

  /** The executable {@code name} in a directory of the PATH, or null. */
  static Path onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    boolean windows = System.getProperty("os.name").startsWith("Windows");
    List<String> names = windows ? List.of(name + ".exe", name + ".cmd") : List.of(name);
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      for (String n : names) {
        Path p = Path.of(dir, n);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  private static String sha256(Path... files) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        md.update(Files.readAllBytes(f));
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path file) {
    try {
      if (!Files.exists(file)) {
        return "(no output)";
      }
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // JSON, read as google.protobuf.Value (no JSON library beyond protobuf-java-util's parser)

  static Value parse(String json) {
    Value.Builder b = Value.newBuilder();
    try {
      JsonFormat.parser().merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
    return b.build();
  }

  static String print(Value v) {
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static Value field(Value object, String name) {
    assertThat(object.getKindCase()).as("an object with " + name + ": " + print(object)).isEqualTo(Value.KindCase.STRUCT_VALUE);
    Value v = object.getStructValue().getFieldsMap().get(name);
    assertThat(v).as(name + " in " + print(object)).isNotNull();
    return v;
  }

  static Value ok(Map<String, Value> r, String id) {
    Value v = r.get(id);
    assertThat(v.getStructValue().getFieldsMap()).as(id + ": a gRPC answer: " + print(v)).containsKey("ok");
    return field(v, "ok");
  }

  static Value http(Map<String, Value> r, String id) {
    Value v = r.get(id);
    assertThat(v.getStructValue().getFieldsMap()).as(id + ": an HTTP answer: " + print(v)).containsKey("http");
    return field(v, "http");
  }

  static Value status(Value response, int i) {
    return field(response, "statuses").getListValue().getValues(i);
  }

  /** The value of the {@code i}th header of {@code field}. */
  static String header(Value response, String field, int i) {
    return field(field(response, field).getListValue().getValues(i), "value").getStringValue();
  }

  static void assertError(Map<String, Value> r, String id, int code, String message) {
    Value v = r.get(id);
    assertThat(v.getStructValue().getFieldsMap()).as(id + ": a gRPC error: " + print(v)).containsKey("error");
    Value e = field(v, "error");
    assertThat(field(e, "code").getNumberValue()).as(id + ": gRPC status code; " + print(e)).isEqualTo(code);
    assertThat(field(e, "details").getStringValue()).as(id + ": gRPC status message").contains(message);
  }

  /** The reset, in whole seconds, is what was left of the window ({@code unit}) at the call. */
  static void assertReset(String id, long reset, long unit, Value result) {
    long t0 = (long) field(result, "t0").getNumberValue() / 1000;
    long t1 = (long) field(result, "t1").getNumberValue() / 1000;
    long most = unit - t0 % unit;
    long least = unit - t1 % unit;
    assertThat(reset).as(id + ": seconds until the " + unit + " s window ends")
        .isBetween(Math.max(1, least - 1), Math.min(unit, most + 1));
  }

  /** {@code actual} equals {@code expected} exactly (every key, no more), where {@value #ANY} matches any non-null. */
  static void assertJson(String id, Value actual, String expected) {
    Value want = parse(expected);
    String diff = diff("$", want, actual);
    if (diff != null) {
      fail(id + ": " + diff + "\nexpected: " + print(want) + "\nactual:   " + print(actual));
    }
  }

  private static String diff(String at, Value want, Value got) {
    if (want.getKindCase() == Value.KindCase.STRING_VALUE && want.getStringValue().equals(ANY)) {
      return got.getKindCase() == Value.KindCase.NULL_VALUE ? at + ": null, expected a value" : null;
    }
    if (want.getKindCase() != got.getKindCase()) {
      return at + ": " + print(got) + ", expected " + print(want);
    }
    switch (want.getKindCase()) {
      case STRUCT_VALUE -> {
        Map<String, Value> w = want.getStructValue().getFieldsMap();
        Map<String, Value> g = got.getStructValue().getFieldsMap();
        if (!w.keySet().equals(g.keySet())) {
          return at + ": keys " + Set.copyOf(g.keySet()) + ", expected " + Set.copyOf(w.keySet());
        }
        for (Map.Entry<String, Value> e : w.entrySet()) {
          String d = diff(at + "." + e.getKey(), e.getValue(), g.get(e.getKey()));
          if (d != null) {
            return d;
          }
        }
        return null;
      }
      case LIST_VALUE -> {
        List<Value> w = want.getListValue().getValuesList();
        List<Value> g = got.getListValue().getValuesList();
        if (w.size() != g.size()) {
          return at + ": " + g.size() + " elements, expected " + w.size();
        }
        for (int i = 0; i < w.size(); i++) {
          String d = diff(at + "[" + i + "]", w.get(i), g.get(i));
          if (d != null) {
            return d;
          }
        }
        return null;
      }
      default -> {
        return want.equals(got) ? null : at + ": " + print(got) + ", expected " + print(want);
      }
    }
  }

  /** {@code s} as a JSON string. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
