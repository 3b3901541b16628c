package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Asynchronous decisions do not wait for Redis: {@code applyAsync} and {@code acquireAsync}
 * return before Redis has answered, and complete off the thread that reads Redis's replies.
 * Regression: the store used the blocking default, so an async acquire held its caller (with
 * Redis stalled, up to the deadline) and returned an already completed future.
 */
class AsyncTest {

  static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {false, true})
  void anAsyncAcquireReturnsBeforeRedisAnswersAndIsThenDecidedByRedis(boolean coalescing) throws Exception {
    FixedWindow policy = FixedWindow.of("async-" + coalescing, 3, Window.of(Duration.ofHours(1)));
    try (RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing)
            .commandTimeout(Duration.ofSeconds(10)).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter limiter = sluice.limiter(policy);
      assertThat(limiter.tryAcquire("k", 1).storeDecided()).isTrue();
      List<CompletableFuture<Decision>> pending = new ArrayList<>();
      AtomicReference<String> completedOn = new AtomicReference<>();
      server.pause();
      try {
        for (int i = 0; i < 3; i++) {
          pending.add(limiter.acquireAsync("k", 1, Duration.ZERO));
        }
        pending.get(0).whenComplete((d, e) -> completedOn.set(Thread.currentThread().getName()));
        // Redis is stopped: a future that is done here was decided without it
        for (CompletableFuture<Decision> f : pending) {
          assertThat(f).as("an async acquire while Redis is stopped").isNotDone();
        }
      } finally {
        server.resume();
      }
      List<Decision> decisions = new ArrayList<>();
      for (CompletableFuture<Decision> f : pending) {
        decisions.add(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(decisions).allMatch(Decision::storeDecided);
      assertThat(decisions.stream().filter(Decision::allowed).count()).as("admitted of the 2 left").isEqualTo(2);
      assertThat(completedOn.get()).as("the thread that completed the future")
          .doesNotContain("nioEventLoop").doesNotContain("epollEventLoop").doesNotContain("kqueueEventLoop");
      assertThat(store.failures().total()).isZero();
    }
  }

  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {false, true})
  void anAsyncDecisionRedisDoesNotAnswerGetsTheFailurePolicyAtTheDeadline(boolean coalescing) throws Exception {
    Concurrency policy = Concurrency.of("async-slots-" + coalescing, 2, Duration.ofMinutes(1));
    try (RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing)
            .commandTimeout(Duration.ofMillis(200)).build()) {
      Partition partition = store.partition(policy);
      assertThat(partition.apply("k", Command.peek(1)).storeDecided()).isTrue();
      server.pause();
      CompletableFuture<Decision> f;
      try {
        f = partition.applyAsync("k", Command.hold(7, 1));
        assertThat(f).isNotDone();
        Decision d = f.get(10, TimeUnit.SECONDS);
        assertThat(d.storeDecided()).isFalse();
        assertThat(d.allowed()).as("a lease's failure policy is closed unless set").isFalse();
        assertThat(d.reason()).isEqualTo(Decision.Reason.STORE_UNAVAILABLE);
        assertThat(store.failures().timeouts()).isEqualTo(1);
      } finally {
        server.resume();
      }
    }
  }

  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {false, true})
  void concurrentAsyncAcquiresAdmitExactlyTheLimit(boolean coalescing) throws Exception {
    FixedWindow policy = FixedWindow.of("async-exact-" + coalescing, 50, Window.of(Duration.ofHours(1)));
    try (RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      Limiter limiter = sluice.limiter(policy);
      List<CompletableFuture<Decision>> all = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        threads.add(new Thread(() -> {
          for (int i = 0; i < 50; i++) {
            all.add(limiter.acquireAsync("k", 1, Duration.ZERO));
          }
        }));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join();
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
      long admitted = 0;
      for (CompletableFuture<Decision> f : all) {
        Decision d = f.join();
        assertThat(d.storeDecided()).isTrue();
        admitted += d.allowed() ? 1 : 0;
      }
      assertThat(all).hasSize(200);
      assertThat(admitted).isEqualTo(50);
      assertThat(store.failures().total()).isZero();
    }
  }
  /**
   * Closing the store while asynchronous calls wait on a stopped Redis completes every future
   * with a decision by failure policy (none exceptionally, none left open), and an async call
   * asked after close throws like apply. Before, a future still open at close could complete
   * with a RejectedExecutionException from the client's stopped event executors.
   */
  @ParameterizedTest(name = "coalescing {0}")
  @ValueSource(booleans = {false, true})
  void closeCompletesEveryPendingFutureWithADecision(boolean coalescing) throws Exception {
    FixedWindow policy = FixedWindow.of("async-close-" + coalescing, 100, Window.of(Duration.ofHours(1)));
    RedisStore store = RedisStore.standalone(server.uri()).coalescing(coalescing)
        .commandTimeout(Duration.ofSeconds(30)).build();
    Partition partition = store.partition(policy);
    assertThat(partition.apply("k", Command.peek(1)).storeDecided()).isTrue();
    List<CompletableFuture<Decision>> pending = new ArrayList<>();
    server.pause();
    try {
      for (int i = 0; i < 20; i++) {
        pending.add(partition.applyAsync("k" + (i % 3), Command.acquire(1)));
      }
      store.close();
      for (CompletableFuture<Decision> f : pending) {
        Decision d = f.get(10, TimeUnit.SECONDS); // throws if completed exceptionally
        assertThat(d.storeDecided()).as("decided by Redis while it was stopped").isFalse();
      }
      assertThatThrownBy(() -> partition.applyAsync("k", Command.acquire(1)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    } finally {
      server.resume();
      store.close();
    }
  }
}
