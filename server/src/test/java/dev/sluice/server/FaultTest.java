package dev.sluice.server;

import static dev.sluice.server.Wire.d;
import static dev.sluice.server.Wire.hits;
import static dev.sluice.server.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Redis store that stops answering (SIGSTOP) or dies (SIGKILL) while the server is under load:
 * every call is answered within the store's deadline (500 ms) plus a margin, as
 * {@code FAILURE_MODE} says (unset: UNAVAILABLE, HTTP 503; {@code open}: OK; {@code closed}:
 * OVER_LIMIT), and once Redis is back the decisions are exact again. Each test has a Redis of its
 * own.
 */
class FaultTest {

  static final String CONFIG = """
      domain: f
      descriptors:
        - key: k
          rate_limit: {unit: day, requests_per_unit: 10}
        - key: load
          rate_limit: {unit: day, requests_per_unit: 1000000}
        - key: shadow
          shadow_mode: true
          rate_limit: {unit: day, requests_per_unit: 1000000}
        - key: quota
          quota_mode: true
          rate_limit: {unit: day, requests_per_unit: 1000000}
      """;

  /** The store's deadline (500 ms) plus what a loaded 2-core machine adds to one call. */
  static final Duration ANSWER_WITHIN = Duration.ofMillis(1200);
  /** The client's deadline: a call still open then is stuck. */
  static final long CLIENT_DEADLINE_MILLIS = 3000;

  RedisServer redis;

  @BeforeEach
  void startRedis() {
    Wire.awayFromWindowEnd(86_400, 30);
    redis = RedisServer.start();
  }

  @AfterEach
  void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  TestServer start(Path tmp, String... env) throws Exception {
    return TestServer.start(tmp, Wire.env("redis", redis, env), Map.of("f.yaml", CONFIG));
  }

  /** One call with the client's deadline: its outcome (a code or a gRPC status) and its time. */
  record Outcome(Code code, Status.Code status, long millis) {}

  static Outcome timed(TestServer s, RateLimitRequest r) {
    long t0 = System.nanoTime();
    try {
      RateLimitResponse response = s.stub.withDeadlineAfter(CLIENT_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
          .shouldRateLimit(r);
      return new Outcome(response.getOverallCode(), Status.Code.OK, (System.nanoTime() - t0) / 1_000_000);
    } catch (StatusRuntimeException e) {
      return new Outcome(null, e.getStatus().getCode(), (System.nanoTime() - t0) / 1_000_000);
    }
  }

  static int remaining(TestServer s, String... descriptor) {
    return Wire.call(s, "f", 1, hits(0, d(descriptor))).getStatuses(0).getLimitRemaining();
  }

  /** Store failures answered so far, whatever the failure mode. */
  static long failures(TestServer s) {
    return s.server.metrics().counted("error.store") + s.server.metrics().counted("fail_open")
        + s.server.metrics().counted("fail_closed");
  }

  /** Waits until the store decides again (the breaker lets a probe through every 100 ms). */
  static void awaitStore(TestServer s) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
      long before = failures(s);
      Outcome o = timed(s, request("f", 1, hits(0, d("k", "probe"))));
      return o.code() == Code.OK && failures(s) == before;
    });
  }

  /** Calls from {@code threads} threads until stopped; collects every outcome. */
  static final class Load implements AutoCloseable {
    final List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean stop = new AtomicBoolean();
    final ExecutorService pool;
    final List<Future<?>> running = new ArrayList<>();

    Load(TestServer s, int threads, RateLimitRequest r) {
      pool = Executors.newFixedThreadPool(threads);
      for (int t = 0; t < threads; t++) {
        running.add(pool.submit(() -> {
          while (!stop.get()) {
            outcomes.add(timed(s, r));
          }
        }));
      }
    }

    List<Outcome> stop() throws Exception {
      stop.set(true);
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      return List.copyOf(outcomes);
    }

    @Override
    public void close() {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  static Map<String, Long> histogram(List<Outcome> outcomes) {
    Map<String, Long> h = new ConcurrentHashMap<>();
    for (Outcome o : outcomes) {
      h.merge(o.code() != null ? o.code().name() : o.status().name(), 1L, Long::sum);
    }
    return h;
  }

  @Test
  void pausedMidLoadEveryCallIsUnavailableInTimeThenExactAgain(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      for (int i = 0; i < 3; i++) {
        assertThat(Wire.call(s, "f", 1, d("k", "x")).getOverallCode()).isEqualTo(Code.OK);
      }
      List<Outcome> outcomes;
      try (Load load = new Load(s, 4, request("f", 1, d("load", "x"), d("shadow", "x"), d("quota", "x")))) {
        Thread.sleep(200);
        redis.pause();
        Thread.sleep(1500);
        redis.resume();
        Thread.sleep(500);
        outcomes = load.stop();
      }
      Map<String, Long> h = histogram(outcomes);
      assertThat(h.keySet()).as("%s", h).containsOnly("OK", "UNAVAILABLE");
      assertThat(h.get("UNAVAILABLE")).as("%s", h).isPositive();
      assertThat(outcomes).allSatisfy(o -> assertThat(o.millis()).as("%s", o).isLessThan(ANSWER_WITHIN.toMillis()));

      awaitStore(s);
      // the untouched key: exactly what it had, then exactly its limit
      assertThat(remaining(s, "k", "x")).isEqualTo(7);
      int admitted = 0;
      for (int i = 0; i < 12; i++) {
        if (Wire.call(s, "f", 1, d("k", "x")).getOverallCode() == Code.OK) {
          admitted++;
        }
      }
      assertThat(admitted).isEqualTo(7);
      // the loaded key: every admission counted; a call answered UNAVAILABLE while Redis was
      // stopped may still have been counted when it resumed (never fewer counted than admitted)
      long used = 1_000_000 - remaining(s, "load", "x");
      assertThat(used).isBetween(h.get("OK"), h.get("OK") + h.get("UNAVAILABLE"));
    }
  }

  @Test
  void killedThenRestartedItIsUnavailableThenExact(@TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp)) {
      assertThat(Wire.call(s, "f", 1, d("k", "y")).getOverallCode()).isEqualTo(Code.OK);
      List<Outcome> outcomes;
      try (Load load = new Load(s, 4, request("f", 1, d("load", "y")))) {
        Thread.sleep(200);
        redis.kill();
        Thread.sleep(1000);
        outcomes = load.stop();
      }
      Map<String, Long> h = histogram(outcomes);
      assertThat(h.keySet()).as("%s", h).containsOnly("OK", "UNAVAILABLE");
      assertThat(outcomes).allSatisfy(o -> assertThat(o.millis()).as("%s", o).isLessThan(ANSWER_WITHIN.toMillis()));
      // over HTTP: 503
      HttpResponse<String> http = Wire.postJson(s,
          "{\"domain\":\"f\",\"descriptors\":[{\"entries\":[{\"key\":\"k\",\"value\":\"y\"}]}]}");
      assertThat(http.statusCode()).isEqualTo(503);

      redis.restart(); // empty
      awaitStore(s);
      int admitted = 0;
      for (int i = 0; i < 12; i++) {
        if (Wire.call(s, "f", 1, d("k", "y")).getOverallCode() == Code.OK) {
          admitted++;
        }
      }
      assertThat(admitted).isEqualTo(10);
    }
  }

  @ParameterizedTest
  @CsvSource({"open, OK", "closed, OVER_LIMIT"})
  void theFailureModeAnswersForTheStore(String mode, Code expected, @TempDir Path tmp) throws Exception {
    try (TestServer s = start(tmp, "FAILURE_MODE", mode)) {
      assertThat(Wire.call(s, "f", 1, d("k", "z")).getOverallCode()).isEqualTo(Code.OK);
      redis.pause();
      try {
        for (int i = 0; i < 4; i++) {
          Outcome o = timed(s, request("f", 1, d("k", "z"), d("shadow", "z")));
          assertThat(o.status()).isEqualTo(Status.Code.OK);
          assertThat(o.code()).isEqualTo(expected);
          assertThat(o.millis()).isLessThan(ANSWER_WITHIN.toMillis());
        }
        assertThat(s.server.metrics().counted("fail_" + mode)).isEqualTo(4);
      } finally {
        redis.resume();
      }
      awaitStore(s);
      // a call sent before the deadline may be counted when Redis resumes: never more than 4
      assertThat(remaining(s, "k", "z")).isBetween(5, 9);
    }
  }
}
