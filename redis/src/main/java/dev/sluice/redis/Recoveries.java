package dev.sluice.redis;

/**
 * What the store did to keep deciding through Redis's own changes, since it was built. None of
 * these is a failed decision: a decision fails only if its deadline passes first.
 *
 * @param tryAgainRetries script calls sent again after TRYAGAIN (a Redis Cluster slot migration
 *     held some of the call's keys and not the others); the script had not run
 * @param topologyReloads reloads of a Redis Cluster's slot map the store started because
 *     decisions failed (0 on a standalone Redis)
 */
public record Recoveries(long tryAgainRetries, long topologyReloads) {}
