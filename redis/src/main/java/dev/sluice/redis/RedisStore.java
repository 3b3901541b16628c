package dev.sluice.redis;

import dev.sluice.Charge;
import dev.sluice.Clock;
import dev.sluice.Decision;
import dev.sluice.Policy;
import dev.sluice.spi.Args;
import dev.sluice.spi.Definitions;
import dev.sluice.spi.FailureChoices;
import dev.sluice.spi.FailureCounts;
import dev.sluice.spi.FailurePolicy;
import dev.sluice.spi.Failures;
import dev.sluice.spi.MultiDecision;
import dev.sluice.spi.MultiStep;
import dev.sluice.spi.Operation;
import dev.sluice.spi.Partition;
import dev.sluice.spi.Store;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Store} in Redis (standalone or Cluster), shared by every instance that connects to it:
 * limits stay exact across instances. Each decision is one atomic Lua script call (EVALSHA, and
 * EVAL once after NOSCRIPT), the twin of the core's pure algorithm, in integer microseconds; time
 * is the Redis server's ({@code TIME}) unless {@link Builder#callerTime} is set. Concurrent
 * decisions are coalesced into one script call that applies them in order (exact: the same
 * result as one call each). While Redis cannot answer within the deadline each policy's
 * {@link FailurePolicy} decides; a circuit breaker stops piling calls onto a dead connection, and
 * service resumes by itself when Redis is back. See docs/redis.md.
 */
public final class RedisStore implements Store {

  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());

  private final RedisLink link;
  private final boolean cluster;
  private final String prefix;
  private final Clock callerClock;
  private final Clock clock;
  private final Fallback fallback;
  private final Breaker breaker;
  private final Failures failures;
  private final Calls calls;
  private final ConcurrentHashMap<Policy, RedisPartition> partitions = new ConcurrentHashMap<>();
  private final Definitions definitions = new Definitions();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisStore(Builder b, SslOptions ssl) {
    this.cluster = b.cluster;
    this.prefix = b.keyPrefix;
    this.callerClock = b.callerClock;
    this.clock = b.callerClock != null ? b.callerClock : Clock.system();
    FailureChoices failureChoices = b.failureChoices.build();
    this.breaker = new Breaker(b.breakerFailures, b.breakerWindow.toNanos(), b.breakerProbe.toNanos());
    this.failures = new Failures("Redis store", LOG, b.logInterval.toNanos());
    this.fallback = new Fallback(failureChoices, failures, breaker, clock);
    this.link = new RedisLink(cluster, b.uris, b.connectTimeout, b.sentinelUsername, b.sentinelPassword, ssl);
    this.calls = new Calls(link, cluster, b.commandTimeout, b.coalescing, b.maxBatch, b.maxInFlight, breaker, failures);
    for (Scripts.Script script : Scripts.common()) {
      link.register(script);
    }
    if (link.connect()) {
      // a token bucket PEEK on a key no policy can have (it has no hash tag), on the caller's
      // clock if set (a Redis that refuses TIME in scripts)
      String time = callerClock == null ? "" : Long.toString(callerClock.nanos() / 1000);
      calls.warmUp(new Request(prefix + "warm-up", time, Protocol.TOKEN_BUCKET, Operation.PEEK.ordinal(), 1, "0",
          new String[] {"1", "1", "1"}), b.connectTimeout);
    }
  }

  /**
   * A store on one Redis server, e.g. {@code redis://127.0.0.1:6379}, or on the master a Redis
   * Sentinel names, e.g. {@code redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster} (any
   * Lettuce URI; in a sentinel URI the password is the master's, and {@link
   * Builder#sentinelCredentials} gives the sentinels' own).
   */
  public static Builder standalone(String uri) {
    return new Builder(false, List.of(notBlank("uri", uri)));
  }

  /** A store on a Redis Cluster, given one or more of its nodes. */
  public static Builder cluster(String... uris) {
    if (uris == null || uris.length == 0) {
      throw new IllegalArgumentException("uris must name at least one cluster node");
    }
    List<String> list = new ArrayList<>();
    for (String u : uris) {
      list.add(notBlank("uris", u));
    }
    return new Builder(true, list);
  }

  private static String notBlank(String field, String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank (was " + (s == null ? "null" : "'" + s + "'") + ")");
    }
    return s;
  }

  @Override
  public Partition partition(Policy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    RedisPartition p = partitions.get(policy);
    if (p == null) {
      p = partitions.computeIfAbsent(definitions.register(policy),
          q -> new RedisPartition(q, prefix, callerClock, clock, link, calls, fallback));
    }
    return p;
  }

  /** Decisions asked, and those Redis could not make, by cause and by what answered instead. */
  public FailureCounts failures() {
    return failures.snapshot();
  }

  /** The failure policy that applies to {@code policy}. */
  public FailurePolicy failurePolicy(Policy policy) {
    return fallback.failurePolicy(policy);
  }

  /** What the store did to keep deciding through Redis's own changes (TRYAGAIN, failovers). */
  public Recoveries recoveries() {
    return calls.recoveries();
  }

  /** Whether the circuit breaker is open (Redis is being probed, decisions answer locally). */
  public boolean breakerOpen() {
    return breaker.isOpen();
  }

  /**
   * The caller clock ({@link Builder#callerTime}), or the system clock when the Redis server's
   * {@code TIME} decides: the clock the engine waits on.
   */
  @Override
  public Clock clock() {
    return clock;
  }

  /** Closes the connection; idempotent (the {@code Sluice} engine closes its store too). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      calls.close();
    } finally {
      fallback.close();
    }
  }

  // ---------------------------------------------------------------- the multi-policy call

  @Override
  public MultiDecision applyAll(List<Charge> charges, Operation op) {
    Args.charges(charges, op);
    int n = charges.size();
    Set<String> redisKeys = new HashSet<>();
    Request[] group = new Request[n];
    RedisPartition[] parts = new RedisPartition[n];
    for (int i = 0; i < n; i++) {
      Charge c = charges.get(i);
      parts[i] = (RedisPartition) partition(c.policy());
      parts[i].algorithm.check(op);
      group[i] = parts[i].request(c.key(), MultiStep.command(op, c.cost()));
      if (!redisKeys.add(group[i].key())) {
        throw new IllegalArgumentException("charges map to the same Redis key twice: '" + group[i].key()
            + "' (two policies share the name '" + c.policy().name() + "')");
      }
    }
    if (cluster) {
      int slot = SlotHash.getSlot(group[0].key());
      for (int i = 1; i < n; i++) {
        int s = SlotHash.getSlot(group[i].key());
        if (s != slot) {
          throw new IllegalArgumentException("a multi-policy call must stay in one Redis Cluster hash slot, but key '"
              + charges.get(0).key() + "' of policy '" + charges.get(0).policy().name() + "' is in slot " + slot
              + " and key '" + charges.get(i).key() + "' of policy '" + charges.get(i).policy().name()
              + "' in slot " + s + " (a key's slot is the hash of the key itself, whatever it contains;"
              + " charges on one key under several policies always share a slot)");
        }
      }
    }
    long[] result = calls.call(group);
    if (result != null) {
      int bad = 0;
      for (int i = 0; i < n; i++) {
        if (Protocol.reason(result, i) < 0) {
          bad = Protocol.reason(result, i);
        }
      }
      if (bad == 0) {
        Decision[] ds = new Decision[n];
        for (int i = 0; i < n; i++) {
          ds[i] = Protocol.decision(parts[i].policy, result, i);
        }
        return MultiDecision.mostRestrictive(ds);
      }
      fallback.badReply(bad, group[0].key());
    }
    return fallback.failedAll(charges, parts, op);
  }

  // ---------------------------------------------------------------- builder

  /**
   * The default deadline of one decision: 500 ms. A cold burst of 64 callers on a 2-core machine
   * loaded by other builds took up to 231 ms on a healthy local Redis (25 bursts of 10,240
   * decisions; p99.99 of a run at most 118 ms): about twice the worst seen. A dead Redis costs nothing near
   * it (a refused or dropped connection fails at once), and the breaker bounds a stalled one. See
   * docs/redis.md, "The default deadline".
   */
  static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(500);

  /** Configures a {@link RedisStore}. */
  public static final class Builder {
    private final boolean cluster;
    private final List<String> uris;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Clock callerClock;
    private boolean coalescing = true;
    private int maxBatch = 256;
    private int maxInFlight = 2;
    private String keyPrefix = "sluice:";
    private final FailureChoices.Builder failureChoices = new FailureChoices.Builder("the Redis store", true);
    private int breakerFailures = 3;
    private Duration breakerWindow = Duration.ofMillis(250);
    private Duration breakerProbe = Duration.ofMillis(100);
    private Duration logInterval = Duration.ofSeconds(10);
    private String sentinelUsername;
    private String sentinelPassword;
    private Path tlsCaFile;
    private Path tlsCertChainFile;
    private Path tlsKeyFile;

    private Builder(boolean cluster, List<String> uris) {
      this.cluster = cluster;
      this.uris = uris;
    }

    /**
     * The deadline of one decision, queueing included: 500 ms unless set, chosen so that a healthy
     * Redis decides every decision of a cold burst on a loaded 2-core machine (docs/redis.md, "The
     * default deadline"). A decision Redis has not answered by then is decided by its failure
     * policy. A shorter deadline is an option for a known, quiet deployment. 1 ms to 60 s.
     */
    public Builder commandTimeout(Duration timeout) {
      this.commandTimeout = Args.between("commandTimeout", timeout, Duration.ofMillis(1), Duration.ofSeconds(60));
      return this;
    }

    /** How long to wait for a connection when the store is built: 2 s unless set. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Args.between("connectTimeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(5));
      return this;
    }

    /**
     * Uses {@code clock} instead of the Redis server's {@code TIME}, for managed Redis services
     * that refuse {@code TIME} in scripts, and for tests. Every instance sharing the store must
     * then keep its clock in step: an instance whose clock runs ahead refills buckets early and
     * opens windows early, by as much as its clock is off.
     */
    public Builder callerTime(Clock clock) {
      this.callerClock = Args.notNull("clock", clock);
      return this;
    }

    /**
     * Whether decisions waiting for Redis are sent together as one script call (on unless set):
     * exact, and more decisions per second than one script call each allows.
     */
    public Builder coalescing(boolean coalescing) {
      this.coalescing = coalescing;
      return this;
    }

    /** Most decisions in one coalesced script call: 256 unless set; 1 to 10,000. */
    public Builder maxBatch(int max) {
      this.maxBatch = Args.between("maxBatch", max, 1, 10_000);
      return this;
    }

    /** Most coalesced script calls outstanding at once (per hash slot on a cluster): 2 unless set; 1 to 64. */
    public Builder maxInFlight(int max) {
      this.maxInFlight = Args.between("maxInFlight", max, 1, 64);
      return this;
    }

    /** Prefix of every Redis key: {@code sluice:} unless set; no braces. */
    public Builder keyPrefix(String prefix) {
      if (prefix == null || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0 || prefix.length() > 128) {
        throw new IllegalArgumentException("keyPrefix (" + prefix + ") must be at most 128 characters without '{' or '}'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * The failure policy of every policy not named in {@link #failure(String, FailurePolicy)}.
     * Unless set: {@link FailurePolicy#open()} for rate limits, {@link FailurePolicy#closed()} for
     * budgets and concurrency limits.
     */
    public Builder failure(FailurePolicy policy) {
      failureChoices.all(policy);
      return this;
    }

    /** The failure policy of the policy named {@code policyName}. */
    public Builder failure(String policyName, FailurePolicy policy) {
      failureChoices.named(policyName, policy);
      return this;
    }

    /**
     * The circuit breaker: open when at least {@code failures} decisions have failed and none has
     * succeeded since the first of them, {@code window} or more ago; then let one probe through
     * every {@code probeInterval}. 3, 250 ms and 100 ms unless set. Only failures count as
     * evidence: a fresh or idle store does not open it on its first slow calls, and a hiccup that
     * fails every call in flight at once, then recovers, does not open it.
     */
    public Builder breaker(int failures, Duration window, Duration probeInterval) {
      if (failures < 1) {
        throw new IllegalArgumentException("breaker failures (" + failures + ") must be at least 1");
      }
      this.breakerFailures = failures;
      this.breakerWindow = Args.between("window", window, Duration.ZERO, Duration.ofMinutes(10));
      this.breakerProbe = Args.between("probeInterval", probeInterval, Duration.ofMillis(1), Duration.ofMinutes(10));
      return this;
    }

    /**
     * With a {@code redis-sentinel://} (or {@code rediss-sentinel://}) URI: the credentials to
     * give every sentinel it lists ({@code AUTH [username] password}). A Lettuce sentinel URI's
     * own user info is the master's, so the sentinels' go here; unless set, sentinels are asked
     * without. Building a store of another URI with them set fails.
     *
     * @param username null or empty for {@code AUTH password} (the default user)
     * @param password not null nor empty
     */
    public Builder sentinelCredentials(String username, String password) {
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("sentinel password must not be null nor empty");
      }
      this.sentinelUsername = username == null || username.isEmpty() ? null : username;
      this.sentinelPassword = password;
      return this;
    }

    /**
     * Over TLS ({@code rediss://}, {@code rediss-sentinel://}): verifies the Redis server (and on a
     * cluster every node, on Sentinel the sentinels and the master) with the CA certificates of
     * {@code caFile}, a PEM file of one or more {@code -----BEGIN CERTIFICATE-----} blocks,
     * instead of the JVM's trust store. The host name is still checked against the server's
     * certificate unless the URI says {@code verifyPeer=CA}. The file is read when the store is
     * built; building fails if it cannot be read or holds no certificate, or if a URI is not TLS.
     *
     * @param caFile the PEM file of the CA certificates to trust
     * @return this builder
     * @throws IllegalArgumentException if {@code caFile} is null
     */
    public Builder tlsCaFile(Path caFile) {
      if (caFile == null) {
        throw new IllegalArgumentException("tlsCaFile must not be null");
      }
      this.tlsCaFile = caFile;
      return this;
    }

    /**
     * Over TLS: presents this client certificate to Redis (mutual TLS, as Redis asks with
     * {@code tls-auth-clients yes}). {@code certChainFile} is a PEM file of the certificate
     * followed by any intermediate certificates; {@code keyFile} a PEM file of its private key,
     * unencrypted, in PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}; convert another form with
     * {@code openssl pkcs8 -topk8 -nocrypt}). The server is verified as without it: with {@link
     * #tlsCaFile} if set, else the JVM's trust store. The files are read when the store is built;
     * building fails if one cannot be read or parsed, or if a URI is not TLS.
     *
     * @param certChainFile the PEM file of the client certificate chain
     * @param keyFile the PEM file of the certificate's private key
     * @return this builder
     * @throws IllegalArgumentException if a file is null
     */
    public Builder tlsClientCertificate(Path certChainFile, Path keyFile) {
      if (certChainFile == null || keyFile == null) {
        throw new IllegalArgumentException("tlsClientCertificate needs a certificate chain file and a key file (was "
            + certChainFile + ", " + keyFile + ")");
      }
      this.tlsCertChainFile = certChainFile;
      this.tlsKeyFile = keyFile;
      return this;
    }

    /** The TLS options, or null when none is set; checks the files (readable, parsable). */
    private SslOptions sslOptions() {
      if (tlsCaFile == null && tlsCertChainFile == null) {
        return null;
      }
      SslOptions.Builder ssl = SslOptions.builder();
      if (tlsCaFile != null) {
        readable("tlsCaFile", tlsCaFile);
        ssl.trustManager(tlsCaFile.toFile());
      }
      if (tlsCertChainFile != null) {
        readable("tlsClientCertificate (certificate chain)", tlsCertChainFile);
        readable("tlsClientCertificate (key)", tlsKeyFile);
        ssl.keyManager(tlsCertChainFile.toFile(), tlsKeyFile.toFile(), null);
      }
      SslOptions options = ssl.build();
      try {
        // Lettuce reads the files on each connect; reading them now turns a bad file into a
        // build error rather than a store that never connects
        options.createSslContextBuilder().build();
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        throw new IllegalArgumentException("cannot read the TLS files (" + files() + "): " + e.getMessage()
            + (e.getCause() != null && e.getCause() != e ? " (" + e.getCause().getMessage() + ")" : "")
            + "; the CA and certificates must be PEM, the key unencrypted PKCS#8 PEM", e);
      }
      return options;
    }

    private String files() {
      StringBuilder b = new StringBuilder();
      if (tlsCaFile != null) {
        b.append("tlsCaFile ").append(tlsCaFile);
      }
      if (tlsCertChainFile != null) {
        b.append(b.length() == 0 ? "" : ", ").append("tlsClientCertificate ").append(tlsCertChainFile).append(" and ")
            .append(tlsKeyFile);
      }
      return b.toString();
    }

    private static void readable(String option, Path file) {
      if (!Files.exists(file)) {
        throw new IllegalArgumentException(option + ": " + file + " does not exist");
      }
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new IllegalArgumentException(option + ": " + file + " is not a readable file");
      }
    }

    /** At most one failure report in the log per interval: 10 s unless set. */
    public Builder logInterval(Duration interval) {
      this.logInterval = Args.between("logInterval", interval, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /**
     * Builds the store: connects (waiting up to the connect timeout), loads the scripts and makes
     * a few no-op calls, so the first decision pays for none of it. Redis being away does not
     * stop it: decisions are then answered by their failure policies, and the store connects in
     * the background, then Redis decides.
     *
     * @return the store
     * @throws IllegalArgumentException if a URI is malformed, if a TLS file ({@link #tlsCaFile},
     *     {@link #tlsClientCertificate}) does not exist, cannot be read or parsed (the message
     *     names the option and the file), or is set for a URI without TLS
     */
    public RedisStore build() {
      return new RedisStore(this, sslOptions());
    }
  }
}
