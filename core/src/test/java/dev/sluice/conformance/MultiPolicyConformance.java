package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Charge;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.Sluice;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One atomic call over several (policy, key) pairs: all charged, or none; the decision names the
 * most restrictive charge (the denial with the longest retryAfter, or, when all admit, the least
 * remaining, ties to the first), and listeners hear that charge's key, also when one policy
 * appears with several keys.
 */
public abstract class MultiPolicyConformance extends StoreConformance {

  protected Limiter perUser;
  protected Limiter perOrg;
  protected Limiter global;

  /** 20 s before a minute ends: the "org" window ends 20 s after the clock starts. */
  @Override
  protected long start() {
    return T0 + 20 * S;
  }

  @BeforeEach
  public final void limiters() {
    perUser = sluice.limiter(TokenBucket.of("user", 3, 1, Duration.ofSeconds(1)));
    perOrg = sluice.limiter(FixedWindow.of("org", 5, Window.of(Duration.ofMinutes(1))));
    global = sluice.limiter(SlidingLog.of("global", 100, Duration.ofMinutes(1)));
  }

  /** An engine on the test's store that tells {@code heard} the key of every decision. */
  private Sluice listening(List<String> heard) {
    return engine(clock, store, (op, key, cost, d) -> heard.add(op + " " + key + " " + d.reason()));
  }

  @Test
  public void allAdmitAndAllAreChargedNamingTheLeastRemaining() {
    Decision d = sluice.tryAcquireAll(perUser.charge("alice", 2), perOrg.charge("acme", 2), global.charge("all", 2));
    assertThat(d.allowed()).isTrue();
    assertThat(d.policy().name()).isEqualTo("user");
    assertThat(d.remaining()).isEqualTo(1);
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(1);
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(3);
    assertThat(global.peek("all", 0).remaining()).isEqualTo(98);
  }

  @Test
  public void oneDenialChargesNothing() {
    perOrg.tryAcquire("acme", 4);
    Decision d = sluice.tryAcquireAll(perUser.charge("alice", 2), perOrg.charge("acme", 2), global.charge("all", 2));
    assertThat(d.allowed()).isFalse();
    assertThat(d.policy().name()).isEqualTo("org");
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(1);
    assertThat(global.peek("all", 0).remaining()).isEqualTo(100);
  }

  @Test
  public void theDenialWithTheLongestRetryAfterDecides() {
    perUser.tryAcquire("alice", 3);   // next token in 1 s
    perOrg.tryAcquire("acme", 5);     // window ends in 20 s
    Decision d = sluice.tryAcquireAll(perUser.charge("alice", 1), perOrg.charge("acme", 1));
    assertThat(d.policy().name()).isEqualTo("org");
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(sluice.peekAll(List.of(perUser.charge("alice", 1))).retryAfter()).isEqualTo(Duration.ofSeconds(1));
    // A cost no policy can ever admit decides over any finite wait, and charges nothing.
    Decision never = sluice.tryAcquireAll(perOrg.charge("acme", 1), perUser.charge("bob", 4), global.charge("all", 1));
    assertThat(never.reason()).isEqualTo(Decision.Reason.COST_EXCEEDS_LIMIT);
    assertThat(never.policy().name()).isEqualTo("user");
    assertThat(never.retryAfterNanos()).isEqualTo(NEVER);
    assertThat(global.peek("all", 0).remaining()).isEqualTo(100);
    assertThat(perUser.peek("bob", 0).remaining()).isEqualTo(3);
  }

  @Test
  public void theSamePairTwiceIsRefused() {
    assertThatThrownBy(() -> sluice.tryAcquireAll(perUser.charge("alice", 1), perUser.charge("alice", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy 'user' and key 'alice' twice");
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
  }

  @Test
  public void peekAllChargesNothing() {
    Decision d = sluice.peekAll(List.of(perUser.charge("alice", 3), perOrg.charge("acme", 5)));
    assertThat(d.allowed()).isTrue();
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(5);
    // A denying peekAll decides as tryAcquireAll would, and charges nothing either.
    perOrg.tryAcquire("acme", 4);
    List<Charge> charges = List.of(perUser.charge("alice", 1), perOrg.charge("acme", 2), global.charge("all", 1));
    Decision peek = sluice.peekAll(charges);
    assertThat(peek.allowed()).isFalse();
    assertThat(peek.policy().name()).isEqualTo("org");
    assertThat(sluice.peekAll(charges)).isEqualTo(peek);
    assertThat(sluice.tryAcquireAll(charges)).isEqualTo(peek);
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
    assertThat(global.peek("all", 0).remaining()).isEqualTo(100);
  }

  @Test
  public void onePolicyWithSeveralKeysNamesTheDecidingKey() {
    List<String> heard = new ArrayList<>();
    Sluice s = listening(heard);
    perUser.tryAcquire("bob", 3); // bob is out of tokens for 1 s
    Decision d = s.tryAcquireAll(perUser.charge("alice", 1), perUser.charge("bob", 1), perUser.charge("carol", 1));
    assertThat(d.allowed()).isFalse();
    assertThat(d.policy().name()).isEqualTo("user");
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(heard).containsExactly("TRY_ACQUIRE_ALL bob LIMITED");
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
    assertThat(perUser.peek("carol", 0).remaining()).isEqualTo(3);
    // All admit: the least remaining decides (carol, who had spent one), ties go to the first.
    clock.advance(Duration.ofSeconds(3)); // bob's bucket is full again
    perUser.tryAcquire("carol", 1);
    heard.clear();
    Decision all = s.tryAcquireAll(perUser.charge("alice", 1), perUser.charge("bob", 1), perUser.charge("carol", 1));
    assertThat(all.allowed()).isTrue();
    assertThat(all.remaining()).isEqualTo(1);
    Decision tie = s.peekAll(List.of(perUser.charge("dave", 2), perUser.charge("erin", 2), perOrg.charge("acme", 1)));
    assertThat(tie.remaining()).isEqualTo(1);
    assertThat(heard).containsExactly("TRY_ACQUIRE_ALL carol ALLOWED", "PEEK_ALL dave ALLOWED");
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(2);
    assertThat(perUser.peek("bob", 0).remaining()).isEqualTo(2);
    assertThat(perUser.peek("carol", 0).remaining()).isEqualTo(1);
    assertThat(perUser.peek("dave", 0).remaining()).isEqualTo(3);
  }

  /** Every policy a limiter takes, in one call: all charged; then one denial charges none. */
  @Test
  public void everyPolicyTypeInOneCall() {
    Duration ten = Duration.ofSeconds(10);
    List<Policy> policies = List.of(
        TokenBucket.of("bucket", 5, 1, Duration.ofSeconds(1)),
        TokenBucket.of("bucket-thirds", 5, 3, Duration.ofSeconds(1)),
        FixedWindow.of("window", 5, Window.of(ten)),
        FixedWindow.of("prague-day", 5, Window.day(ZoneId.of("Europe/Prague"))),
        SlidingLog.of("log", 5, ten),
        SlidingLog.bucketed("buckets", 5, ten, Duration.ofSeconds(1)),
        SlidingCounter.of("counter", 5, ten),
        Budget.of("budget", 5, Window.of(ten)));
    List<Charge> charges = new ArrayList<>();
    for (int i = 0; i < policies.size(); i++) {
      charges.add(new Charge(policies.get(i), "k", 1 + i % 2));
    }
    Decision d = sluice.tryAcquireAll(charges);
    assertThat(d.allowed()).isTrue();
    assertThat(d.remaining()).isEqualTo(3);
    assertThat(d.policy()).isEqualTo(policies.get(1)); // the first with 3 left
    for (int i = 0; i < policies.size(); i++) {
      assertThat(sluice.limiter(policies.get(i)).peek("k", 0).remaining()).as(policies.get(i).name())
          .isEqualTo(4 - i % 2);
    }
    // The log is used up by a single call; now the multi-policy call fails and charges nobody.
    sluice.limiter(policies.get(4)).tryAcquire("k", 4);
    Decision denied = sluice.tryAcquireAll(charges);
    assertThat(denied.reason()).isEqualTo(Decision.Reason.LIMITED);
    assertThat(denied.policy()).isEqualTo(policies.get(4));
    assertThat(denied.retryAfter()).isEqualTo(ten);
    for (int i = 0; i < policies.size(); i++) {
      if (i != 4) {
        assertThat(sluice.limiter(policies.get(i)).peek("k", 0).remaining()).as(policies.get(i).name())
            .isEqualTo(4 - i % 2);
      }
    }
    // Fresh keys stay fresh when the call is denied.
    List<Charge> mixed = List.of(new Charge(policies.get(0), "fresh", 5), new Charge(policies.get(4), "k", 1));
    assertThat(sluice.tryAcquireAll(mixed).allowed()).isFalse();
    assertThat(sluice.limiter(policies.get(0)).peek("fresh", 0).remaining()).isEqualTo(5);
  }
}
