package dev.sluice.server.settings;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One Redis server or cluster, from envoyproxy/ratelimit's {@code REDIS_*} variables (or their
 * {@code REDIS_PERSECOND_*} twins), as Lettuce URIs for Sluice's Redis store
 * ({@code RedisStore.standalone(uris.get(0))} or {@code RedisStore.cluster(uris)}).
 *
 * <p>Each URI is {@code redis://} ({@code rediss://} with {@code REDIS_TLS}), with the
 * credentials of {@code REDIS_AUTH} ({@code password} or {@code user:password}) or else those in
 * {@code REDIS_URL}, the URL's database if any, and {@code verifyPeer=CA} with
 * {@code REDIS_TLS_SKIP_HOSTNAME_VERIFICATION}. {@link #toString()} masks the credentials.
 *
 * @param type {@code REDIS_TYPE}, default {@code SINGLE}
 * @param uris one URI for {@link Type#SINGLE}; one per node of {@code REDIS_URL} for
 *     {@link Type#CLUSTER}; they hold the password
 * @param connectTimeout {@code REDIS_TIMEOUT}, default 10s: how long connecting may take; zero
 *     leaves the store's default
 * @param healthCheckActiveConnection {@code REDIS_HEALTH_CHECK_ACTIVE_CONNECTION}, default false:
 *     the server is unhealthy while the store has no connection
 */
public record RedisSettings(Type type, List<String> uris, Duration connectTimeout,
    boolean healthCheckActiveConnection) {

  /**
   * Checks and copies the components.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code uris} is empty, or has several for {@link Type#SINGLE}
   */
  public RedisSettings {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    uris = List.copyOf(uris);
    if (uris.isEmpty() || type == Type.SINGLE && uris.size() != 1) {
      throw new IllegalArgumentException("uris must hold one URI for SINGLE, at least one for CLUSTER (was "
          + uris.size() + " for " + type + ")");
    }
  }

  /**
   * This value with the credentials masked, for logs.
   *
   * @return the components, each URI's credentials shown as {@code *****}
   */
  @Override
  public String toString() {
    return "RedisSettings[type=" + type + ", uris=" + uris.stream().map(Reader::maskUrl).toList()
        + ", connectTimeout=" + connectTimeout + ", healthCheckActiveConnection=" + healthCheckActiveConnection + "]";
  }

  /** How Redis is deployed: {@code REDIS_TYPE}, any case. */
  public enum Type {
    /** {@code SINGLE}: one server (or a proxy in front of several). */
    SINGLE,
    /** {@code CLUSTER}: a Redis Cluster, given some of its nodes. */
    CLUSTER
  }
}
