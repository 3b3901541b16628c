package dev.sluice.redis;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Command;
import dev.sluice.spi.FailureChoices;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.Failures;
import dev.sluice.spi.InMemory;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Store;
import java.util.ArrayList;
import java.util.List;

/**
 * What answers when Redis cannot decide (no answer by the deadline, the breaker open, an error, a
 * bad reply): each policy's {@link FailurePolicy} — allowed uncharged, denied until Redis is tried
 * again ({@link Breaker#retryAfterNanos}), or decided on the policy's share in a local in-memory
 * store, made on first use — with every answer counted in the store's {@link Failures}.
 */
final class Fallback implements AutoCloseable {

  private final FailureChoices failureChoices;
  private final Failures failures;
  private final Breaker breaker;
  private final Clock clock;
  private volatile Store local;

  Fallback(FailureChoices failureChoices, Failures failures, Breaker breaker, Clock clock) {
    this.failureChoices = failureChoices;
    this.failures = failures;
    this.breaker = breaker;
    this.clock = clock;
  }

  /** The failure policy that applies to {@code policy}. */
  FailurePolicy failurePolicy(Policy policy) {
    return failureChoices.of(policy);
  }

  /** The failure policy's answer to one decision of partition {@code p}. */
  Decision failed(RedisPartition p, String key, Command command) {
    FailurePolicy fp = failurePolicy(p.policy);
    failures.answered(fp.mode());
    switch (fp.mode()) {
      case OPEN:
        return open(p.policy);
      case CLOSED:
        return closed(p.policy);
      case LOCAL:
      default: {
        Policy share = p.policy.share(fp.instances()).orElse(null);
        if (share == null) {
          return closed(p.policy);
        }
        return rewrap(p.policy, local().partition(share).apply(key, command));
      }
    }
  }

  /**
   * The failure policies' answer to a multi-policy call on {@code parts}: closed if any charge's
   * policy is, else decided locally on the shares of the charges whose policy is local, else open.
   */
  MultiDecision failedAll(List<Charge> charges, RedisPartition[] parts, Operation op) {
    int n = charges.size();
    boolean anyLocal = false;
    for (int i = 0; i < n; i++) {
      FailurePolicy fp = failurePolicy(parts[i].policy);
      if (fp.mode() == FailurePolicy.Mode.CLOSED) {
        failures.answered(FailurePolicy.Mode.CLOSED);
        return new MultiDecision(i, closed(parts[i].policy));
      }
      anyLocal |= fp.mode() == FailurePolicy.Mode.LOCAL;
    }
    if (!anyLocal) {
      failures.answered(FailurePolicy.Mode.OPEN);
      return new MultiDecision(0, open(parts[0].policy));
    }
    failures.answered(FailurePolicy.Mode.LOCAL);
    List<Charge> scaled = new ArrayList<>();
    List<Integer> index = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FailurePolicy fp = failurePolicy(parts[i].policy);
      if (fp.mode() == FailurePolicy.Mode.LOCAL) {
        Policy share = parts[i].policy.share(fp.instances()).orElse(null);
        if (share == null) {
          return new MultiDecision(i, closed(parts[i].policy));
        }
        scaled.add(new Charge(share, charges.get(i).key(), charges.get(i).cost()));
        index.add(i);
      }
    }
    MultiDecision m = local().applyAll(scaled, op);
    int i = index.get(m.index());
    return new MultiDecision(i, rewrap(parts[i].policy, m.decision()));
  }

  /** A reply that says a request could not be applied ({@code code} < 0): counted as a bad state. */
  void badReply(int code, String key) {
    failures.failed(Failures.Cause.BAD_STATE, code == Protocol.E_STATE
        ? "key '" + key + "' holds a value that is not a state of its policy"
        : code == Protocol.E_REQUEST
            ? "the script could not apply the request on key '" + key + "' (refused or raised an error; it changed nothing)"
            : "calendar periods sent do not cover the Redis server's time for key '" + key + "' (clock skew of a period or more?)");
  }

  private static Decision open(Policy policy) {
    return FailurePolicy.open().answer(policy, 0);
  }

  private Decision closed(Policy policy) {
    return FailurePolicy.closed().answer(policy, breaker.retryAfterNanos());
  }

  private static Decision rewrap(Policy policy, Decision d) {
    return Decision.fallback(policy, d);
  }

  private Store local() {
    Store l = local;
    if (l == null) {
      synchronized (this) {
        l = local;
        if (l == null) {
          l = InMemory.builder().clock(clock).build();
          local = l;
        }
      }
    }
    return l;
  }

  /** Closes the local store, if one was made. */
  @Override
  public void close() {
    Store l = local;
    if (l != null) {
      l.close();
    }
  }
}
