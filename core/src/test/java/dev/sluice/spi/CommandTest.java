package dev.sluice.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A {@link Command} takes exactly its operation's arguments and refuses bad ones when it is made,
 * naming the field and the value: the one place the arguments of {@link Partition#apply} and
 * {@link Algorithm#step} are checked.
 */
class CommandTest {

  record Refusal(String what, Supplier<Command> make, String message) {}

  @Test
  void everyFactoryRefusesItsBadArgumentsNamingFieldAndValue() {
    List<Refusal> table = List.of(
        new Refusal("acquire -1", () -> Command.acquire(-1), "cost (-1) must not be negative"),
        new Refusal("acquire MIN", () -> Command.acquire(Long.MIN_VALUE), "cost (" + Long.MIN_VALUE + ") must not be negative"),
        new Refusal("peek -1", () -> Command.peek(-1), "cost (-1) must not be negative"),
        new Refusal("reserve cost", () -> Command.reserve(-1, 5), "cost (-1) must not be negative"),
        new Refusal("reserve wait", () -> Command.reserve(1, -1), "maxWaitNanos (-1) must not be negative"),
        new Refusal("reserve wait MIN", () -> Command.reserve(1, Long.MIN_VALUE), "maxWaitNanos (" + Long.MIN_VALUE + ") must not be negative"),
        new Refusal("record", () -> Command.record(-2), "cost (-2) must not be negative"),
        new Refusal("refund", () -> Command.refund(-3), "cost (-3) must not be negative"),
        new Refusal("hold id 0", () -> Command.hold(0, 1), "id (0) must be positive"),
        new Refusal("hold id -1", () -> Command.hold(-1, 1), "id (-1) must be positive"),
        new Refusal("hold cost 0", () -> Command.hold(5, 0), "cost (0) must be positive for a hold"),
        new Refusal("hold cost -1", () -> Command.hold(5, -1), "cost (-1) must not be negative"),
        new Refusal("renew", () -> Command.renew(0), "id (0) must be positive"),
        new Refusal("release", () -> Command.release(Long.MIN_VALUE), "id (" + Long.MIN_VALUE + ") must be positive"),
        new Refusal("settle id", () -> Command.settle(-4, 1), "id (-4) must be positive"),
        new Refusal("settle cost", () -> Command.settle(4, -1), "cost (-1) must not be negative"));
    for (Refusal r : table) {
      assertThatThrownBy(r.make()::get).as(r.what())
          .isInstanceOf(IllegalArgumentException.class).hasMessage(r.message());
    }
  }

  @Test
  void eachOperationCarriesOnlyTheArgumentsItTakes() {
    assertThat(fields(Command.acquire(3))).containsExactly(Operation.ACQUIRE, 3L, 0L, 0L);
    assertThat(fields(Command.peek(0))).containsExactly(Operation.PEEK, 0L, 0L, 0L);
    assertThat(fields(Command.reserve(2, 9))).containsExactly(Operation.RESERVE, 2L, 9L, 0L);
    assertThat(fields(Command.record(Long.MAX_VALUE))).containsExactly(Operation.RECORD, Long.MAX_VALUE, 0L, 0L);
    assertThat(fields(Command.refund(4))).containsExactly(Operation.REFUND, 4L, 0L, 0L);
    assertThat(fields(Command.reset())).containsExactly(Operation.RESET, 0L, 0L, 0L);
    assertThat(fields(Command.hold(7, 2))).containsExactly(Operation.HOLD, 2L, 0L, 7L);
    assertThat(fields(Command.renew(7))).containsExactly(Operation.RENEW, 0L, 0L, 7L);
    assertThat(fields(Command.release(7))).containsExactly(Operation.RELEASE, 0L, 0L, 7L);
    assertThat(fields(Command.settle(7, 0))).containsExactly(Operation.SETTLE, 0L, 0L, 7L);
  }

  @Test
  void smallAcquiresAndPeeksAreSharedAndEqualToFreshOnes() {
    assertThat(Command.acquire(1)).isSameAs(Command.acquire(1));
    assertThat(Command.peek(63)).isSameAs(Command.peek(63));
    assertThat(Command.acquire(64)).isNotSameAs(Command.acquire(64)).isEqualTo(Command.acquire(64))
        .hasSameHashCodeAs(Command.acquire(64));
    assertThat(Command.acquire(1)).isNotEqualTo(Command.peek(1));
    assertThat(Command.reserve(1, 5)).isEqualTo(Command.reserve(1, 5)).isNotEqualTo(Command.reserve(1, 6));
    assertThat(Command.hold(5, 1)).isNotEqualTo(Command.settle(5, 1));
  }

  @Test
  void toStringNamesTheOperationAndItsArguments() {
    assertThat(Command.acquire(2)).hasToString("ACQUIRE(cost=2)");
    assertThat(Command.reserve(2, 1_000)).hasToString("RESERVE(cost=2, maxWaitNanos=1000)");
    assertThat(Command.hold(9, 3)).hasToString("HOLD(id=9, cost=3)");
    assertThat(Command.release(9)).hasToString("RELEASE(id=9)");
    assertThat(Command.reset()).hasToString("RESET");
  }

  private static List<Object> fields(Command c) {
    return List.of(c.operation(), c.cost(), c.maxWaitNanos(), c.holdId());
  }
}
