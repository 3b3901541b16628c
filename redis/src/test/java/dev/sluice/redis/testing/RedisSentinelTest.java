package dev.sluice.redis.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisSentinelTest {

  @Test
  void aMasterItsReplicaAndASentinelEachWithTheirPasswordThenAllStopped() throws Exception {
    List<Long> pids = new ArrayList<>();
    try (RedisSentinel redis = RedisSentinel.start("m-pass", "s-pass")) {
      RedisServer master = redis.dataNodes().get(0);
      RedisServer replica = redis.dataNodes().get(1);
      assertThat(redis.master()).isSameAs(master);
      assertThat(redis.replica()).isSameAs(replica);
      assertThat(redis.role(master)).isEqualTo("master");
      assertThat(redis.role(replica)).isEqualTo("slave");
      assertThat(redis.sentinelPort()).isNotIn(6379, master.port(), replica.port());
      assertThat(redis.sentinel().toString()).contains("sentinel");
      assertThat(Files.readString(redis.sentinel().logFile())).contains("Sentinel");

      // each needs its own password
      assertThatThrownBy(() -> master.command("PING")).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("NOAUTH");
      assertThatThrownBy(() -> redis.sentinel().command("PING")).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("NOAUTH");
      assertThat(redis.sentinel("PING")).isEqualTo("PONG");

      // a write reaches the replica
      redis.command(master, "SET", "k", "v");
      redis.awaitReplicated();
      assertThat(redis.command(replica, "GET", "k")).isEqualTo("v");
      pids.add(master.pid());
      pids.add(replica.pid());
      pids.add(redis.sentinel().pid());
    }
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("pid %d", pid).isEmpty();
    }
  }

  @Test
  void killingTheMasterPromotesTheReplica() {
    try (RedisSentinel redis = RedisSentinel.start()) {
      RedisServer master = redis.master();
      RedisServer replica = redis.replica();
      master.kill();
      Duration took = redis.awaitPromoted(replica, Duration.ofSeconds(30));
      assertThat(redis.master()).isSameAs(replica);
      assertThat(redis.role(replica)).isEqualTo("master");
      assertThat(took).isLessThan(Duration.ofSeconds(30));
    }
  }
}
