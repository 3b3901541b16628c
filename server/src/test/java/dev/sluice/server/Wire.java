package dev.sluice.server;

import dev.sluice.redis.testing.RedisServer;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the behaviour tests send and how: requests built descriptor by descriptor (with their own
 * {@code hits_addend} and {@code limit}), the environment of each store, {@code POST /json} over
 * {@link HttpClient}, and waiting out the end of a window on the real clock (the server decides on
 * wall-clock windows, so a test that counts within one window starts well inside it).
 */
final class Wire {

  private static final AtomicLong PREFIXES = new AtomicLong();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Wire() {}

  /** A descriptor: {@code key1, value1, key2, value2, ...}. */
  static RateLimitDescriptor d(String... kv) {
    RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(kv[i]).setValue(kv[i + 1]));
    }
    return b.build();
  }

  /** {@code d} with its own {@code hits_addend}. */
  static RateLimitDescriptor hits(long hits, RateLimitDescriptor d) {
    return d.toBuilder().setHitsAddend(com.google.protobuf.UInt64Value.of(hits)).build();
  }

  /** {@code d} with a {@code limit} override. */
  static RateLimitDescriptor limit(int requestsPerUnit, RateLimitUnit unit, RateLimitDescriptor d) {
    return d.toBuilder().setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder()
        .setRequestsPerUnit(requestsPerUnit).setUnit(unit)).build();
  }

  /** A request of {@code descriptors} with the request's {@code hits_addend}. */
  static RateLimitRequest request(String domain, int hits, RateLimitDescriptor... descriptors) {
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(domain).setHitsAddend(hits);
    for (RateLimitDescriptor d : descriptors) {
      b.addDescriptors(d);
    }
    return b.build();
  }

  /** Calls {@code ShouldRateLimit} with a deadline of 5 s. */
  static RateLimitResponse call(TestServer s, RateLimitRequest r) {
    return s.stub.withDeadlineAfter(5, TimeUnit.SECONDS).shouldRateLimit(r);
  }

  /** Calls with {@code hits_addend} of the request, one descriptor each. */
  static RateLimitResponse call(TestServer s, String domain, int hits, RateLimitDescriptor... descriptors) {
    return call(s, request(domain, hits, descriptors));
  }

  /** The status of a call that must fail. */
  static Status failure(TestServer s, RateLimitRequest r) {
    try {
      RateLimitResponse response = call(s, r);
      throw new AssertionError("expected a failed call, got " + response);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /** {@code POST /json} with {@code body}. */
  static HttpResponse<String> postJson(TestServer s, String body) {
    HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.httpAddress().getPort() + "/json"))
        .timeout(Duration.ofSeconds(20)) // the first JSON parse of a server loads protobuf's JSON support: seconds on a loaded machine
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    try {
      return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The settings of {@code store}: memory, sqlite (a file under the test's directory), or redis on
   * {@code redis} with a key prefix of its own, so that no two servers share a counter.
   */
  static Map<String, String> env(String store, RedisServer redis) {
    Map<String, String> env = new HashMap<>();
    switch (store) {
      case "memory" -> env.put("BACKEND_TYPE", "memory");
      case "sqlite" -> env.put("BACKEND_TYPE", "sqlite");
      case "redis" -> {
        env.put("BACKEND_TYPE", "redis");
        env.put("REDIS_SOCKET_TYPE", "tcp");
        env.put("REDIS_URL", "127.0.0.1:" + redis.port());
        env.put("CACHE_KEY_PREFIX", "w" + System.nanoTime() + "-" + PREFIXES.incrementAndGet() + ":");
      }
      default -> throw new IllegalArgumentException(store);
    }
    return env;
  }

  /** {@code env(store, redis)} plus {@code kv}: {@code name1, value1, name2, value2, ...}. */
  static Map<String, String> env(String store, RedisServer redis, String... kv) {
    Map<String, String> env = env(store, redis);
    for (int i = 0; i < kv.length; i += 2) {
      env.put(kv[i], kv[i + 1]);
    }
    return env;
  }

  /**
   * Waits, if need be, until the current window of {@code unitSeconds} (epoch-aligned, as theirs)
   * has at least {@code marginSeconds} left.
   */
  static void awayFromWindowEnd(long unitSeconds, long marginSeconds) {
    long unitMillis = unitSeconds * 1000;
    long left = unitMillis - System.currentTimeMillis() % unitMillis;
    if (left < marginSeconds * 1000) {
      try {
        Thread.sleep(left + 50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** What the server's {@code /stats} text shows for {@code name}, or -1 if it shows nothing. */
  static long stat(TestServer s, String name) {
    for (String line : s.server.metrics().statsText().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0 && line.substring(0, colon).equals(name)) {
        return Long.parseLong(line.substring(colon + 2).trim());
      }
    }
    return -1;
  }
}
