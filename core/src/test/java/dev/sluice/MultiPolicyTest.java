package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One atomic call over several (policy, key) pairs: all charged, or none. */
class MultiPolicyTest {

  private static final long S = 1_000_000_000L;
  private final ManualClock clock = new ManualClock(1_700_000_020L * S);
  private final Sluice sluice = Sluice.builder().clock(clock).build();
  private final Limiter perUser = sluice.limiter(TokenBucket.of("user", 3, 1, Duration.ofSeconds(1)));
  private final Limiter perOrg = sluice.limiter(FixedWindow.of("org", 5, Window.of(Duration.ofMinutes(1))));
  private final Limiter global = sluice.limiter(SlidingLog.of("global", 100, Duration.ofMinutes(1)));

  @Test
  void allAdmitAndAllAreChargedNamingTheLeastRemaining() {
    Decision d = sluice.tryAcquireAll(perUser.charge("alice", 2), perOrg.charge("acme", 2), global.charge("all", 2));
    assertThat(d.allowed()).isTrue();
    assertThat(d.policy().name()).isEqualTo("user");
    assertThat(d.remaining()).isEqualTo(1);
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(1);
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(3);
    assertThat(global.peek("all", 0).remaining()).isEqualTo(98);
  }

  @Test
  void oneDenialChargesNothing() {
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
  void theDenialWithTheLongestRetryAfterDecides() {
    perUser.tryAcquire("alice", 3);   // next token in 1 s
    perOrg.tryAcquire("acme", 5);     // window ends in 20 s
    Decision d = sluice.tryAcquireAll(perUser.charge("alice", 1), perOrg.charge("acme", 1));
    assertThat(d.policy().name()).isEqualTo("org");
    assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(20));
    assertThat(sluice.peekAll(List.of(perUser.charge("alice", 1))).retryAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void theSamePairTwiceIsRefused() {
    assertThatThrownBy(() -> sluice.tryAcquireAll(perUser.charge("alice", 1), perUser.charge("alice", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy 'user' and key 'alice' twice");
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
  }

  @Test
  void peekAllChargesNothing() {
    Decision d = sluice.peekAll(List.of(perUser.charge("alice", 3), perOrg.charge("acme", 5)));
    assertThat(d.allowed()).isTrue();
    assertThat(perUser.peek("alice", 0).remaining()).isEqualTo(3);
    assertThat(perOrg.peek("acme", 0).remaining()).isEqualTo(5);
  }
}
