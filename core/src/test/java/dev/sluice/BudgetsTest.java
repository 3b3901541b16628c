package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Cost budgets under contention; the single-threaded cases are in BudgetsConformance. */
class BudgetsTest {

  private static final long GIB = 1L << 30;
  private static final ZoneId PRAGUE = ZoneId.of("Europe/Prague");

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T15:00:00Z"));
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Budgets scanned = sluice.budget(Budget.daily("scanned-bytes", 50 * GIB));

  private static QuotaExceeded denial(Runnable call) {
    try {
      call.run();
    } catch (QuotaExceededException e) {
      return e.quota();
    }
    throw new AssertionError("expected a QuotaExceededException");
  }

  @Test
  void oneSharedInstanceServesEveryEndpoint() throws Exception {
    Budgets shared = sluice.budget(Budget.daily("shared", 1_000));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Integer>> admitted = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      admitted.add(pool.submit(() -> {
        int ok = 0;
        for (int i = 0; i < 500; i++) {
          var r = shared.tryReserve("k", 1);
          if (r.isPresent()) {
            r.get().settle(1);
            ok++;
          }
        }
        return ok;
      }));
    }
    int total = 0;
    for (Future<Integer> f : admitted) {
      total += f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    assertThat(total).isEqualTo(1_000);
    assertThat(shared.usage("k").used()).isEqualTo(1_000);
  }
}
