package dev.sluice.server.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One Redis server, cluster or Sentinel-watched master, from envoyproxy/ratelimit's
 * {@code REDIS_*} variables (or their {@code REDIS_PERSECOND_*} twins), as Lettuce URIs for
 * Sluice's Redis store ({@code RedisStore.standalone(uris.get(0))}, with
 * {@code sentinelCredentials(sentinelUsername, sentinelPassword)} when a sentinel password is set,
 * or {@code RedisStore.cluster(uris)}).
 *
 * <p>For {@link Type#SINGLE} and {@link Type#CLUSTER} each URI is {@code redis://}
 * ({@code rediss://} with {@code REDIS_TLS}), with the credentials of {@code REDIS_AUTH}
 * ({@code password} or {@code user:password}) or else those in {@code REDIS_URL}, the URL's
 * database if any, and {@code verifyPeer=CA} with {@code REDIS_TLS_SKIP_HOSTNAME_VERIFICATION}.
 * For {@link Type#SENTINEL} the one URI is {@code redis-sentinel://} ({@code rediss-sentinel://}
 * with {@code REDIS_TLS}, to the sentinels and the master alike) listing the sentinels of
 * {@code REDIS_URL} ({@code mastername,host:port,...}), with the master's credentials (those of
 * {@code REDIS_AUTH} only, as theirs) and the master's name as fragment; the sentinels' own
 * credentials ({@code REDIS_SENTINEL_AUTH}, or else the first sentinel URL's) are apart, since a
 * Lettuce URI has no place for them. {@link #toString()} masks every password.
 *
 * <p>With TLS, {@code REDIS_TLS_CACERT} and {@code REDIS_TLS_CLIENT_CERT}/{@code REDIS_TLS_CLIENT_KEY}
 * (shared by the twins) are the store's {@code tlsCaFile} and {@code tlsClientCertificate}: {@link #tls()}.
 *
 * @param type {@code REDIS_TYPE}, default {@code SINGLE}
 * @param uris one URI for {@link Type#SINGLE} and {@link Type#SENTINEL}; one per node of
 *     {@code REDIS_URL} for {@link Type#CLUSTER}; they hold the (master's) password
 * @param connectTimeout {@code REDIS_TIMEOUT}, default 10s: how long connecting may take; zero
 *     leaves the store's default
 * @param healthCheckActiveConnection {@code REDIS_HEALTH_CHECK_ACTIVE_CONNECTION}, default false:
 *     the server is unhealthy while the store has no connection
 * @param sentinelUsername the sentinels' user, empty for the default user (or no credentials)
 * @param sentinelPassword the sentinels' password, empty for none; only for {@link Type#SENTINEL}
 * @param tls the PEM files of the TLS connection, {@link TlsFiles#NONE} without TLS or without
 *     them (then the JVM's trust store verifies Redis, and no client certificate is presented)
 */
public record RedisSettings(Type type, List<String> uris, Duration connectTimeout,
    boolean healthCheckActiveConnection, String sentinelUsername, String sentinelPassword, TlsFiles tls) {

  /**
   * Checks and copies the components.
   *
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code uris} is empty, or has several for {@link Type#SINGLE}
   *     or {@link Type#SENTINEL}, or if sentinel credentials are given for another type, or a
   *     sentinel user without a password, or TLS files for URIs without TLS
   */
  public RedisSettings {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(sentinelUsername, "sentinelUsername");
    Objects.requireNonNull(sentinelPassword, "sentinelPassword");
    uris = List.copyOf(uris);
    if (uris.isEmpty() || type != Type.CLUSTER && uris.size() != 1) {
      throw new IllegalArgumentException("uris must hold one URI for SINGLE and SENTINEL, at least one for CLUSTER"
          + " (was " + uris.size() + " for " + type + ")");
    }
    if (type != Type.SENTINEL && !(sentinelUsername + sentinelPassword).isEmpty()
        || sentinelPassword.isEmpty() && !sentinelUsername.isEmpty()) {
      throw new IllegalArgumentException("sentinel credentials are for SENTINEL only, and a sentinel user needs a"
          + " password (type " + type + ", user '" + sentinelUsername + "', password "
          + (sentinelPassword.isEmpty() ? "empty" : "set") + ")");
    }
    if (!tls.equals(TlsFiles.NONE) && !uris.stream().allMatch(u -> u.startsWith("rediss"))) {
      throw new IllegalArgumentException("TLS files are for rediss:// URIs only (was " + tls + " for "
          + uris.stream().map(Reader::maskUrl).toList() + ")");
    }
  }

  /**
   * A Redis without TLS files.
   *
   * @param type as in the canonical constructor
   * @param uris as in the canonical constructor
   * @param connectTimeout as in the canonical constructor
   * @param healthCheckActiveConnection as in the canonical constructor
   * @param sentinelUsername as in the canonical constructor
   * @param sentinelPassword as in the canonical constructor
   */
  public RedisSettings(Type type, List<String> uris, Duration connectTimeout, boolean healthCheckActiveConnection,
      String sentinelUsername, String sentinelPassword) {
    this(type, uris, connectTimeout, healthCheckActiveConnection, sentinelUsername, sentinelPassword,
        TlsFiles.NONE);
  }

  /**
   * A Redis found without Sentinel: no sentinel credentials.
   *
   * @param type {@link Type#SINGLE} or {@link Type#CLUSTER}
   * @param uris as in the canonical constructor
   * @param connectTimeout as in the canonical constructor
   * @param healthCheckActiveConnection as in the canonical constructor
   */
  public RedisSettings(Type type, List<String> uris, Duration connectTimeout, boolean healthCheckActiveConnection) {
    this(type, uris, connectTimeout, healthCheckActiveConnection, "", "");
  }

  /**
   * This value with the credentials masked, for logs.
   *
   * @return the components, each URI's credentials shown as {@code *****}
   */
  @Override
  public String toString() {
    return "RedisSettings[type=" + type + ", uris=" + uris.stream().map(Reader::maskUrl).toList()
        + ", connectTimeout=" + connectTimeout + ", healthCheckActiveConnection=" + healthCheckActiveConnection
        + ", sentinelUsername=" + sentinelUsername + ", sentinelPassword="
        + (sentinelPassword.isEmpty() ? "" : Reader.MASK) + ", tls=" + tls + "]";
  }

  /**
   * The PEM files of a TLS connection to Redis.
   *
   * @param caFile {@code REDIS_TLS_CACERT}: the CA certificates that verify Redis, instead of the
   *     JVM's trust store
   * @param clientCertFile {@code REDIS_TLS_CLIENT_CERT}: the client certificate (chain) presented
   *     to Redis; present iff {@code clientKeyFile} is
   * @param clientKeyFile {@code REDIS_TLS_CLIENT_KEY}: its private key, unencrypted PKCS#8 PEM
   */
  public record TlsFiles(Optional<Path> caFile, Optional<Path> clientCertFile, Optional<Path> clientKeyFile) {

    /** No files: the JVM's trust store, no client certificate. */
    public static final TlsFiles NONE = new TlsFiles(Optional.empty(), Optional.empty(), Optional.empty());

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     * @throws IllegalArgumentException if only one of the client certificate and its key is present
     */
    public TlsFiles {
      Objects.requireNonNull(caFile, "caFile");
      Objects.requireNonNull(clientCertFile, "clientCertFile");
      Objects.requireNonNull(clientKeyFile, "clientKeyFile");
      if (clientCertFile.isPresent() != clientKeyFile.isPresent()) {
        throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate (was "
            + clientCertFile + ", " + clientKeyFile + ")");
      }
    }
  }

  /** How Redis is deployed: {@code REDIS_TYPE}, any case. */
  public enum Type {
    /** {@code SINGLE}: one server (or a proxy in front of several). */
    SINGLE,
    /** {@code CLUSTER}: a Redis Cluster, given some of its nodes. */
    CLUSTER,
    /** {@code SENTINEL}: the master that Redis Sentinel names, given its name and some sentinels. */
    SENTINEL
  }
}
