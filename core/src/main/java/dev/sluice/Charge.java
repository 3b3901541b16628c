package dev.sluice;

/**
 * One part of a multi-policy call: a policy applied to a key with a cost.
 *
 * @param policy the policy
 * @param key the key (a String of 1 to 512 characters, a boxed number, or any value with stable
 *     equals, hashCode and toString)
 * @param cost the cost, {@code >= 0}
 */
public record Charge(Policy policy, Object key, long cost) {
  public Charge {
    Checks.notNull("policy", policy);
    Checks.key(key);
    Checks.cost(cost);
  }
}
