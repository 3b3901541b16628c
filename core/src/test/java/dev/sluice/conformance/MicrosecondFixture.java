package dev.sluice.conformance;

import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.ManualClock;
import dev.sluice.Policy;
import dev.sluice.spi.Command;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import java.util.List;

/**
 * The in-memory store on a microsecond timeline, to run the suite itself at the resolution Redis
 * has ({@code Microsecond*ConformanceTest}): it refuses any call not on a whole microsecond and
 * rounds every duration it answers up to whole microseconds, which is what a store computing
 * exactly on a microsecond timeline answers. So a table that strays off the microsecond grid, or
 * expects a wait a microsecond store cannot give, fails in core, before any store module runs it.
 * Its largest limit is Redis's, 2^53 - 1.
 */
final class MicrosecondFixture implements StoreFixture {
  private static final long US = 1_000;

  private static long up(long nanos) {
    if (nanos == Decision.NEVER || nanos % US == 0) {
      return nanos;
    }
    long q = nanos / US + 1;
    return q > Long.MAX_VALUE / US ? Long.MAX_VALUE : q * US;
  }

  private static Decision coarse(Decision d) {
    return Decision.of(d.policy(), d.reason(), d.used(), d.remaining(), up(d.retryAfterNanos()),
        up(d.resetAfterNanos()));
  }

  @Override
  public Store create(ManualClock clock) {
    Store exact = InMemory.builder().clock(clock).build();
    return new Store() {
      @Override
      public Partition partition(Policy policy) {
        Partition p = exact.partition(policy);
        return new Partition() {
          @Override
          public Policy policy() {
            return p.policy();
          }

          @Override
          public Decision apply(String key, Command command) {
            onGrid(clock);
            return coarse(p.apply(key, command));
          }
        };
      }

      @Override
      public dev.sluice.Clock clock() {
        return clock;
      }

      @Override
      public MultiDecision applyAll(List<Charge> charges, Operation op) {
        onGrid(clock);
        MultiDecision m = exact.applyAll(charges, op);
        return new MultiDecision(m.index(), coarse(m.decision()));
      }

      @Override
      public void close() {
        exact.close();
      }
    };
  }

  private static void onGrid(ManualClock clock) {
    if (clock.nanos() % US != 0) {
      throw new AssertionError("a call at " + clock.nanos() + " ns, off the microsecond grid");
    }
  }

  /** Redis's largest limit: its Lua numbers are doubles, exact below 2^53. */
  @Override
  public long maxLimit() {
    return (1L << 53) - 1;
  }

  @Override
  public long resolutionNanos() {
    return US;
  }

  @Override
  public String name() {
    return "in-memory at 1 µs";
  }
}
