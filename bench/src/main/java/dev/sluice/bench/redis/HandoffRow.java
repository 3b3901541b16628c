package dev.sluice.bench.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Context, no Redis: each caller hands its "decision" to one thread that completes it at once, and
 * blocks on the future as the other rows block on Lettuce's. What is left is the cost of 64
 * blocking callers on this machine (a future, a queue, parking and waking a thread): the most
 * decisions per second any row of this harness can reach, whatever Redis and the client library
 * cost. Not a Redis row; no target rests on it.
 */
final class HandoffRow implements RedisRow {

  @Override
  public String id() {
    return "handoff";
  }

  @Override
  public String title() {
    return "_context:_ no Redis: hand-off to one completing thread (the harness's ceiling)";
  }

  @Override
  public boolean context() {
    return true;
  }

  @Override
  public Session open(String uri, int keys) {
    LinkedBlockingQueue<CompletableFuture<Integer>> queue = new LinkedBlockingQueue<>();
    Thread completer = new Thread(() -> {
      List<CompletableFuture<Integer>> batch = new ArrayList<>();
      try {
        for (;;) {
          batch.add(queue.take());
          queue.drainTo(batch);
          for (CompletableFuture<Integer> f : batch) {
            f.complete(Session.ADMITTED);
          }
          batch.clear();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "handoff-completer");
    completer.setDaemon(true);
    completer.start();
    return new Session() {
      @Override
      public int tryAcquire(int key) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        queue.add(f);
        try {
          return f.get();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }

      @Override
      public void close() {
        completer.interrupt();
      }
    };
  }
}
