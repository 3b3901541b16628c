package dev.sluice.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.RedisClient;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;

/**
 * Two instances of a Spring MVC application configured from {@code burst-redis.yml} ({@code
 * sluice.store.type: redis}) on one live redis-server of the test's own: a cold burst spread over
 * both, all as one client, is admitted exactly the client's limit in total, for each of three
 * clients; the counts are Redis's, so a third instance started afterwards refuses too. The store
 * runs on the Lettuce and Netty of Boot's dependency management, as in an application (see {@link
 * #theStoreRunsOnTheLettuceAndNettyBootManages()}).
 */
class RedisBurstAppTest {

  static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void twoInstancesOnOneRedisAdmitExactlyTheLimitBetweenThem() throws Exception {
    String zone = Burst.noonZone();
    try (Apps.App one = start(zone); Apps.App two = start(zone)) {
      assertThat(one.get("/actuator/sluice").body()).contains("\"store\":\"redis\"");
      assertThat(two.get("/actuator/sluice").body()).contains("\"store\":\"redis\"");
      BurstAppTest.burstsOfThreeClients(List.of(one, two));
    }
    try (Apps.App three = start(zone)) {
      assertThat(three.get("/api/hello").statusCode()).as("a new instance, the same counts").isEqualTo(429);
      assertThat(three.get("/api/hello", "X-Client-Id", "acme").statusCode()).isEqualTo(429);
      assertThat(three.get("/api/hello", "X-Client-Id", "globex").statusCode()).isEqualTo(200);
    }
  }

  /**
   * docs/http.md ("Spring Boot"): sluice-redis is built on Lettuce 7.7 and Netty 4.2, but Boot's
   * dependency management decides what an application gets, and the store works on that: Lettuce
   * 6.6 and Netty 4.1 on Boot 3.5, Lettuce 6.8 and Netty 4.2 on Boot 4.0. This checks that the test
   * above ran on exactly those, as an application would.
   */
  @Test
  void theStoreRunsOnTheLettuceAndNettyBootManages() throws Exception {
    String lettuce = RedisClient.class.getPackage().getImplementationVersion();
    String netty = Class.forName("io.netty.channel.Channel").getPackage().getImplementationVersion();
    boolean boot3 = SpringBootVersion.getVersion().startsWith("3.5.");
    assertThat(lettuce).as("Lettuce on Boot " + SpringBootVersion.getVersion()).startsWith(boot3 ? "6.6." : "6.8.");
    assertThat(netty).as("Netty on Boot " + SpringBootVersion.getVersion()).startsWith(boot3 ? "4.1." : "4.2.");
  }

  private static Apps.App start(String zone) {
    return Apps.start(ModelUserApp.class, "burst-redis", "zone=" + zone, "redis-port=" + redis.port());
  }
}
