package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The deadline keeper: ends what is not done by its deadline, and nothing else. */
class DeadlinesTest {

  @Test
  void endsWhatIsNotDoneByItsDeadlineAndLeavesTheRest() throws Exception {
    try (Deadlines d = new Deadlines("test-deadlines")) {
      long now = System.nanoTime();
      CompletableFuture<String> late = new CompletableFuture<>();
      CompletableFuture<String> cancelled = new CompletableFuture<>();
      CompletableFuture<String> answered = new CompletableFuture<>();
      CompletableFuture<String> far = new CompletableFuture<>();
      d.watch(late, now + TimeUnit.MILLISECONDS.toNanos(20), false);
      d.watch(cancelled, now + TimeUnit.MILLISECONDS.toNanos(20), true);
      d.watch(answered, now + TimeUnit.MILLISECONDS.toNanos(20), false);
      d.watch(far, now + TimeUnit.MINUTES.toNanos(10), false);
      answered.complete("yes");

      // waits without a timeout of its own: the keeper ends it (bounded here only so a bug fails)
      assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
      assertThat(System.nanoTime() - now).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(20));
      assertThatThrownBy(() -> cancelled.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
      assertThat(answered.get()).isEqualTo("yes");
      assertThat(far).isNotDone();
    }
  }

  @Test
  void endSlotsEndsTheCallsOnMovedSlotsNowAndNothingElse() {
    try (Deadlines d = new Deadlines("test-deadlines")) {
      long far = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      CompletableFuture<String> moved = new CompletableFuture<>();
      CompletableFuture<String> stays = new CompletableFuture<>();
      CompletableFuture<String> standalone = new CompletableFuture<>();
      CompletableFuture<String> answered = new CompletableFuture<>();
      d.watch(moved, far, true, 7);
      d.watch(stays, far, true, 8);
      d.watch(standalone, far, true);
      d.watch(answered, far, true, 7);
      answered.complete("yes");
      java.util.BitSet slots = new java.util.BitSet();
      slots.set(7);
      slots.set(100);

      assertThat(d.endSlots(slots)).isEqualTo(1);
      assertThat(moved).isCancelled();
      assertThat(stays).isNotDone();
      assertThat(standalone).isNotDone();
      assertThat(answered).isCompletedWithValue("yes");
    }
  }

  @Test
  void keepsUpWithManyCallersAndWakesFromIdle() throws Exception {
    try (Deadlines d = new Deadlines("test-deadlines")) {
      Thread.sleep(150); // past the idle sleep: the next watch must wake it
      List<CompletableFuture<Object>> open = new ArrayList<>();
      List<CompletableFuture<Object>> done = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < 10_000; i++) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        d.watch(f, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30), false);
        if (i % 2 == 0) {
          f.complete(i);
          done.add(f);
        } else {
          open.add(f);
        }
      }
      for (CompletableFuture<Object> f : open) {
        assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
      }
      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(30));
      for (CompletableFuture<Object> f : done) {
        assertThat(f).isCompletedWithValueMatching(v -> v instanceof Integer);
      }
    }
  }

  @Test
  void closingEndsWhatIsStillWatchedAndWhatComesAfter() {
    Deadlines d = new Deadlines("test-deadlines");
    CompletableFuture<Object> waiting = new CompletableFuture<>();
    d.watch(waiting, System.nanoTime() + TimeUnit.MINUTES.toNanos(10), false);
    d.close();
    assertThat(waiting).isCompletedExceptionally();
    CompletableFuture<Object> after = new CompletableFuture<>();
    d.watch(after, System.nanoTime() + TimeUnit.MINUTES.toNanos(10), true);
    assertThat(after).isCancelled();
  }
}
