package dev.sluice;

import dev.sluice.DecisionListener.Call;

import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
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
    return apply(Call.TRY_ACQUIRE, key, cost, Operation.ACQUIRE);
  }

  @Override
  public Decision peek(String key, long cost) {
    return apply(Call.PEEK, key, cost, Operation.PEEK);
  }

  @Override
  public Decision record(String key, long cost) {
    return apply(Call.RECORD, key, cost, Operation.RECORD);
  }

  @Override
  public Decision refund(String key, long cost) {
    return apply(Call.REFUND, key, cost, Operation.REFUND);
  }

  @Override
  public void reset(String key) {
    apply(Call.RESET, key, 0, Operation.RESET);
  }

  private Decision apply(Call call, String key, long cost, Operation op) {
    Decision d = partition.apply(key, cost, op, 0); // refuses a bad key or cost before any change
    return listen ? sluice.notify(call, key, cost, d) : d;
  }

  @Override
  public Decision acquire(String key, long cost, Duration maxWait) throws InterruptedException {
    Checks.key(key);
    Checks.cost(cost);
    long waitNanos = saturatedNanos(Checks.nonNegative("maxWait", maxWait));
    long deadline = saturatedAdd(clock.nanos(), waitNanos);
    for (;;) {
      long left = Math.max(0, deadline - clock.nanos());
      Decision d = partition.apply(key, cost, Operation.RESERVE, left);
      if (d.allowed()) {
        if (d.retryAfterNanos() > 0) {
          try {
            clock.sleep(d.retryAfterNanos());
          } catch (InterruptedException e) {
            partition.apply(key, cost, Operation.REFUND, 0);
            throw e;
          }
        }
        return notifyAcquire(key, cost, d.afterWait());
      }
      if (d.reason() != Decision.Reason.LIMITED || d.retryAfterNanos() > left) {
        return notifyAcquire(key, cost, d);
      }
      clock.sleep(d.retryAfterNanos());
    }
  }

  @Override
  public CompletableFuture<Decision> acquireAsync(String key, long cost, Duration maxWait) {
    Checks.key(key);
    Checks.cost(cost);
    long waitNanos = saturatedNanos(Checks.nonNegative("maxWait", maxWait));
    return new AsyncAcquire(partition, clock, key, cost, saturatedAdd(clock.nanos(), waitNanos),
        d -> notifyAcquire(key, cost, d)).start();
  }

  private Decision notifyAcquire(String key, long cost, Decision d) {
    return listen ? sluice.notify(Call.ACQUIRE, key, cost, d) : d;
  }

  @Override
  public Charge charge(String key, long cost) {
    return new Charge(partition.policy(), key, cost);
  }

  private static long saturatedNanos(Duration d) {
    return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  @Override
  public String toString() {
    return "Limiter[" + partition.policy() + "]";
  }
}
