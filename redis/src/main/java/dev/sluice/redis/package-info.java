/**
 * A {@link dev.sluice.spi.Store} in Redis, standalone or Cluster: every decision is one atomic
 * Lua script call, the twin of the core's pure algorithm. See docs/redis.md.
 */
package dev.sluice.redis;
