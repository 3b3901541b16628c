package dev.sluice.spi;

import dev.sluice.Policy;
import java.util.HashMap;
import java.util.Map;

/**
 * A store's failure choices: one per policy name, and the defaults for the rest
 * ({@link FailurePolicy#defaultFor}: open for rates, closed for quotas) unless the operator set
 * one for all. Immutable; built by the store's builder through {@link Builder}, so every store
 * takes the same settings with the same messages.
 */
public final class FailureChoices {

  private final FailurePolicy all;
  private final Map<String, FailurePolicy> named;

  private FailureChoices(FailurePolicy all, Map<String, FailurePolicy> named) {
    this.all = all;
    this.named = Map.copyOf(named);
  }

  /**
   * The choice for {@code policy}: its name's, else the one set for all, else its default.
   *
   * @param policy the policy; not null
   * @return the choice
   */
  public FailurePolicy of(Policy policy) {
    FailurePolicy p = named.get(policy.name());
    if (p != null) {
      return p;
    }
    return all != null ? all : FailurePolicy.defaultFor(policy);
  }

  /** {@return whether any choice is {@link FailurePolicy.Mode#LOCAL}} */
  public boolean anyLocal() {
    if (all != null && all.mode() == FailurePolicy.Mode.LOCAL) {
      return true;
    }
    for (FailurePolicy p : named.values()) {
      if (p.mode() == FailurePolicy.Mode.LOCAL) {
        return true;
      }
    }
    return false;
  }

  /** Settings, as a store's builder collects them. */
  public static final class Builder {
    private FailurePolicy all;
    private final Map<String, FailurePolicy> named = new HashMap<>();
    private final boolean localAllowed;
    private final String store;

    /**
     * @param store the store, for messages (e.g. "the SQLite store")
     * @param localAllowed whether {@link FailurePolicy#local} means something for this store
     *     (a store shared by instances); if not, it is refused with a message saying why
     */
    public Builder(String store, boolean localAllowed) {
      this.store = store;
      this.localAllowed = localAllowed;
    }

    /**
     * The choice of every policy not named in {@link #named}; the defaults unless set.
     *
     * @param policy the choice; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code policy} is null, or local where this store does
     *     not allow it
     */
    public Builder all(FailurePolicy policy) {
      this.all = check("failure policy", policy);
      return this;
    }

    /**
     * The choice of the policy named {@code policyName}; a later call for the same name replaces
     * it.
     *
     * @param policyName the policy's name; not null or empty
     * @param policy the choice; not null
     * @return this builder
     * @throws IllegalArgumentException if {@code policyName} is null or empty, {@code policy} is
     *     null, or local where this store does not allow it
     */
    public Builder named(String policyName, FailurePolicy policy) {
      if (policyName == null || policyName.isEmpty()) {
        throw new IllegalArgumentException("policyName must not be null or empty");
      }
      named.put(policyName, check("failure policy of '" + policyName + "'", policy));
      return this;
    }

    private FailurePolicy check(String what, FailurePolicy policy) {
      if (policy == null) {
        throw new IllegalArgumentException(what + " must not be null");
      }
      if (policy.mode() == FailurePolicy.Mode.LOCAL && !localAllowed) {
        throw new IllegalArgumentException(what + " (" + policy + ") is a local share of a limit shared"
            + " by several instances; " + store + " is not shared, so only open() and closed() apply");
      }
      return policy;
    }

    /** {@return the choices as set so far, immutable} */
    public FailureChoices build() {
      return new FailureChoices(all, named);
    }
  }
}
