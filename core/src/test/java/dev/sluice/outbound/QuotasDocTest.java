package dev.sluice.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Concurrency;
import dev.sluice.Lease;
import dev.sluice.Leases;
import dev.sluice.ManualClock;
import dev.sluice.QuotaExceededException;
import dev.sluice.Reservation;
import dev.sluice.Sluice;
import dev.sluice.Usage;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** docs/quotas.md's examples, on a test clock: if the API drifts, this stops compiling. */
class QuotasDocTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T15:00:00Z"));
  private final Sluice sluice = Sluice.builder().clock(clock).build();

  @Test
  void leases() {
    Leases scans = sluice.leases(Concurrency.of("scans", 5, Duration.ofMinutes(10)));
    try (Lease lease = scans.acquire("alice")) {
      assertThat(scans.held("alice")).isEqualTo(1);
      assertThat(lease.renew()).isTrue();
    }
    assertThat(scans.held("alice")).isZero();
  }

  @Test
  void budgets() {
    Budgets scanned = sluice.budget(Budget.daily("scanned-bytes", 50L << 30));
    scanned.check("alice");
    long bytes = 60L << 30;
    scanned.record("alice", bytes);
    Usage u = scanned.usage("alice");
    assertThat(u.used()).isEqualTo(60L << 30);
    assertThat(u.periodEnd()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z"));
    assertThatThrownBy(() -> scanned.check("alice"))
        .isInstanceOf(QuotaExceededException.class)
        .hasMessage("budget quota 'scanned-bytes' exceeded for key 'alice': 64424509440 of"
            + " 53687091200 used, retry after PT9H");

    try (Reservation r = scanned.reserve("bob", 10L << 30)) {
      long actual = 3L << 30;
      r.settle(actual);
    }
    assertThat(scanned.usage("bob").used()).isEqualTo(3L << 30);
    try (Reservation r = scanned.reserve("carol", 10L << 30)) {
      assertThat(scanned.usage("carol").used()).isEqualTo(10L << 30);
    }
    assertThat(scanned.usage("carol").used()).isZero();
  }

  @Test
  void upstreamGuard() {
    UpstreamGuard llm = UpstreamGuard.builder("llm")
        .budget(1_000_000).window(Duration.ofHours(5))
        .thresholdPercent(99).probeInterval(Duration.ofMinutes(5))
        .build(sluice);
    llm.loadBaseline(989_000);
    int primary = 0;
    int fallback = 0;
    for (int call = 0; call < 3; call++) {
      if (llm.allowPrimary()) {
        llm.recordUsage(600); // the vendor's reply used 600 tokens
        llm.onPrimarySuccess();
        primary++;
      } else {
        fallback++;
      }
    }
    assertThat(primary).isEqualTo(2); // 989,000 -> 989,600 -> 990,200: the wall is at 990,000
    assertThat(fallback).isEqualTo(1);
    assertThat(llm.snapshot().state()).isEqualTo(UpstreamGuard.State.QUOTA_EXCEEDED);
    llm.onCapError(null);
    assertThat(llm.snapshot().capped()).isTrue();
  }
}
