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

  /**
   * A batch Redis never answers (its node died) held its in-flight place forever: with both
   * places taken, every later decision on the slot waited in the queue until its deadline.
   */
  @Test
  void aBatchNobodyWaitsForIsCancelledAndGivesItsPlaceBack() throws Exception {
    List<CompletableFuture<long[]>> commands = Collections.synchronizedList(new ArrayList<>());
    Coalescer c = unanswered(2, commands);
    Request r = request();
    Coalescer.Pending first = c.submit(new Request[] {r});
    Coalescer.Pending second = c.submit(new Request[] {r});
    Coalescer.Pending queued = c.submit(new Request[] {r});
    assertThat(commands).hasSize(2); // both places taken, the third waits in the queue
    // the callers' deadlines pass (Deadlines fails their futures) and they give up
    for (Coalescer.Pending p : List.of(first, second)) {
      p.result.completeExceptionally(new TimeoutException("deadline passed"));
      p.abandon();
    }
    assertThat(commands).hasSize(3); // the queued caller went out on a freed place
    assertThat(commands.subList(0, 2)).allMatch(CompletableFuture::isCancelled);
    assertThat(queued.state.get()).isEqualTo(Coalescer.Pending.SENT);
  }

  @Test
  void aBatchIsCancelledOnlyWhenItsLastCallerGivesUp() {
    List<CompletableFuture<long[]>> commands = Collections.synchronizedList(new ArrayList<>());
    Coalescer c = unanswered(1, commands);
    Request r = request();
    Coalescer.Pending lead = c.submit(new Request[] {r}); // goes alone
    Coalescer.Pending a = c.submit(new Request[] {r});
    Coalescer.Pending b = c.submit(new Request[] {r});
    lead.result.completeExceptionally(new TimeoutException("deadline passed"));
    assertThat(commands).hasSize(2); // a and b went together
    a.result.completeExceptionally(new TimeoutException("deadline passed"));
    assertThat(commands.get(1).isCancelled()).isFalse(); // b still waits for it
    commands.get(1).complete(new long[2 * Protocol.RESULT]);
    assertThat(b.result).isCompletedWithValueMatching(v -> v.length == Protocol.RESULT);
  }

  /**
   * A slot moved to another node: the batches sent to the old one are cancelled at once, their
   * callers answered (as at a deadline), and the queued decisions go out on the freed places.
   */
  @Test
  void cancelInFlightAnswersTheStaleBatchesAndSendsTheQueuedOnes() {
    List<CompletableFuture<long[]>> commands = Collections.synchronizedList(new ArrayList<>());
    Coalescer c = unanswered(2, commands);
    Request r = request();
    Coalescer.Pending first = c.submit(new Request[] {r});
    Coalescer.Pending second = c.submit(new Request[] {r});
    Coalescer.Pending queued = c.submit(new Request[] {r});
    assertThat(commands).hasSize(2);

    assertThat(c.cancelInFlight()).isEqualTo(2);
    assertThat(first.result).isCompletedExceptionally();
    assertThat(second.result).isCompletedExceptionally();
    assertThat(commands.subList(0, 2)).allMatch(CompletableFuture::isCancelled);
    assertThat(commands).hasSize(3); // the queued caller went out, to the slot's new node
    assertThat(queued.state.get()).isEqualTo(Coalescer.Pending.SENT);
    assertThat(queued.result).isNotDone();
    commands.get(2).complete(new long[Protocol.RESULT]);
    assertThat(queued.result).isCompletedWithValueMatching(v -> v.length == Protocol.RESULT);
    assertThat(c.cancelInFlight()).isZero(); // nothing left outstanding
  }

  /**
   * A coalescer of {@code maxInFlight} places on a node that never answers by itself: each batch
   * sent is added to {@code commands} as a future the test completes, fails or sees cancelled.
   */
  private static Coalescer unanswered(int maxInFlight, List<CompletableFuture<long[]>> commands) {
    return new Coalescer(maxInFlight, 8, e -> {
      CompletableFuture<long[]> pending = new CompletableFuture<>();
      commands.add(pending);
      return pending;
    });
  }

  /** An acquire of 1 on key {@code k} of a 10-token bucket. */
  private static Request request() {
    return new Request("k", "", Protocol.TOKEN_BUCKET, 0, 1, "0", new String[] {"10", "1", "1"});
  }
}
