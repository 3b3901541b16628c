package dev.sluice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.sluice.server.Decider;
import dev.sluice.server.Health;
import dev.sluice.server.RequestException;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code POST /json} and {@code GET /healthcheck} ({@link Endpoints#main}) over a real listener;
 * the decider is a lambda that records what it was asked and answers what the test says.
 */
class JsonEndpointTest {

  private static final String REQUEST = """
      {"domain": "dummy", "descriptors": [
        {"entries": [{"key": "one_per_day", "value": "something"}]},
        {"entries": [{"key": "k2", "value": "v2"}], "hitsAddend": "3"}
      ], "hits_addend": 2}""";

  private final AtomicReference<RateLimitRequest> asked = new AtomicReference<>();
  private final List<Object> answers = new ArrayList<>();
  private final Health health = new Health(false);
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private HttpListener listener;

  /** Answers the next of {@link #answers}: a response, a RequestException, or a RuntimeException. */
  private final Decider decider = request -> {
    asked.set(request);
    Object next = answers.remove(0);
    if (next instanceof RequestException e) {
      throw e;
    }
    if (next instanceof RuntimeException e) {
      throw e;
    }
    return (RateLimitResponse) next;
  };

  @BeforeEach
  void start() throws IOException {
    listener = HttpListener.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        Endpoints.main(decider, health), Options.defaults());
  }

  @AfterEach
  void stop() {
    listener.close();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri("/json"))
        .POST(BodyPublishers.ofString(body)).build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> postBytes(byte[] body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri("/json"))
        .POST(BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + listener.address().getPort() + path);
  }

  private static RateLimitResponse response(Code overall, DescriptorStatus... statuses) {
    return RateLimitResponse.newBuilder().setOverallCode(overall)
        .addAllStatuses(List.of(statuses)).build();
  }

  private static DescriptorStatus status(Code code, int perMinute, int remaining) {
    return DescriptorStatus.newBuilder().setCode(code).setLimitRemaining(remaining)
        .setCurrentLimit(RateLimit.newBuilder().setRequestsPerUnit(perMinute)
            .setUnit(RateLimit.Unit.MINUTE))
        .build();
  }

  private static RateLimitResponse parse(String json) throws Exception {
    RateLimitResponse.Builder b = RateLimitResponse.newBuilder();
    JsonFormat.parser().merge(json, b);
    return b.build();
  }

  // ---- answers

  @Test
  void okIs200WithTheResponseAsProto3Json() throws Exception {
    RateLimitResponse ok = response(Code.OK, status(Code.OK, 1, 0), status(Code.OK, 2, 1));
    answers.add(ok);
    HttpResponse<String> r = post(REQUEST);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(parse(r.body())).isEqualTo(ok);
    assertThat(r.body()).startsWith("{\"overallCode\":\"OK\",\"statuses\":[{\"code\":\"OK\","
        + "\"currentLimit\":{\"requestsPerUnit\":1,\"unit\":\"MINUTE\"}}");
    RateLimitRequest got = asked.get();
    assertThat(got.getDomain()).isEqualTo("dummy");
    assertThat(got.getHitsAddend()).isEqualTo(2);
    assertThat(got.getDescriptorsCount()).isEqualTo(2);
    assertThat(got.getDescriptors(0).getEntries(0).getKey()).isEqualTo("one_per_day");
    assertThat(got.getDescriptors(1).getHitsAddend().getValue()).isEqualTo(3);
  }

  @Test
  void overLimitIs429WithTheResponse() throws Exception {
    RateLimitResponse over = response(Code.OVER_LIMIT, status(Code.OVER_LIMIT, 1, 0),
        status(Code.OK, 2, 1));
    answers.add(over);
    HttpResponse<String> r = post(REQUEST);

    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(parse(r.body())).isEqualTo(over);
  }

  @Test
  void unknownIs500WithTheResponseAsTheirsDoes() throws Exception {
    answers.add(RateLimitResponse.getDefaultInstance());
    HttpResponse<String> r = post("{\"domain\": \"foo\"}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(r.body()).isEqualTo("{}");
  }

  @ParameterizedTest
  @CsvSource({
      "INVALID_ARGUMENT, 400",
      "UNAVAILABLE, 503",
      "INTERNAL, 500",
  })
  void requestExceptionIsItsKindsStatusWithItsMessage(RequestException.Kind kind, int status)
      throws Exception {
    answers.add(new RequestException(kind, "descriptor 0: key \"\" must not be empty"));
    HttpResponse<String> r = post("{\"domain\": \"foo\"}");
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValue(Response.TEXT);
    assertThat(r.body()).isEqualTo("descriptor 0: key \"\" must not be empty\n");
  }

  @Test
  void deciderFailureIs500WithoutDetailAndTheServerStaysUp() throws Exception {
    answers.add(new IllegalStateException("secret: redis password is hunter2"));
    HttpResponse<String> r = post("{\"domain\": \"foo\"}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("internal error\n");

    answers.add(null);
    assertThat(post("{\"domain\": \"foo\"}").statusCode()).isEqualTo(500);

    answers.add(response(Code.OK));
    assertThat(post("{\"domain\": \"foo\"}").statusCode()).isEqualTo(200);
  }

  // ---- bad bodies: 400 naming the problem, the decider never asked

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "}                                       | malformed JSON at line 1 column 1: expected a JSON object, found '}'",
      "{                                       | malformed JSON at line 1 column 2: unexpected end, expected a field name",
      "{'domain': 'foo'}                       | expected a field name in double quotes, found '''",
      "{domain: \"foo\"}                       | expected a field name in double quotes, found 'd'",
      "{\"domain\": \"foo\"} trailing          | malformed JSON at line 1 column 19: data after the object",
      "{\"domain\": \"foo\"}{}                 | data after the object",
      "{\"domain\": \"a\", \"domain\": \"b\"}  | duplicate field \"domain\"",
      "[]                                      | request body must be a JSON object, not an array",
      "null                                    | request body must be a JSON object, not null",
      "{\"domain\": \"foo\", \"bogus\": 1}     | invalid RateLimitRequest: Cannot find field: bogus in message envoy.service.ratelimit.v3.RateLimitRequest",
      "{\"descriptors\": [{\"entries\": [{\"key\": \"k\", \"nope\": 1}]}]} | Cannot find field: nope in message envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry",
      "{\"descriptors\": {}}                   | invalid RateLimitRequest: Expected an array for descriptors but found {}",
      "{\"hitsAddend\": -1}                    | invalid RateLimitRequest: Out of range uint32 value: -1",
      "{\"hitsAddend\": \"abc\"}               | Not an uint32 value: \"abc\"",
      "{\"descriptors\":[{\"limit\":{\"unit\":\"BOGUS\"}}]} | Invalid enum value: \"BOGUS\" for enum type: envoy.type.v3.RateLimitUnit",
  })
  void badBodyIs400NamingTheProblem(String body, String message) throws Exception {
    HttpResponse<String> r = post(body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue(Response.TEXT);
    assertThat(r.body()).contains(message).endsWith("\n").doesNotContain("Exception");
    assertThat(asked.get()).isNull();
  }

  @Test
  void emptyBodyIs400() throws Exception {
    HttpResponse<String> r = post("");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("request body is empty");
    assertThat(post("  \n ").statusCode()).isEqualTo(400);
    assertThat(asked.get()).isNull();
  }

  @Test
  void invalidUtf8Is400() throws Exception {
    byte[] body = "{\"domain\": \"fo\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
    HttpResponse<String> r = postBytes(body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("request body is not valid UTF-8\n");
    assertThat(asked.get()).isNull();
  }

  @Test
  void deepNestingIs400NotAStackOverflow() throws Exception {
    String deep = "{\"domain\": " + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    HttpResponse<String> r = post(deep);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("nested deeper than 64 levels");
  }

  @Test
  void formContentTypeIsAcceptedAsCurlDataSendsIt() throws Exception {
    answers.add(response(Code.OK));
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/json"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(BodyPublishers.ofString("{\"domain\": \"foo\"}")).build(), BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(asked.get().getDomain()).isEqualTo("foo");
  }

  @Test
  void oversizeBodyIs413() throws Exception {
    String big = "{\"domain\": \"" + "x".repeat(1 << 20) + "\"}";
    HttpResponse<String> r = post(big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(asked.get()).isNull();
  }

  @Test
  void getJsonIs405() throws Exception {
    HttpResponse<String> r = get("/json");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("allow")).hasValue("POST");
  }

  @Test
  void mainPortServesNothingElse() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/rlconfig").statusCode()).isEqualTo(404);
    assertThat(get("/json/").statusCode()).isEqualTo(404);
  }

  // ---- health

  @Test
  void healthcheckFollowsHealth() throws Exception {
    HttpResponse<String> ok = get("/healthcheck");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("OK");
    assertThat(ok.headers().firstValue("content-type")).hasValue(Response.TEXT);

    health.fail(Health.STORE);
    HttpResponse<String> down = get("/healthcheck");
    assertThat(down.statusCode()).isEqualTo(500);
    assertThat(down.body()).isEmpty();

    health.ok(Health.STORE);
    assertThat(get("/healthcheck").statusCode()).isEqualTo(200);

    health.fail(Health.SIGTERM);
    assertThat(get("/healthcheck").statusCode()).isEqualTo(500);
  }

  @Test
  void healthcheckWaitsForAConfigWhenOneIsRequired() throws Exception {
    Health needsConfig = new Health(true);
    try (HttpListener l = HttpListener.start(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        Endpoints.main(decider, needsConfig), Options.defaults())) {
      URI hc = URI.create("http://127.0.0.1:" + l.address().getPort() + "/healthcheck");
      assertThat(client.send(HttpRequest.newBuilder(hc).build(), BodyHandlers.ofString())
          .statusCode()).isEqualTo(500);
      needsConfig.ok(Health.CONFIG);
      assertThat(client.send(HttpRequest.newBuilder(hc).build(), BodyHandlers.ofString())
          .statusCode()).isEqualTo(200);
    }
  }
}
