package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Algorithm;
import dev.sluice.spi.Command;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The sliding log's memory bound, on the pure algorithm. Its timelines, which every store shares,
 * are in {@code dev.sluice.conformance.SlidingLogConformance}.
 */
class SlidingLogMemoryTest {

  private static final long S = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final long T0 = 1_700_000_000L * S;

  @Test
  void oneKeysLogHoldsAtMostLimitEntries() {
    // SlidingLogAlgorithm's essay: "a record that finds limit live entries merges into the newest
    // one, moved up to now ... So a key holds at most limit entries; SlidingLog caps the limit to
    // bound that memory". Checked on the pure algorithm, whose state is what a store keeps.
    SlidingLog p = SlidingLog.of("log", 3, Duration.ofSeconds(10));
    Algorithm a = Algorithm.of(p);
    long[] state = null;
    for (int i = 0; i < 50; i++) {
      state = a.step(state, T0 + i * MS, Command.acquire(1)).state();
      assertThat(state.length / 2).as("entries after %d acquisitions", i + 1).isLessThanOrEqualTo(3);
    }
    // Post-hoc usage recorded at distinct instants within one window: merged, never dropped.
    for (int i = 0; i < 100; i++) {
      state = a.step(state, T0 + (100 + i) * MS, Command.record(1)).state();
      assertThat(state.length / 2).as("entries after %d records of cost 1", i + 1).isLessThanOrEqualTo(3);
      long logged = 0;
      for (int j = 1; j < state.length; j += 2) {
        logged += state[j];
      }
      assertThat(logged).as("cost logged after %d records", i + 1).isEqualTo(3 + i + 1);
    }
    // The merged entry moved up to the last record: it counts until that record is W old.
    long last = T0 + 199 * MS;
    assertThat(state[state.length - 2]).isEqualTo(last);
    assertThat(a.step(state, last, Command.peek(0)).decision().resetAfterNanos()).isEqualTo(10 * S);
  }
}
