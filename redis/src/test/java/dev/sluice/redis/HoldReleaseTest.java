package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.Sluice;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A lease hold that timed out on the client but ran in Redis gives its slot back at once.
 * Regression: such holds leaked their slots until the lease TTL (7 of 10 slots on cold stores;
 * with a 10-minute TTL, a 10-minute lock-out).
 *
 * <p>Redis is paused with {@code CLIENT PAUSE} (from the test's own connection) for longer than
 * the store's deadline: the holds are answered closed at the deadline, and Redis runs them when
 * the pause ends.
 */
class HoldReleaseTest {

  static final int SLOTS = 10;

  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {false, true})
  void holdsThatTimedOutOnTheClientGiveTheirSlotsBack(boolean coalescing) throws InterruptedException {
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing)
            .commandTimeout(Duration.ofMillis(200)).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      Leases leases = sluice.leases(Concurrency.of("slots", SLOTS, Duration.ofMinutes(10)));
      assertThat(leases.peek("k", 1).storeDecided()).isTrue();

      pause(server, Duration.ofMillis(1_500));
      // SLOTS holds at once, each answered at the deadline while Redis is paused
      AtomicInteger granted = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < SLOTS; i++) {
        threads.add(new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          if (leases.tryAcquire("k").isPresent()) {
            granted.incrementAndGet();
          }
        }));
      }
      threads.forEach(Thread::start);
      go.countDown();
      for (Thread t : threads) {
        t.join();
      }
      assertThat(granted.get()).as("holds granted while Redis was paused").isZero();
      assertThat(store.failures().timeouts()).as("holds that timed out").isPositive();

      // once Redis runs them, whatever ran is released again: every slot is free long before the TTL
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Decision d = leases.peek("k", 0);
        assertThat(d.storeDecided()).isTrue();
        assertThat(d.used()).as("slots held").isZero();
      });
      List<Lease> held = new ArrayList<>();
      for (int i = 0; i < SLOTS; i++) {
        Optional<Lease> lease = leases.tryAcquire("k");
        assertThat(lease).as("lease %d", i).isPresent();
        held.add(lease.get());
      }
      held.forEach(Lease::release);
    }
  }

  /** CLIENT PAUSE for {@code d}, from a connection of the test's own. */
  static void pause(RedisServer server, Duration d) {
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(d.toMillis()).add("ALL"));
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
  /**
   * A renewal the store could not decide (Redis paused: the lease's failure policy, closed,
   * answers at the deadline) extended nothing, so renew says false and the lease keeps its old
   * expiry; a reservation's renew likewise. Before, only NOT_HELD gave false: a holder was told
   * its lease was renewed, and its expiry moved, while Redis still let it expire on time.
   */
  @Test
  void aRenewalTheStoreCouldNotDecideSaysFalseAndExtendsNothing() throws InterruptedException {
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.standalone(server.uri()).commandTimeout(Duration.ofMillis(200)).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      dev.sluice.Lease lease = sluice.leases(Concurrency.of("renew", 1, Duration.ofMinutes(1))).acquire("k");
      dev.sluice.Reservation r = sluice.budget(dev.sluice.Budget.daily("renew-budget", 100)).reserve("k", 10);
      assertThat(lease.renew()).as("renewed by Redis").isTrue();
      assertThat(r.renew()).as("renewed by Redis").isTrue();
      long expiry = lease.expiresAtNanos();
      server.pause();
      try {
        assertThat(lease.renew()).as("a renewal Redis did not decide").isFalse();
        assertThat(r.renew()).as("a renewal Redis did not decide").isFalse();
      } finally {
        server.resume();
      }
      assertThat(lease.expiresAtNanos()).as("the expiry the store still has").isEqualTo(expiry);
      assertThat(store.failures().answeredClosed()).isEqualTo(2);
      assertThat(lease.renew()).as("Redis decides again").isTrue();
      assertThat(r.renew()).isTrue();
    }
  }
}
