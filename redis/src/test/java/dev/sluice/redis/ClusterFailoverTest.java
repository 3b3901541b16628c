package dev.sluice.redis;

import dev.sluice.spi.FailurePolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisCluster;
import dev.sluice.redis.testing.RedisFailoverCluster;
import dev.sluice.redis.testing.RedisServer;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Failover of a Redis Cluster master under load (the issue: decisions on the dead master's slots
 * resumed ~6.3 s after the kill, and with coalescing in 2 of 5 trials never). On three masters and
 * three replicas with {@code cluster-node-timeout} 1 s, each trial kills a master with SIGKILL while
 * four threads decide on keys of its slots and of others, and measures (a) when the cluster has
 * converged (a running node shows the replica promoted and {@code cluster_state:ok}) and (b) when
 * the store first answers store-decided for a key of the moved slots, in a call started after the
 * master died. Required: b - a <= 1 s in every trial. The killed node then rejoins as a replica,
 * so the next trial kills another master without rebuilding the cluster.
 *
 * <p>Exactness across the failover: every key's admissions are counted with the {@code used} each
 * one reported. A failover may lose writes Redis acknowledged if the replica had not received them
 * yet (asynchronous replication): the promoted replica then counts from an older value and reports
 * some {@code used} values a second time. What the store controls is that it admits nothing Redis
 * did not count: admitted <= limit + the number of repeated {@code used} values, for every key.
 *
 * <p>{@value #DEFAULT_TRIALS} trials per mode unless {@code -Dsluice.failover.trials=N}.
 */
class ClusterFailoverTest {

  static final int DEFAULT_TRIALS = 5; // the suite keeps under 20 minutes; -Dsluice.failover.trials=10 for more
  static final int TRIALS = Integer.getInteger("sluice.failover.trials", DEFAULT_TRIALS);
  static final long LIMIT = 400;
  static final long MAX_RESUME_NANOS = 1_000_000_000L;

  static RedisFailoverCluster cluster;
  static int nextVictim;

  @BeforeAll
  static void start() {
    cluster = RedisFailoverCluster.start();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void coalescedDecisionsResumeWithinASecondOfEveryFailover() throws Exception {
    trials(true);
  }

  @Test
  void uncoalescedDecisionsResumeWithinASecondOfEveryFailover() throws Exception {
    trials(false);
  }

  /**
   * A master that stops answering but keeps its connections open (SIGSTOP: a hung process or a
   * half-open link): nothing tells the store the connection is dead, and a slot-map reload waits
   * up to its node timeout (ClusterRefresh.NODE_TIMEOUT, 250 ms) for that node. Decisions still
   * resume within a second of the promotion, and the stopped node's connection is never waited on
   * past a deadline. Measured 75-634 ms after convergence (with a 1 s node timeout it was
   * 187-882 ms, too close to the bound to run by default); see docs/redis.md "Failover".
   */
  @Test
  void decisionsResumeWithinASecondWhenAMasterHangsInsteadOfDying() throws Exception {
    trials(true, true, Math.max(1, TRIALS / 2));
  }

  private void trials(boolean coalescing) throws Exception {
    trials(coalescing, false, TRIALS);
  }

  private void trials(boolean coalescing, boolean hang, int count) throws Exception {
    String mode = (hang ? "hung master, " : "") + (coalescing ? "coalesced" : "uncoalesced");
    List<String> figures = new ArrayList<>();
    try (RedisStore store = RedisStore.cluster(cluster.uris().toArray(new String[0]))
            // the default deadline (500 ms): calls stuck on the dead node are ended when a reload
            // moves their slots, not at their deadline (before, 1.08-1.21 s after convergence)
            .coalescing(coalescing).failure(FailurePolicy.closed()).build();
        Sluice sluice = Sluice.builder().store(store).build()) {
      for (int t = 0; t < count; t++) {
        Trial trial = new Trial(sluice, (hang ? "h" : "") + (coalescing ? "co" : "un") + t, nextVictim++ % 3, hang);
        figures.add(trial.run());
        System.out.printf("failover %s trial %d: %s%n", mode, t, figures.get(t));
      }
      System.out.printf("failover %s: %s; %s%n", mode, figures, store.recoveries());
    }
  }

  /** One failover under load. */
  private static final class Trial {
    final Limiter limiter;
    final int[] range;
    final List<String> victimKeys = new ArrayList<>();
    final List<String> otherKeys = new ArrayList<>();
    final Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
    final Map<String, Map<Long, AtomicInteger>> usedSeen = new ConcurrentHashMap<>();
    final AtomicLong firstDecidedAfterKill = new AtomicLong(Long.MAX_VALUE);
    final AtomicInteger decidedAfterResume = new AtomicInteger();
    final boolean hang;
    volatile boolean killed;
    volatile long killedAt;
    volatile boolean stop;

    Trial(Sluice sluice, String name, int victimRange, boolean hang) {
      this.hang = hang;
      this.limiter = sluice.limiter(FixedWindow.of("fo-" + name, LIMIT, Window.of(Duration.ofHours(1))));
      this.range = RedisCluster.SLOT_RANGES.get(victimRange);
      for (int i = 0; victimKeys.size() < 4 || otherKeys.size() < 4; i++) {
        String key = name + "-k" + i;
        int slot = SlotHash.getSlot(key); // the hash tag is the whole key, which has nothing to escape
        List<String> into = slot >= range[0] && slot <= range[1] ? victimKeys : otherKeys;
        if (into.size() < 4) {
          into.add(key);
          admitted.put(key, new AtomicInteger());
          usedSeen.put(key, new ConcurrentHashMap<>());
        }
      }
    }

    String run() throws Exception {
      RedisServer master = cluster.masterOf(range[0]);
      RedisServer replica = cluster.replicaOf(master);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        Thread th = new Thread(this::load, "failover-load-" + i);
        th.start();
        threads.add(th);
      }
      try {
        // half of each victim key's limit is used on the old master
        await().atMost(Duration.ofSeconds(30)).until(() ->
            victimKeys.stream().allMatch(k -> admitted.get(k).get() >= LIMIT / 2));
        if (hang) {
          master.pause();
        } else {
          master.kill();
        }
        killedAt = System.nanoTime();
        killed = true;
        long converged = cluster.awaitPromoted(replica, range[0], Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
            .until(() -> firstDecidedAfterKill.get() != Long.MAX_VALUE);
        long resumed = firstDecidedAfterKill.get();
        // keep going until every victim key is at its limit on the new master
        await().atMost(Duration.ofSeconds(30)).until(() -> decidedAfterResume.get() > 0
            && victimKeys.stream().allMatch(k -> limiter.peek(k, 1).storeDecided() && !limiter.peek(k, 1).allowed()));
        stop = true;
        for (Thread th : threads) {
          th.join();
        }
        int lost = 0;
        for (String k : victimKeys) {
          int repeats = 0;
          for (AtomicInteger n : usedSeen.get(k).values()) {
            repeats += n.get() - 1;
          }
          lost += repeats;
          assertThat((long) admitted.get(k).get()).as("admitted on %s (used values repeated: %d)", k, repeats)
              .isLessThanOrEqualTo(LIMIT + repeats);
        }
        for (String k : otherKeys) {
          assertThat((long) admitted.get(k).get()).as("admitted on %s", k).isLessThanOrEqualTo(LIMIT);
        }
        long resumeAfterConverged = resumed - converged;
        String figure = String.format("converged %d ms after the kill, decided again %d ms after that, %d writes lost",
            (converged - killedAt) / 1_000_000, resumeAfterConverged / 1_000_000, lost);
        assertThat(resumeAfterConverged).as(figure).isLessThanOrEqualTo(MAX_RESUME_NANOS);
        return figure;
      } finally {
        stop = true;
        for (Thread th : threads) {
          th.join();
        }
        if (master.isPaused()) {
          master.kill(); // it would rejoin as a replica if resumed; a restart is the known path
        }
        if (!master.isAlive()) {
          cluster.rejoin(master);
        }
      }
    }

    void load() {
      List<String> keys = new ArrayList<>(victimKeys);
      keys.addAll(otherKeys);
      while (!stop) {
        for (String k : keys) {
          long start = System.nanoTime();
          Decision d = limiter.tryAcquire(k, 1);
          long end = System.nanoTime();
          if (!d.storeDecided()) {
            continue;
          }
          if (d.allowed()) {
            admitted.get(k).incrementAndGet();
            usedSeen.get(k).computeIfAbsent(d.used(), u -> new AtomicInteger()).incrementAndGet();
          }
          if (killed && start - killedAt >= 0 && victimKeys.contains(k)) {
            firstDecidedAfterKill.accumulateAndGet(end, Math::min);
            decidedAfterResume.incrementAndGet();
          }
        }
      }
    }
  }
}
