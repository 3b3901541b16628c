package dev.sluice.spi;

/**
 * Tests that draw the operation at random: the {@link Command} an operation makes with a cost and
 * the one argument it takes (a wait for {@link Operation#RESERVE}, an id for the hold operations;
 * ignored by the others, as are the costs of the operations that take none).
 */
public final class Commands {

  private Commands() {}

  /**
   * The command of {@code op}.
   *
   * @param op the operation; not null
   * @param cost the cost, for the operations that take one
   * @param arg the wait ({@link Operation#RESERVE}) or the hold's id ({@link Operation#usesId()})
   * @return the command, its arguments checked by its factory
   */
  public static Command of(Operation op, long cost, long arg) {
    if (op == null) {
      throw new IllegalArgumentException("op must not be null");
    }
    return switch (op) {
      case ACQUIRE -> Command.acquire(cost);
      case PEEK -> Command.peek(cost);
      case RESERVE -> Command.reserve(cost, arg);
      case RECORD -> Command.record(cost);
      case REFUND -> Command.refund(cost);
      case RESET -> Command.reset();
      case HOLD -> Command.hold(arg, cost);
      case RENEW -> Command.renew(arg);
      case RELEASE -> Command.release(arg);
      case SETTLE -> Command.settle(arg, cost);
    };
  }
}
