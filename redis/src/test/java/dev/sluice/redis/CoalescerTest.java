package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The coalescer without Redis: every submitted entry is sent exactly once and answered. */
class CoalescerTest {

  @Test
  void everyEntryIsSentOnceAndAnsweredUnderConcurrentDrains() throws Exception {
    ExecutorService redis = Executors.newFixedThreadPool(2);
    AtomicLong sent = new AtomicLong();
    // A fake Redis: answers every request of a call, on another thread, as the connection would.
    Coalescer c = new Coalescer(2, 8, e -> {
      sent.addAndGet(e.keys().length);
      return CompletableFuture.supplyAsync(
          () -> new long[e.keys().length * Protocol.RESULT], redis);
    });
    int threads = 8;
    int each = 20_000;
    List<Thread> callers = new ArrayList<>();
    List<Throwable> lost = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < threads; t++) {
      int id = t;
      callers.add(new Thread(() -> {
        for (int i = 0; i < each && lost.isEmpty(); i++) {
          Request r = new Request("k" + id, "", Protocol.TOKEN_BUCKET, 0, 1, "0", new String[] {"10", "1", "1"});
          Coalescer.Pending p = c.submit(new Request[] {r});
          try {
            assertThat(p.result.get(5, TimeUnit.SECONDS)).hasSize(Protocol.RESULT);
          } catch (TimeoutException e) {
            lost.add(new AssertionError("entry " + i + " of caller " + id + " never answered"));
          } catch (Exception e) {
            lost.add(e);
          }
        }
      }));
    }
    callers.forEach(Thread::start);
    for (Thread t : callers) {
      t.join();
    }
    redis.shutdownNow();
    assertThat(lost).isEmpty();
    assertThat(sent.get()).isEqualTo((long) threads * each);
  }
}
