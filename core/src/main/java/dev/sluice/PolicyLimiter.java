package dev.sluice;

import dev.sluice.DecisionListener.Call;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import dev.sluice.spi.WaitLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A {@link Limiter} over one partition of the engine's store. */
final class PolicyLimiter implements Limiter {

  private final Sluice sluice;
  private final Partition partition;
  private final Clock clock;
  private final boolean listen;

  PolicyLimiter(Sluice sluice, Partition partition) {
    this.sluice = sluice;
    this.partition = partition;
    this.clock = sluice.clock();
    this.listen = sluice.hasListeners();
  }

  @Override
  public Policy policy() {
    return partition.policy();
  }

  @Override
  public Decision tryAcquire(String key, long cost) {
    return apply(Call.TRY_ACQUIRE, key, Command.acquire(cost));
  }

  @Override
  public Decision peek(String key, long cost) {
    return apply(Call.PEEK, key, Command.peek(cost));
  }

  @Override
  public Decision record(String key, long cost) {
    return apply(Call.RECORD, key, Command.record(cost));
  }

  @Override
  public Decision refund(String key, long cost) {
    return apply(Call.REFUND, key, Command.refund(cost));
  }

  @Override
  public void reset(String key) {
    apply(Call.RESET, key, Command.reset());
  }

  private Decision apply(Call call, String key, Command command) {
    long started = listen ? sluice.startTimer() : DecisionListener.UNTIMED;
    Decision d = partition.apply(key, command); // refuses a bad key before any change
    return listen ? sluice.notify(call, key, command.cost(), d, started) : d;
  }

  @Override
  public Decision acquire(String key, long cost, Duration maxWait) throws InterruptedException {
    Checks.key(key);
    Command refund = Command.refund(cost); // refuses a negative cost before any wait
    long deadline = WaitLoop.deadline(clock, maxWait);
    Decision d = WaitLoop.block(clock, deadline, (now, left) -> next(partition.apply(key, Command.reserve(cost, left)),
        left, () -> partition.apply(key, refund)));
    return notifyAcquire(key, cost, d);
  }

  @Override
  public CompletableFuture<Decision> acquireAsync(String key, long cost, Duration maxWait) {
    Checks.key(key);
    Command refund = Command.refund(cost); // refuses a negative cost before any wait
    long deadline = WaitLoop.deadline(clock, maxWait);
    Runnable giveBack = () -> {
      try {
        partition.applyAsync(key, refund);
      } catch (RuntimeException e) {
        // the store is closed: nothing left to give back to
      }
    };
    return WaitLoop.async(clock, deadline,
        (now, left) -> partition.applyAsync(key, Command.reserve(cost, left)).thenApply(d -> next(d, left, giveBack)),
        d -> notifyAcquire(key, cost, d));
  }

  /**
   * What a RESERVE's answer means for an acquire: a grant (maybe ahead of time), a final denial
   * (not a rate denial, or one longer than the wait left), or a wait before asking again.
   */
  private static WaitLoop.Next next(Decision d, long left, Runnable giveBack) {
    if (d.allowed()) {
      return new WaitLoop.Granted(d, giveBack);
    }
    if (d.reason() != Decision.Reason.LIMITED || d.retryAfterNanos() > left) {
      return new WaitLoop.Done(d);
    }
    return new WaitLoop.Again(d.retryAfterNanos());
  }

  private Decision notifyAcquire(String key, long cost, Decision d) {
    return listen ? sluice.notify(Call.ACQUIRE, key, cost, d) : d;
  }

  @Override
  public Charge charge(String key, long cost) {
    return new Charge(partition.policy(), key, cost);
  }

  @Override
  public String toString() {
    return "Limiter[" + partition.policy() + "]";
  }
}
