package dev.sluice.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.ManualClock;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import dev.sluice.micrometer.MicrometerListener.Outcome;
import dev.sluice.redis.RedisStore;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.InMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class MicrometerListenerTest {

  private static final String KEY = "alice@example.com|203.0.113.7";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ManualClock clock = new ManualClock();

  private Sluice sluice(MicrometerListener listener) {
    return Sluice.builder().clock(clock).listener(listener).build();
  }

  private double decisions(String policy, String call, String outcome) {
    Counter c = registry.find("sluice.decisions")
        .tags("policy", policy, "call", call, "outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private double nearLimit(String policy, String call) {
    Counter c = registry.find("sluice.decisions.near_limit").tags("policy", policy, "call", call).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aFixedWindowsDecisionsAreCountedExactlyByCallAndOutcome() {
    FixedWindow policy = FixedWindow.of("api", 10, Window.of(Duration.ofMinutes(1)));
    try (Sluice sluice = sluice(MicrometerListener.of(registry))) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 0; i < 13; i++) {
        limiter.tryAcquire(KEY, 1);
      }
      limiter.tryAcquire(KEY, 11); // above the limit: COST_EXCEEDS_LIMIT, denied
      limiter.peek(KEY, 1);
      limiter.peek(KEY, 1);
      clock.advance(Duration.ofMinutes(1));
      limiter.tryAcquire(KEY, 1);
    }
    assertThat(decisions("api", "try_acquire", "allowed")).isEqualTo(11);
    assertThat(decisions("api", "try_acquire", "denied")).isEqualTo(4);
    assertThat(decisions("api", "peek", "denied")).isEqualTo(2);
    assertThat(decisions("api", "try_acquire", "error_open")).isZero();
    assertThat(decisions("api", "try_acquire", "error_closed")).isZero();
    double total = registry.find("sluice.decisions").counters().stream().mapToDouble(Counter::count).sum();
    assertThat(total).isEqualTo(13 + 1 + 2 + 1);
  }

  @Test
  void aTokenBucketsDecisionsAreCountedExactlyAcrossARefill() {
    TokenBucket policy = TokenBucket.of("burst", 5, 1, Duration.ofSeconds(1));
    try (Sluice sluice = sluice(MicrometerListener.of(registry))) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 0; i < 7; i++) {
        limiter.tryAcquire(KEY, 1); // 5 admitted, 2 denied
      }
      clock.advance(Duration.ofSeconds(2)); // two tokens back
      for (int i = 0; i < 3; i++) {
        limiter.tryAcquire(KEY, 1); // 2 admitted, 1 denied
      }
    }
    assertThat(decisions("burst", "try_acquire", "allowed")).isEqualTo(7);
    assertThat(decisions("burst", "try_acquire", "denied")).isEqualTo(3);
  }

  @Test
  void nearLimitCountsTheEighthNinthAndTenthAdmissionOfTenNotTheSeventh() {
    FixedWindow policy = FixedWindow.of("api", 10, Window.of(Duration.ofMinutes(1)));
    try (Sluice sluice = sluice(MicrometerListener.of(registry))) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 1; i <= 10; i++) {
        Decision d = limiter.tryAcquire(KEY, 1);
        assertThat(d.used()).isEqualTo(i);
        assertThat(nearLimit("api", "try_acquire")).as("after admission " + i).isEqualTo(Math.max(0, i - 7));
      }
      limiter.tryAcquire(KEY, 1); // denied at the limit: not an admission, not counted
      assertThat(nearLimit("api", "try_acquire")).isEqualTo(3);
    }
  }

  @Test
  void nearLimitOnATokenBucketUsesTokensSpentFromAFullBucket() {
    // capacity 5: 80 % is 4 tokens spent; the 4th and 5th admissions count
    TokenBucket policy = TokenBucket.of("burst", 5, 1, Duration.ofSeconds(1));
    try (Sluice sluice = sluice(MicrometerListener.of(registry))) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 1; i <= 5; i++) {
        limiter.tryAcquire(KEY, 1);
        assertThat(nearLimit("burst", "try_acquire")).as("after admission " + i).isEqualTo(Math.max(0, i - 3));
      }
      clock.advance(Duration.ofSeconds(2)); // 3 spent: below 80 %
      limiter.tryAcquire(KEY, 0);
      assertThat(nearLimit("burst", "try_acquire")).isEqualTo(2);
    }
  }

  @Test
  void theNearLimitThresholdIsExactInIntegersAndDoesNotOverflow() {
    for (long limit = 1; limit <= 1000; limit++) {
      for (long used = 0; used <= limit + 2; used++) {
        assertThat(MicrometerListener.nearLimit(used, limit)).as(used + " of " + limit).isEqualTo(used * 5 >= limit * 4);
      }
    }
    long max = Long.MAX_VALUE;
    assertThat(MicrometerListener.nearLimit(max, max)).isTrue();
    assertThat(MicrometerListener.nearLimit(max - max / 5, max)).isTrue();
    assertThat(MicrometerListener.nearLimit(max - max / 5 - 1, max)).isFalse();
  }

  @Test
  void aStoreThatCannotDecideIsCountedAsErrorOpenOrErrorClosedByTheFailureChoice() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed below: nothing listens there
    }
    FixedWindow policy = FixedWindow.of("api", 10, Window.of(Duration.ofMinutes(1)));
    for (FailurePolicy failure : List.of(FailurePolicy.closed(), FailurePolicy.open())) {
      try (RedisStore broken = RedisStore.standalone("redis://127.0.0.1:" + port).failure(failure).build();
          Sluice sluice = Sluice.builder().store(broken).listener(MicrometerListener.of(registry)).build()) {
        Decision d = sluice.limiter(policy).tryAcquire(KEY, 1);
        assertThat(d.reason()).isEqualTo(failure.mode() == FailurePolicy.Mode.CLOSED
            ? Decision.Reason.STORE_UNAVAILABLE : Decision.Reason.FAILED_OPEN);
      }
    }
    assertThat(decisions("api", "try_acquire", "error_closed")).isEqualTo(1);
    assertThat(decisions("api", "try_acquire", "error_open")).isEqualTo(1);
    assertThat(decisions("api", "try_acquire", "allowed")).isZero();
    assertThat(decisions("api", "try_acquire", "denied")).isZero();
    assertThat(nearLimit("api", "try_acquire")).isZero(); // failing open counts nothing against the limit
  }

  @Test
  void aFullInMemoryStoreIsCountedAsErrorClosed() {
    FixedWindow policy = FixedWindow.of("api", 10, Window.of(Duration.ofMinutes(1)));
    try (Sluice sluice = Sluice.builder().store(InMemory.builder().clock(clock).maxKeys(1).build())
        .listener(MicrometerListener.of(registry)).build()) {
      Limiter limiter = sluice.limiter(policy);
      assertThat(limiter.tryAcquire("first", 1).allowed()).isTrue();
      assertThat(limiter.tryAcquire("second", 1).reason()).isEqualTo(Decision.Reason.STORE_FULL);
    }
    assertThat(decisions("api", "try_acquire", "allowed")).isEqualTo(1);
    assertThat(decisions("api", "try_acquire", "error_closed")).isEqualTo(1);
  }

  @Test
  void everyReasonHasTheDocumentedOutcome() {
    Map<Decision.Reason, Outcome> expected = new EnumMap<>(Map.of(
        Decision.Reason.ALLOWED, Outcome.ALLOWED,
        Decision.Reason.LIMITED, Outcome.DENIED,
        Decision.Reason.COST_EXCEEDS_LIMIT, Outcome.DENIED,
        Decision.Reason.NOT_HELD, Outcome.DENIED,
        Decision.Reason.FAILED_OPEN, Outcome.ERROR_OPEN,
        Decision.Reason.STORE_UNAVAILABLE, Outcome.ERROR_CLOSED,
        Decision.Reason.STORE_FULL, Outcome.ERROR_CLOSED));
    assertThat(expected.keySet()).containsExactlyInAnyOrder(Decision.Reason.values());
    for (Decision.Reason r : Decision.Reason.values()) {
      assertThat(Outcome.of(r)).as(r.name()).isEqualTo(expected.get(r));
    }
    assertThat(List.of(Outcome.values())).extracting(Outcome::tag)
        .containsExactly("allowed", "denied", "error_open", "error_closed");
  }

  @Test
  void noTagEverCarriesTheKey() {
    FixedWindow window = FixedWindow.of("api", 3, Window.of(Duration.ofMinutes(1)));
    TokenBucket bucket = TokenBucket.of("burst", 3, 1, Duration.ofSeconds(1));
    try (Sluice sluice = sluice(MicrometerListener.builder(registry).tags("service", "checkout").build())) {
      for (Limiter limiter : List.of(sluice.limiter(window), sluice.limiter(bucket))) {
        for (int i = 0; i < 5; i++) {
          limiter.tryAcquire(KEY, 1);
          limiter.peek(KEY, 1);
        }
        limiter.refund(KEY, 1);
        limiter.reset(KEY);
      }
    }
    List<String> values = new ArrayList<>();
    for (Meter m : registry.getMeters()) {
      for (Tag t : m.getId().getTags()) {
        values.add(t.getKey());
        values.add(t.getValue());
      }
    }
    assertThat(registry.getMeters()).hasSizeGreaterThan(4);
    assertThat(values).isNotEmpty().noneMatch(v -> v.contains("alice") || v.contains("203.0.113"));
    TreeSet<String> keys = new TreeSet<>();
    registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> keys.add(t.getKey())));
    assertThat(keys).containsExactly("call", "outcome", "policy", "service");
  }

  @Test
  void policiesBeyondTheBoundAreCountedUnderOther() {
    try (Sluice sluice = sluice(MicrometerListener.builder(registry).maxPolicies(3).build())) {
      for (int p = 0; p < 6; p++) {
        Limiter limiter = sluice.limiter(FixedWindow.of("p" + p, 10, Window.of(Duration.ofMinutes(1))));
        for (int i = 0; i <= p; i++) {
          limiter.tryAcquire(KEY, 1);
        }
      }
      // a policy seen before the bound was reached keeps its own series
      sluice.limiter(FixedWindow.of("p0", 10, Window.of(Duration.ofMinutes(1)))).tryAcquire(KEY, 1);
    }
    TreeSet<String> policies = new TreeSet<>();
    registry.getMeters().forEach(m -> policies.add(m.getId().getTag("policy")));
    assertThat(policies).containsExactly("_other", "p0", "p1", "p2");
    assertThat(decisions("p0", "try_acquire", "allowed")).isEqualTo(2);
    assertThat(decisions("p2", "try_acquire", "allowed")).isEqualTo(3);
    assertThat(decisions("_other", "try_acquire", "allowed")).isEqualTo(4 + 5 + 6);
  }

  @Test
  void thePrefixAndCommonTagsAreApplied() {
    FixedWindow policy = FixedWindow.of("api", 10, Window.of(Duration.ofMinutes(1)));
    MicrometerListener listener = MicrometerListener.builder(registry)
        .prefix("shop.ratelimit").tags("service", "checkout").tags(List.of(Tag.of("region", "eu"))).build();
    try (Sluice sluice = sluice(listener)) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 0; i < 9; i++) {
        limiter.tryAcquire(KEY, 1);
      }
    }
    Counter c = registry.find("shop.ratelimit.decisions")
        .tags("policy", "api", "call", "try_acquire", "outcome", "allowed", "service", "checkout", "region", "eu")
        .counter();
    assertThat(c).isNotNull();
    assertThat(c.count()).isEqualTo(9);
    Counter near = registry.find("shop.ratelimit.decisions.near_limit").tags("service", "checkout").counter();
    assertThat(near).isNotNull();
    assertThat(near.count()).isEqualTo(2);
    assertThat(registry.find("sluice.decisions").counters()).isEmpty();
  }

  @Test
  void theBuilderRefusesWhatWouldBreakTheMeters() {
    assertThatThrownBy(() -> MicrometerListener.of(null)).isInstanceOf(IllegalArgumentException.class);
    MicrometerListener.Builder b = MicrometerListener.builder(registry);
    for (String bad : new String[] {null, "", "Sluice", "sluice.", ".sluice", "sluice..x", "sluice-x", "1x"}) {
      assertThatThrownBy(() -> b.prefix(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> b.tags("policy", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.tags(List.of(Tag.of("outcome", "x")))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.tags("odd")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.tags("k", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.tags((Iterable<Tag>) null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxPolicies(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(b.prefix("api.rate_limit2").build()).isNotNull();
  }

  /** The real in-memory store, each call made 3 ms slower: the time the timer must see. */
  private static final class SlowStore implements dev.sluice.spi.Store {
    private final dev.sluice.spi.Store real;

    SlowStore(dev.sluice.spi.Store real) {
      this.real = real;
    }

    private static void pause() {
      try {
        Thread.sleep(3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public dev.sluice.spi.Partition partition(dev.sluice.Policy policy) {
      dev.sluice.spi.Partition p = real.partition(policy);
      return new dev.sluice.spi.Partition() {
        @Override
        public dev.sluice.Policy policy() {
          return p.policy();
        }

        @Override
        public Decision apply(String key, dev.sluice.spi.Command command) {
          pause();
          return p.apply(key, command);
        }
      };
    }

    @Override
    public dev.sluice.spi.MultiDecision applyAll(java.util.List<dev.sluice.Charge> charges,
        dev.sluice.spi.Operation op) {
      pause();
      return real.applyAll(charges, op);
    }

    @Override
    public dev.sluice.Clock clock() {
      return real.clock();
    }

    @Override
    public void close() {
      real.close();
    }
  }

  @Test
  void theStoreCallBehindEachTimedDecisionIsRecordedAndAWaitingAcquireIsNot() throws Exception {
    FixedWindow policy = FixedWindow.of("api", 3, Window.of(Duration.ofMinutes(1)));
    FixedWindow other = FixedWindow.of("other-api", 100, Window.of(Duration.ofMinutes(1)));
    SlowStore store = new SlowStore(dev.sluice.spi.InMemory.builder().clock(clock).build());
    try (Sluice sluice = Sluice.builder().store(store).listener(MicrometerListener.of(registry)).build()) {
      Limiter limiter = sluice.limiter(policy);
      for (int i = 0; i < 4; i++) {
        limiter.tryAcquire(KEY, 1); // 3 allowed, 1 denied: all timed
      }
      limiter.peek(KEY, 1);
      sluice.tryAcquireAll(new dev.sluice.Charge(policy, "k2", 1), new dev.sluice.Charge(other, "k2", 1));
      limiter.acquire("k3", 1, Duration.ZERO); // waits between store calls: not timed
    }
    io.micrometer.core.instrument.Timer tries = registry.find("sluice.store.latency")
        .tags("policy", "api", "call", "try_acquire").timer();
    assertThat(tries).isNotNull();
    assertThat(tries.count()).isEqualTo(4);
    assertThat(tries.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(4 * 3_000_000.0);
    assertThat(registry.find("sluice.store.latency").tags("call", "peek").timer().count()).isEqualTo(1);
    io.micrometer.core.instrument.Timer all = registry.find("sluice.store.latency")
        .tags("call", "try_acquire_all").timer();
    assertThat(all.count()).isEqualTo(1); // one atomic call, under the deciding charge's policy
    assertThat(all.max(java.util.concurrent.TimeUnit.NANOSECONDS)).isGreaterThanOrEqualTo(3_000_000.0);
    assertThat(registry.find("sluice.store.latency").tags("call", "acquire").timer()).isNull();
    assertThat(decisions("api", "acquire", "allowed")).isEqualTo(1); // counted all the same
  }

  @Test
  void aListenerThatOnlyKnowsTheFourArgumentCallStillHearsEveryDecision() {
    java.util.List<String> heard = new java.util.ArrayList<>();
    try (Sluice sluice = Sluice.builder().clock(clock)
        .listener((call, key, cost, d) -> heard.add(call + " " + d.reason())).build()) {
      sluice.limiter(FixedWindow.of("api", 1, Window.of(Duration.ofMinutes(1)))).tryAcquire(KEY, 1);
    }
    assertThat(heard).containsExactly("TRY_ACQUIRE ALLOWED");
  }
}
