package dev.sluice.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.Budget;
import dev.sluice.Budgets;
import dev.sluice.Concurrency;
import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Leases;
import dev.sluice.Limiter;
import dev.sluice.Policy;
import dev.sluice.SlidingCounter;
import dev.sluice.SlidingLog;
import dev.sluice.TokenBucket;
import dev.sluice.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Keys and policy names come from users and are hostile input: a key means the same thing on
 * every store, two different (policy, key) pairs never share state, whatever characters they hold
 * (braces, colons, percent signs, controls, non-BMP characters), and one store holds one
 * definition per policy name.
 */
public abstract class KeysConformance extends StoreConformance {

  private static final Duration HOUR = Duration.ofHours(1);

  /**
   * Keys that an encoding which is not injective would merge: hash tags and their halves, the
   * separators and escapes a store might use, controls, a NUL, a combining sequence and its
   * precomposed form, non-BMP characters, case variants, and the longest key.
   */
  static List<String> hostileKeys() {
    Set<String> keys = new LinkedHashSet<>(List.of(
        "alice", "{alice}", "{alice", "alice}", "}alice{", "{}alice", "alice{}", "{{alice}}", "%7Balice%7D",
        "%257Balice%257D", "%", "%25", "%%", "{", "}", "{}", ":", "::", "a:b", "a:{b}", "a:%7Bb%7D", "{x}:slots",
        "x", "x:slots", "x}:slots", "{x}", "?", " ", "  ", "\u0000", "a\u0000b", "a", "\n", "\t", "\r\n",
        "\u00e9", "e\u0301", "\ud83d\ude00", "\ud83d\ude01", "\uffff", "\ufffd", "ALICE", "Alice",
        "k".repeat(512), "k".repeat(511), "\\", "\\{alice\\}", "\"alice\"", "'alice'", "alice ", " alice"));
    return new ArrayList<>(keys);
  }

  private List<Policy> limitOnePolicies(String name) {
    return List.of(
        TokenBucket.of(name + "-bucket", 1, 1, HOUR),
        FixedWindow.of(name + "-window", 1, Window.of(HOUR)),
        SlidingLog.of(name + "-log", 1, HOUR),
        SlidingCounter.of(name + "-counter", 1, HOUR));
  }

  @Test
  public void hostileKeysNeverShareState() {
    List<String> keys = hostileKeys();
    for (Policy p : limitOnePolicies("hostile")) {
      Limiter l = sluice.limiter(p);
      for (String k : keys) {
        assertThat(l.tryAcquire(k, 1).allowed()).as("%s: first request of key %s", p.name(), printable(k)).isTrue();
      }
      for (String k : keys) {
        assertThat(l.tryAcquire(k, 1).reason()).as("%s: second request of key %s", p.name(), printable(k))
            .isEqualTo(Decision.Reason.LIMITED);
      }
    }
  }

  @Test
  public void hostileKeysNeverShareLeasesOrBudgets() {
    List<String> keys = hostileKeys();
    Leases leases = sluice.leases(Concurrency.of("hostile-leases", 1, HOUR));
    Budgets budget = sluice.budget(Budget.of("hostile-budget", 1, Window.of(HOUR)));
    for (String k : keys) {
      assertThat(leases.tryAcquire(k)).as("lease of key %s", printable(k)).isPresent();
      assertThat(budget.tryReserve(k, 1)).as("reservation on key %s", printable(k)).isPresent();
    }
    for (String k : keys) {
      assertThat(leases.tryAcquire(k)).as("second lease of key %s", printable(k)).isEmpty();
      assertThat(leases.held(k)).as("slots held on key %s", printable(k)).isEqualTo(1);
      assertThat(budget.tryReserve(k, 1)).as("second reservation on key %s", printable(k)).isEmpty();
    }
  }

  /** A name and a key never combine into another (name, key) pair's state. */
  @Test
  public void policyNamesAndKeysNeverCombine() {
    String[][] pairs = {
        {"a", "b:{c}"}, {"a:b", "c"}, {"a:b:", "{c}"}, {"a", ":b:c"}, {"a:", "b:c"}, {"a:b:c", "x"},
        {"{a}", "b"}, {"a", "{b}"}, {"{a", "}b"}, {"a}", "{b"}, {"a%7D", "b"}, {"a%", "7Db"}, {"1:a", "b"},
        {"a:1", "b"},
    };
    for (String[] pair : pairs) {
      Limiter l = sluice.limiter(FixedWindow.of(pair[0], 1, Window.of(HOUR)));
      assertThat(l.tryAcquire(pair[1], 1).allowed()).as("policy %s, key %s", pair[0], pair[1]).isTrue();
    }
    for (String[] pair : pairs) {
      Limiter l = sluice.limiter(FixedWindow.of(pair[0], 1, Window.of(HOUR)));
      assertThat(l.tryAcquire(pair[1], 1).allowed()).as("again: policy %s, key %s", pair[0], pair[1]).isFalse();
    }
    // Names of every kind share no state either: "k" under six kinds of policy named alike.
    Leases leases = sluice.leases(Concurrency.of("same:{k}", 1, HOUR));
    Budgets budget = sluice.budget(Budget.of("same:{k}:slots", 1, Window.of(HOUR)));
    assertThat(leases.tryAcquire("{k}")).isPresent();
    assertThat(budget.tryReserve("k", 1)).isPresent();
    assertThat(sluice.limiter(TokenBucket.of("same", 1, 1, HOUR)).tryAcquire("{k}:slots", 1).allowed()).isTrue();
  }

  /** One name holds one kind of policy in a store: the same rule and message on every store. */
  @Test
  public void anotherKindUnderAUsedNameIsRefused() {
    TokenBucket first = TokenBucket.of("api", 10, 10, Duration.ofSeconds(1));
    Limiter l = sluice.limiter(first);
    assertThat(l.tryAcquire("k", 1).allowed()).isTrue();
    List<Policy> others = List.of(
        FixedWindow.of("api", 10, Window.of(Duration.ofSeconds(1))),
        SlidingLog.of("api", 10, Duration.ofSeconds(1)),
        SlidingCounter.of("api", 10, Duration.ofSeconds(1)));
    for (Policy other : others) {
      assertThatThrownBy(() -> sluice.limiter(other)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("policy name 'api' is already used in this store by a TokenBucket (" + first + ")")
          .hasMessageContaining("a " + other.getClass().getSimpleName() + " under the same name (" + other
              + ") is refused: one name holds one kind of state");
      assertThatThrownBy(() -> store.partition(other)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("policy name 'api' is already used");
    }
    assertThatThrownBy(() -> sluice.leases(Concurrency.of("api", 10, HOUR)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy name 'api' is already used");
    assertThatThrownBy(() -> sluice.budget(Budget.daily("api", 10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("policy name 'api' is already used");
    // The same definition again is the same policy: it shares the state.
    Limiter again = sluice.limiter(TokenBucket.of("api", 10, 10, Duration.ofSeconds(1)));
    assertThat(again.peek("k", 0).remaining()).isEqualTo(9);
    assertThat(l.tryAcquire("k", 1).remaining()).isEqualTo(8);
    // The refusals changed nothing.
    assertThat(again.peek("k", 0).remaining()).isEqualTo(8);
  }

  private static String printable(String k) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < Math.min(k.length(), 40); i++) {
      char c = k.charAt(i);
      b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04X", (int) c) : String.valueOf(c));
    }
    return b.append(k.length() > 40 ? "...'" : "'").toString();
  }
}
