package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.spi.InMemory;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** Every public entry point refuses bad input with a message naming the field and the value. */
class ValidationTest {

  private static void refused(ThrowingCallable call, String... fragments) {
    var a = assertThatThrownBy(call).isInstanceOf(IllegalArgumentException.class);
    for (String f : fragments) {
      a.hasMessageContaining(f);
    }
  }

  @Test
  void policies() {
    Duration s = Duration.ofSeconds(1);
    refused(() -> TokenBucket.of(null, 1, 1, s), "name must not be null");
    refused(() -> TokenBucket.of(" ", 1, 1, s), "name ' '");
    refused(() -> TokenBucket.of("x".repeat(129), 1, 1, s), "128 characters");
    refused(() -> TokenBucket.of("t", 0, 1, s), "capacity (0) must be positive");
    refused(() -> TokenBucket.of("t", -5, 1, s), "capacity (-5) must be positive");
    refused(() -> TokenBucket.of("t", 1, 0, s), "refillTokens (0) must be positive");
    refused(() -> TokenBucket.of("t", 1, Long.MIN_VALUE, s), "refillTokens (" + Long.MIN_VALUE + ")");
    refused(() -> TokenBucket.of("t", 1, 1, null), "refillPeriod must not be null");
    refused(() -> TokenBucket.of("t", 1, 1, Duration.ZERO), "refillPeriod (PT0S) must be positive");
    refused(() -> TokenBucket.of("t", 1, 1, Duration.ofSeconds(-1)), "refillPeriod (PT-1S) must be positive");
    refused(() -> FixedWindow.of("w", 0, Window.day()), "limit (0) must be positive");
    refused(() -> FixedWindow.of("w", 1, null), "window must not be null");
    refused(() -> Window.of(null), "length must not be null");
    refused(() -> Window.of(Duration.ofNanos(-1)), "length (PT-0.000000001S) must be positive");
    refused(() -> Window.of(Duration.ofDays(365 * 200)), "length (PT1752000H) exceeds the maximum");
    refused(() -> Window.day(null), "zone must not be null");
    refused(() -> new Window.Calendar(null, ZoneOffset.UTC), "unit must not be null");
    refused(() -> SlidingLog.of("l", -1, s), "limit (-1) must be positive");
    refused(() -> SlidingLog.of("l", 10_001, s), "limit (10001)", "SlidingCounter");
    refused(() -> SlidingLog.of("l", 1, Duration.ZERO), "window (PT0S) must be positive");
    refused(() -> SlidingCounter.of("c", 0, s), "limit (0) must be positive");
    refused(() -> SlidingCounter.of("c", 1, null), "window must not be null");
  }

  @Test
  void limiterOperationsRefuseBadInputAndChangeNothing() {
    ManualClock clock = new ManualClock(1_000L);
    Sluice sluice = Sluice.builder().clock(clock).build();
    Limiter l = sluice.limiter(TokenBucket.of("t", 5, 1, Duration.ofSeconds(1)));
    l.tryAcquire("k", 2);
    List<ThrowingCallable> calls = new ArrayList<>();
    calls.add(() -> l.tryAcquire(null, 1));
    calls.add(() -> l.tryAcquire("", 1));
    calls.add(() -> l.tryAcquire("x".repeat(513), 1));
    calls.add(() -> l.tryAcquire("k", -1));
    calls.add(() -> l.peek("k", Long.MIN_VALUE));
    calls.add(() -> l.record("k", -3));
    calls.add(() -> l.refund("k", -1));
    calls.add(() -> l.reset(null));
    calls.add(() -> l.acquire("k", -1, Duration.ZERO));
    calls.add(() -> l.acquire("k", 1, null));
    calls.add(() -> l.acquire("k", 1, Duration.ofSeconds(-1)));
    calls.add(() -> l.acquireAsync("k", 1, Duration.ofMillis(-1)));
    calls.add(() -> l.acquireAsync(null, 1, Duration.ZERO));
    calls.add(() -> l.charge("k", -1));
    calls.add(() -> sluice.tryAcquireAll((List<Charge>) null));
    calls.add(() -> sluice.tryAcquireAll(List.of()));
    calls.add(() -> sluice.tryAcquireAll(new ArrayList<>(java.util.Arrays.asList(l.charge("k", 1), null))));
    calls.add(() -> sluice.limiter(null));
    calls.add(() -> new Charge(null, "k", 1));
    for (ThrowingCallable c : calls) {
      assertThatThrownBy(c).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(l.peek("k", 0).remaining()).isEqualTo(3);
  }

  @Test
  void messagesNameTheValue() {
    Limiter l = Sluice.inMemory().limiter(TokenBucket.of("t", 5, 1, Duration.ofSeconds(1)));
    refused(() -> l.tryAcquire("k", -7), "cost (-7) must not be negative");
    refused(() -> l.tryAcquire(null, 1), "key must not be null");
    refused(() -> l.tryAcquire("", 1), "key ''", "1 to 512 characters");
    refused(() -> l.acquire("k", 1, Duration.ofSeconds(-2)), "maxWait (PT-2S) must not be negative");
  }

  @Test
  void clocksAndStores() {
    refused(() -> new ManualClock(-1), "nanos (-1) must not be negative");
    ManualClock clock = new ManualClock();
    refused(() -> clock.advance(Duration.ofSeconds(-1)), "d (PT-1S) must not be negative");
    refused(() -> clock.advanceNanos(-1), "nanos (-1) must not be negative");
    refused(() -> clock.set(-1), "nanos (-1)");
    refused(() -> Sluice.builder().clock(null), "clock must not be null");
    refused(() -> Sluice.builder().store(null), "store must not be null");
    refused(() -> Sluice.builder().listener(null), "listener must not be null");
    refused(() -> InMemory.builder().maxKeys(0), "maxKeys (0) must be positive");
    refused(() -> InMemory.builder().clock(null), "clock must not be null");
    refused(() -> InMemory.builder().idleSweepInterval(Duration.ZERO), "idleSweepInterval (PT0S)");
    refused(() -> InMemory.builder().fullSweepInterval(null), "fullSweepInterval must not be null");
  }
}
