/**
 * Sluice core: policies, exact algorithms, decisions, the limiter API and the in-memory store.
 *
 * <p>{@code dev.sluice} is the API a service programs against (limiters, leases, budgets);
 * {@code dev.sluice.outbound} guards calls to upstreams (the upstream guard, the throttle
 * registry); {@code dev.sluice.spi} is what a store implementation needs (the store contract and
 * the algorithms as pure functions). Every implementation class is package-private and final.
 */
module dev.sluice.core {
  exports dev.sluice;
  exports dev.sluice.spi;
  exports dev.sluice.outbound;
}
