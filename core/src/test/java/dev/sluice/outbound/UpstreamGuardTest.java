package dev.sluice.outbound;

import static dev.sluice.outbound.UpstreamGuard.State.QUOTA_EXCEEDED;
import static dev.sluice.outbound.UpstreamGuard.State.WITHIN_QUOTA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.ManualClock;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Command;
import dev.sluice.spi.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import org.junit.jupiter.api.Test;

/** The upstream guard's state machine as timelines on a test clock. */
class UpstreamGuardTest {

  private static final long S = 1_000_000_000L;
  private static final Duration MIN = Duration.ofMinutes(1);

  // Aligned to the minute, so usage recorded in different minutes sits in different buckets.
  private final ManualClock clock = new ManualClock(1_700_000_040L * S);
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final List<UpstreamGuard.Transition> transitions = new ArrayList<>();
  private final List<String> logged = new ArrayList<>();
  private final System.Logger log = new System.Logger() {
    @Override
    public String getName() {
      return "test";
    }

    @Override
    public boolean isLoggable(Level level) {
      return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
      logged.add(level + " " + msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
      logged.add(level + " " + format);
    }
  };

  /** 1000 tokens per 5 h, 99 % threshold (990 tokens), 5 min probes, 1 min buckets. */
  private UpstreamGuard guard() {
    return UpstreamGuard.builder("llm").budget(1_000).window(Duration.ofHours(5))
        .thresholdPercent(99).probeInterval(Duration.ofMinutes(5)).granularity(MIN)
        .listener(transitions::add).logger(log).build(sluice);
  }

  @Test
  void withinUntilTheThresholdThenExceededAndProbingOncePerInterval() {
    UpstreamGuard g = guard();
    g.recordUsage(989);
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    g.recordUsage(1); // 990 = 99 % of 1000
    assertThat(g.allowPrimary()).isFalse();
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    assertThat(transitions).hasSize(1);
    UpstreamGuard.Transition t = transitions.get(0);
    assertThat(t.from()).isEqualTo(WITHIN_QUOTA);
    assertThat(t.to()).isEqualTo(QUOTA_EXCEEDED);
    assertThat(t.cause()).contains("usage 990 of 1000 in 5h reached the 99% threshold");
    assertThat(t.snapshot()).isEqualTo(new UpstreamGuard.Snapshot(QUOTA_EXCEEDED, 990, 1_000, 990, 9_900,
        Duration.ofHours(5), false, Duration.ofMinutes(5), true));
    assertThat(logged).containsExactly("INFO upstream guard 'llm': WITHIN_QUOTA -> QUOTA_EXCEEDED"
        + " (usage 990 of 1000 in 5h reached the 99% threshold; window 5h, budget 1000)");

    // Exceeded: true at most once per probe interval.
    assertThat(g.allowPrimary()).isFalse();
    clock.advanceNanos(5 * 60 * S - 1);
    assertThat(g.allowPrimary()).isFalse();
    clock.advanceNanos(1);
    assertThat(g.allowPrimary()).isTrue(); // the probe
    assertThat(g.allowPrimary()).isFalse();
    clock.advance(Duration.ofMinutes(4));
    assertThat(g.allowPrimary()).isFalse();
    clock.advance(MIN);
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
  }

  @Test
  void recoversByItselfWhenTheUsageSlidesBelowTheThreshold() {
    UpstreamGuard g = guard();
    long t0 = clock.nanos();
    g.recordUsage(989);
    clock.advance(Duration.ofMinutes(10));
    g.recordUsage(1);
    assertThat(g.allowPrimary()).isFalse();
    // The 989 count until exactly t0 + 5 h.
    clock.set(t0 + 5 * 3600 * S - 1);
    assertThat(g.usage()).isEqualTo(990);
    assertThat(g.allowPrimary()).isTrue(); // a probe: the interval has passed
    assertThat(g.allowPrimary()).isFalse();
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    clock.set(t0 + 5 * 3600 * S);
    assertThat(g.usage()).isEqualTo(1);
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    assertThat(transitions).extracting(UpstreamGuard.Transition::to)
        .containsExactly(QUOTA_EXCEEDED, WITHIN_QUOTA);
    assertThat(transitions.get(1).cause()).contains("slid below the 99% threshold");
  }

  @Test
  void aCapErrorStretchesTheProbeIntervalAndOnlyASuccessfulProbeRecovers() {
    UpstreamGuard g = guard();
    g.recordUsage(10);
    assertThat(g.allowPrimary()).isTrue();
    g.onCapError(Duration.ofMinutes(10)); // the vendor's 429, Retry-After 10 min
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    UpstreamGuard.Snapshot s = g.snapshot();
    assertThat(s.capped()).isTrue();
    assertThat(s.probeInterval()).isEqualTo(Duration.ofMinutes(11)); // max(10 min x 1.1, 5 min)
    assertThat(transitions.get(0).cause()).contains("cap error (retry after 10m); probing every 11m");
    // Usage is far below the threshold, yet there is no recovery by usage.
    clock.advance(MIN);
    assertThat(g.allowPrimary()).isFalse();
    clock.advance(Duration.ofHours(6)); // every usage slid out
    assertThat(g.usage()).isZero();
    assertThat(g.allowPrimary()).isTrue(); // only as a probe
    assertThat(g.allowPrimary()).isFalse();
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    clock.advanceNanos(11 * 60 * S - 1);
    assertThat(g.allowPrimary()).isFalse(); // 11 min between probes, not 5
    clock.advanceNanos(1);
    assertThat(g.allowPrimary()).isTrue();
    g.onPrimarySuccess();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofMinutes(5)); // back to the base
    assertThat(g.snapshot().capped()).isFalse();
    assertThat(transitions.get(1).cause()).isEqualTo("a probe succeeded");
    assertThat(g.allowPrimary()).isTrue();
  }

  @Test
  void capErrorIntervalsNeverGoBelowTheBase() {
    UpstreamGuard g = guard();
    g.onCapError(null);
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofMinutes(5));
    g.onCapError(Duration.ofMinutes(1)); // 66 s < 5 min; already exceeded: no new transition
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofMinutes(5));
    g.onCapError(Duration.ofSeconds(1_000));
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofSeconds(1_100));
    assertThat(transitions).hasSize(1);
    assertThatThrownBy(() -> g.onCapError(Duration.ofSeconds(-1)))
        .hasMessageContaining("retryAfter (PT-1S) must not be negative");
  }

  @Test
  void aCapErrorWithoutRetryAfterKeepsTheIntervalTheUpstreamAskedFor() {
    UpstreamGuard g = guard();
    g.onCapError(Duration.ofSeconds(600));
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofSeconds(660));
    g.onCapError(null);
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofSeconds(660));
    clock.advance(Duration.ofSeconds(659));
    assertThat(g.allowPrimary()).isFalse(); // not probed at the base 5 min
    clock.advance(Duration.ofSeconds(1));
    assertThat(g.allowPrimary()).isTrue();
    g.onPrimarySuccess();
    g.onCapError(null); // a fresh exceedance without a Retry-After: the base again
    assertThat(g.snapshot().probeInterval()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void thresholdsTakeFractionsOfAPercentAndUsageShowsOneDecimal() {
    UpstreamGuard g = UpstreamGuard.builder("half").budget(1_000).window(Duration.ofHours(5))
        .thresholdPercent("99.5").granularity(MIN).build(sluice);
    g.recordUsage(994);
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.snapshot().percentUsed()).isEqualTo("99.4");
    g.recordUsage(1); // 995 = 99.5 %
    assertThat(g.allowPrimary()).isFalse();
    assertThat(g.snapshot().percentUsed()).isEqualTo("99.5");
    assertThat(g.snapshot().thresholdPercent()).isEqualTo("99.5");
    assertThat(g.snapshot().thresholdBasisPoints()).isEqualTo(9_950);
    assertThat(g.toString()).contains("threshold 99.5%");

    // the threshold rounds up to whole tokens: 99.95 % of 3 tokens is 2.9985, so 3
    UpstreamGuard tiny = UpstreamGuard.builder("tiny").budget(3).window(Duration.ofHours(1))
        .thresholdPercent("99.95").build(sluice);
    tiny.recordUsage(2);
    assertThat(tiny.allowPrimary()).isTrue();
    tiny.recordUsage(1);
    assertThat(tiny.allowPrimary()).isFalse();
    assertThat(tiny.snapshot().thresholdPercent()).isEqualTo("99.95");
    assertThat(UpstreamGuard.builder("x").thresholdPercent("7.05").budget(1).window(Duration.ofHours(1))
        .build(sluice).snapshot().thresholdPercent()).isEqualTo("7.05");
  }

  @Test
  void aSuccessWithoutAProbeDoesNotRecover() {
    UpstreamGuard g = guard();
    g.onCapError(null);
    g.onPrimarySuccess(); // a call that started before the cap error finished
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    clock.advance(Duration.ofMinutes(5));
    assertThat(g.allowPrimary()).isTrue();
    g.onCapError(Duration.ofMinutes(2)); // the probe failed: still exceeded, a fresh interval
    g.onPrimarySuccess();
    assertThat(g.state()).isEqualTo(QUOTA_EXCEEDED);
    clock.advance(Duration.ofMinutes(5));
    assertThat(g.allowPrimary()).isTrue();
    g.onPrimarySuccess();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
  }

  @Test
  void aUsageExceedanceRecoversByAProbeToo() {
    UpstreamGuard g = guard();
    g.recordUsage(995);
    assertThat(g.allowPrimary()).isFalse();
    clock.advance(Duration.ofMinutes(5));
    assertThat(g.allowPrimary()).isTrue();
    g.onPrimarySuccess();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    // The usage is still above the threshold: the next call moves back.
    assertThat(g.allowPrimary()).isFalse();
    assertThat(transitions).extracting(UpstreamGuard.Transition::to)
        .containsExactly(QUOTA_EXCEEDED, WITHIN_QUOTA, QUOTA_EXCEEDED);
  }

  @Test
  void theBaselineCountsAsUsedNowForAFullWindow() {
    UpstreamGuard g = guard();
    g.loadBaseline(990);
    assertThat(g.usage()).isEqualTo(990);
    assertThat(g.allowPrimary()).isFalse();
    clock.advanceNanos(5 * 3600 * S - 1);
    assertThat(g.usage()).isEqualTo(990);
    clock.advanceNanos(1);
    assertThat(g.usage()).isZero();
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
  }

  @Test
  void twoGuardsOnOneStoreShareTheirUsage() {
    UpstreamGuard a = guard();
    UpstreamGuard b = guard();
    a.recordUsage(500);
    b.recordUsage(490);
    assertThat(a.allowPrimary()).isFalse();
    assertThat(b.allowPrimary()).isFalse();
  }

  @Test
  void disabledIsAlwaysPrimaryAndRecordsNothing() {
    UpstreamGuard g = UpstreamGuard.builder("off").budget(10).window(Duration.ofHours(1))
        .enabled(false).listener(transitions::add).build(sluice);
    g.recordUsage(1_000);
    g.loadBaseline(1_000);
    g.onCapError(Duration.ofHours(1));
    assertThat(g.allowPrimary()).isTrue();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    assertThat(g.snapshot().usage()).isZero();
    assertThat(g.snapshot().enabled()).isFalse();
    assertThat(transitions).isEmpty();
  }

  @Test
  void resetForgetsUsageAndReturnsWithin() {
    UpstreamGuard g = guard();
    g.recordUsage(2_000);
    assertThat(g.allowPrimary()).isFalse();
    assertThat(g.snapshot().percentUsed()).isEqualTo("200.0");
    g.reset();
    assertThat(g.state()).isEqualTo(WITHIN_QUOTA);
    assertThat(g.usage()).isZero();
    assertThat(g.allowPrimary()).isTrue();
    assertThat(transitions.get(1).cause()).isEqualTo("reset");
  }

  @Test
  void theUsageWindowHasBoundedMemory() {
    // 100,000 calls a second apart against 1M tokens / 5 h in 5 min buckets: at most 62 entries.
    SlidingLog log = SlidingLog.bucketed("g", 1_000_000, Duration.ofHours(5), Duration.ofMinutes(5));
    Algorithm a = Algorithm.of(log);
    long[] state = null;
    long t = 1_700_000_000L * S;
    long[] costs = new long[100_000];
    int max = 0;
    for (int i = 0; i < costs.length; i++, t += S) {
      costs[i] = 1 + (i * 7919L) % 13;
      Step step = a.step(state, t, Command.record(costs[i]));
      state = step.state();
      max = Math.max(max, state.length / 2);
      if (i % 997 != 0 && i != costs.length - 1) {
        continue;
      }
      // Conservative: the bucketed usage is at least the exact trailing-window sum, and counts
      // nothing older than window + bucket.
      long exact = 0;
      long widest = 0;
      for (int j = Math.max(0, i - 5 * 3600 - 300); j <= i; j++) {
        long age = (i - j) * S;
        if (age < 5 * 3600 * S) {
          exact += costs[j];
        }
        widest += costs[j];
      }
      assertThat(step.decision().used()).isBetween(exact, widest);
    }
    assertThat(max).isLessThanOrEqualTo(62);
    assertThat(log.maxEntries()).isEqualTo(62);
  }

  @Test
  void configurationIsValidated() {
    assertThatThrownBy(() -> UpstreamGuard.builder("").budget(1))
        .hasMessageContaining("name () must be a non-empty string");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").budget(0)).hasMessageContaining("budget (0)");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").thresholdPercent(101))
        .hasMessageContaining("thresholdPercent (101) must be within [1, 100]");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").thresholdPercent(0))
        .hasMessageContaining("thresholdPercent (0)");
    for (String bad : new String[] {"100.01", "0", "0.00", "99.555", "-1", "99,5", "", " 99", "1e2"}) {
      assertThatThrownBy(() -> UpstreamGuard.builder("x").thresholdPercent(bad))
          .hasMessageContaining("thresholdPercent (\"" + bad + "\") must be a decimal within [0.01, 100]");
    }
    assertThatThrownBy(() -> UpstreamGuard.builder("x").thresholdPercent((String) null))
        .hasMessageContaining("thresholdPercent (null)");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").probeInterval(Duration.ZERO))
        .hasMessageContaining("probeInterval (PT0S) must be positive");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").window(null))
        .hasMessageContaining("window (null) must be positive");
    // longer than an algorithm measures: refused by name, not an ArithmeticException from toNanos
    Duration ages = Duration.ofDays(365L * 300);
    assertThatThrownBy(() -> UpstreamGuard.builder("x").window(ages))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("window (" + ages + ") must be positive and at most 2^62 ns (PT1281023H53M38.427387904S)");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").probeInterval(ages))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probeInterval (" + ages + ")");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").granularity(ages))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("granularity (" + ages + ")");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").budget(5).build(sluice))
        .hasMessageContaining("window is required for guard 'x'");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").window(Duration.ofHours(1)).build(sluice))
        .hasMessageContaining("budget is required");
    assertThatThrownBy(() -> UpstreamGuard.builder("x").budget(5).window(Duration.ofHours(1))
            .granularity(Duration.ofMillis(1)).build(sluice))
        .hasMessageContaining("granularity (PT0.001S) would cut the window (PT1H) into 3600000 buckets");
    UpstreamGuard g = guard();
    assertThatThrownBy(() -> g.recordUsage(-1)).hasMessageContaining("tokens (-1) must not be negative");
    assertThatThrownBy(() -> g.loadBaseline(-2)).hasMessageContaining("tokens (-2)");
    assertThat(g.usage()).isZero();
  }

  @Test
  void humanDurations() {
    assertThat(UpstreamGuard.human(Duration.ofHours(5))).isEqualTo("5h");
    assertThat(UpstreamGuard.human(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(UpstreamGuard.human(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(UpstreamGuard.human(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(UpstreamGuard.human(Duration.ofHours(26))).isEqualTo("1d2h");
    assertThat(UpstreamGuard.human(Duration.ZERO)).isEqualTo("0s");
  }
}
