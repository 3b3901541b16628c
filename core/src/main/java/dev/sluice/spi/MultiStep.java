package dev.sluice.spi;

import dev.sluice.Decision;

/**
 * The multi-policy rule every store applies to a {@link Store#applyAll} call, written once: step
 * every charge's state, then write the new states only if every charge admits and the operation
 * writes ({@link Operation#ACQUIRE}; a {@link Operation#PEEK} writes nothing), and answer with the
 * most restrictive decision ({@link MultiDecision#mostRestrictive}). How a store reads and locks
 * the states, and at which time each is stepped, is its own; this is the part that must not differ.
 */
public final class MultiStep {

  /**
   * One charge's step, by its index in the call.
   *
   * @param <E1> what reading a state may throw
   * @param <E2> what else reading a state may throw
   */
  @FunctionalInterface
  public interface Charges<E1 extends Exception, E2 extends Exception> {
    /**
     * Steps charge {@code i}.
     *
     * @param i the charge's index, 0 to n - 1
     * @return the step, its decision already as seen at the store's clock ({@link Step#later})
     * @throws E1 if its state cannot be read
     * @throws E2 if its state cannot be read
     */
    Step step(int i) throws E1, E2;
  }

  private final Step[] steps;
  private final boolean write;
  private final MultiDecision decision;

  private MultiStep(Step[] steps, boolean write, MultiDecision decision) {
    this.steps = steps;
    this.write = write;
    this.decision = decision;
  }

  /**
   * Steps charges 0 to {@code n - 1}, in order.
   *
   * @param n how many charges
   * @param op the call's operation
   * @param charges steps one charge
   * @param <E1> what stepping a charge may throw
   * @param <E2> what else stepping a charge may throw
   * @return the steps, whether to write them, and the call's decision
   * @throws E1 as {@code charges} does
   * @throws E2 as {@code charges} does
   */
  public static <E1 extends Exception, E2 extends Exception> MultiStep apply(
      int n, Operation op, Charges<E1, E2> charges) throws E1, E2 {
    Step[] steps = new Step[n];
    Decision[] decisions = new Decision[n];
    boolean all = true;
    for (int i = 0; i < n; i++) {
      steps[i] = charges.step(i);
      decisions[i] = steps[i].decision();
      all &= decisions[i].allowed();
    }
    return new MultiStep(steps, all && op == Operation.ACQUIRE, MultiDecision.mostRestrictive(decisions));
  }

  /**
   * The command one charge of a {@link Store#applyAll} call applies.
   *
   * @param op the call's operation: {@link Operation#ACQUIRE} or {@link Operation#PEEK}, as
   *     {@link Args#charges} checks it
   * @param cost the charge's cost
   * @return {@link Command#acquire} or {@link Command#peek} of {@code cost}
   */
  public static Command command(Operation op, long cost) {
    return op == Operation.ACQUIRE ? Command.acquire(cost) : Command.peek(cost);
  }

  /**
   * Whether the new states are to be written: every charge admitted an {@link Operation#ACQUIRE}.
   *
   * @return true to write every charge's new state, false to keep every old one
   */
  public boolean write() {
    return write;
  }

  /**
   * Charge {@code i}'s step.
   *
   * @param i the charge's index
   * @return its step
   */
  public Step step(int i) {
    return steps[i];
  }

  /**
   * The call's decision: the most restrictive charge's, with its index.
   *
   * @return the decision
   */
  public MultiDecision decision() {
    return decision;
  }
}
