package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Command;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * After a commit the writer wakes one caller and each woken caller wakes two more: every caller
 * still waiting must wake, including those below callers that gave up (their wake-ups fall to
 * their waker).
 */
class WakeTreeTest {

  @Test
  void everyWaitingCallerWakesWhateverGaveUpAboveIt() throws Exception {
    for (int size : new int[] {1, 2, 3, 7, 31, 64}) {
      for (long pattern : new long[] {0, 1, 0b101, 0b1111, -1L >>> 1, 0x5555_5555_5555_5555L}) {
        check(size, pattern);
      }
    }
  }

  /** A batch of {@code size} calls; call i gave up if bit i of {@code gaveUp} is set. */
  private static void check(int size, long gaveUp) throws Exception {
    List<Call> batch = new ArrayList<>();
    CountDownLatch made = new CountDownLatch(size);
    AtomicInteger woken = new AtomicInteger();
    int waiting = 0;
    List<Thread> threads = new ArrayList<>();
    Call[] calls = new Call[size];
    for (int i = 0; i < size; i++) {
      boolean givesUp = (gaveUp >>> i & 1) == 1;
      waiting += givesUp ? 0 : 1;
      int n = i;
      Thread t = new Thread(() -> {
        calls[n] = new Call.Apply(new Ticket<>(), null, "k" + n, Command.acquire(1));
        made.countDown();
        if (givesUp) {
          assertThat(calls[n].ticket().await(1)).isFalse(); // its thread is gone before the batch finishes
        } else if (calls[n].ticket().await(60_000_000_000L)) {
          woken.incrementAndGet();
        }
      });
      threads.add(t);
      t.start();
    }
    made.await();
    for (int i = 0; i < size; i++) {
      if ((gaveUp >>> i & 1) == 1) {
        threads.get(i).join(); // gave up first
      }
      batch.add(calls[i]);
    }
    Ticket.finishAll(batch, c -> { });
    for (Thread t : threads) {
      t.join(10_000);
      // A caller nobody woke would sleep out its 60 s wait (and then find its call done).
      assertThat(t.isAlive()).as("batch of %d, gave up %s: a caller was not woken", size, Long.toBinaryString(gaveUp))
          .isFalse();
    }
    assertThat(woken.get()).as("batch of %d, gave up %s", size, Long.toBinaryString(gaveUp)).isEqualTo(waiting);
  }
}
