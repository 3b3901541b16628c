package dev.sluice.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The store's link to Redis: the Lettuce client and its one connection, the scripts the store
 * uses, loaded (SCRIPT LOAD) on every connect and reconnect so that a decision does not pay for a
 * script Redis does not know, and the script calls themselves ({@link #exec}: EVALSHA, EVAL on
 * NOSCRIPT, again after TRYAGAIN).
 *
 * <p>The store is built whether or not Redis answers: the first connection is tried once while
 * building (up to the connect timeout); if Redis is away, a command fails at once ({@link
 * RedisConnectionException}, so each decision is answered by its failure policy) and connecting
 * is tried again in the background, every 50 ms at first and then every second, until it
 * succeeds. Once connected, Lettuce reconnects by itself after a drop (10 ms to 500 ms apart).
 */
final class RedisLink implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());
  private static final long FIRST_RETRY_MILLIS = 50;
  private static final long MAX_RETRY_MILLIS = 1_000;

  private final boolean cluster;
  /** The URIs as logs and errors show them: Lettuce's form, passwords masked. */
  private final List<String> uris;
  private final List<RedisURI> redisUris = new ArrayList<>();
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final Duration connectTimeout;
  /** Every script the store uses; loaded into Redis on each (re)connect. */
  private final Set<Scripts.Script> scripts = ConcurrentHashMap.newKeySet();
  /** Algorithm codes of the policies so far (bit {@code 1 << code}): their batch scripts are loaded. */
  private final AtomicInteger codesSeen = new AtomicInteger();
  private final LongAdder tryAgainRetries = new LongAdder();
  private volatile StatefulConnection<String, String> connection;
  private volatile BaseRedisAsyncCommands<String, String> commands;
  private volatile String lastConnectError = "not tried yet";
  private volatile boolean closed;

  /**
   * @param ssl the TLS options ({@link RedisStore.Builder#tlsCaFile}, {@link
   *     RedisStore.Builder#tlsClientCertificate}), or null for Lettuce's defaults (the JVM's trust
   *     store, no client certificate); they apply to {@code rediss://} URIs only
   */
  RedisLink(boolean cluster, List<String> uris, Duration connectTimeout, String sentinelUsername,
      String sentinelPassword, SslOptions ssl) {
    this.cluster = cluster;
    this.connectTimeout = connectTimeout;
    for (String u : uris) {
      // a malformed URI is refused here, when the store is built; a cluster's seeds answer its
      // topology queries within ClusterRefresh's node timeout
      redisUris.add(cluster ? ClusterRefresh.seed(u) : RedisURI.create(u));
    }
    this.uris = redisUris.stream().map(RedisURI::toString).toList();
    if (ssl != null && !redisUris.stream().allMatch(RedisURI::isSsl)) {
      throw new IllegalArgumentException("tlsCaFile and tlsClientCertificate need TLS: a rediss:// (or"
          + " rediss-sentinel://) URI (was " + this.uris + ")");
    }
    if (sentinelPassword != null) {
      List<RedisURI> sentinels = cluster ? List.of() : redisUris.get(0).getSentinels();
      if (sentinels.isEmpty()) {
        throw new IllegalArgumentException("sentinel credentials need a redis-sentinel:// URI listing the"
            + " sentinels (was " + this.uris + (cluster ? ", a cluster" : "") + ")");
      }
      // a sentinel URI's user info is the master's; each sentinel has a RedisURI of its own
      for (RedisURI sentinel : sentinels) {
        if (sentinelUsername == null) {
          sentinel.setAuthentication(sentinelPassword);
        } else {
          sentinel.setAuthentication(sentinelUsername, sentinelPassword);
        }
      }
    }
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(500), 2, TimeUnit.MILLISECONDS))
        .build();
    SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
    // No Lettuce command timeouts: each would schedule and cancel a timer task, a contended queue
    // under load. The store waits for each decision at most its deadline and then cancels the
    // command itself (Calls), which also keeps it from being replayed after a reconnect.
    TimeoutOptions timeouts = TimeoutOptions.builder().timeoutCommands(false).build();
    if (cluster) {
      RedisClusterClient c = RedisClusterClient.create(resources, redisUris);
      // Node connections open lazily on first use, so commands must be accepted while one
      // connects (REJECT_COMMANDS would refuse them); the deadline still bounds each decision.
      c.setOptions(ClusterClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
          .socketOptions(socket)
          .sslOptions(ssl == null ? SslOptions.create() : ssl)
          .timeoutOptions(timeouts)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enableAdaptiveRefreshTrigger(
                  ClusterTopologyRefreshOptions.RefreshTrigger.MOVED_REDIRECT,
                  ClusterTopologyRefreshOptions.RefreshTrigger.ASK_REDIRECT,
                  ClusterTopologyRefreshOptions.RefreshTrigger.PERSISTENT_RECONNECTS)
              .enablePeriodicRefresh(Duration.ofSeconds(30))
              .build())
          .build());
      this.client = c;
    } else {
      RedisClient c = RedisClient.create(resources, redisUris.get(0));
      c.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket)
          .sslOptions(ssl == null ? SslOptions.create() : ssl)
          .timeoutOptions(timeouts)
          .build());
      this.client = c;
    }
    client.addListener(new RedisConnectionStateListener() {
      @Override
      public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
        // a reconnect: Redis may have restarted empty (or failed over), so load the scripts again;
        // on the first connect `commands` is not set yet and connect() loads them
        if (commands != null) {
          loadAll();
        }
      }
    });
  }

  /**
   * Tries to connect once, waiting up to the connect timeout, and loads the scripts registered so
   * far (waiting for them as well). Returns whether the link is up; if not, connecting goes on in
   * the background.
   */
  boolean connect() {
    try {
      StatefulConnection<String, String> c = cluster
          ? ((RedisClusterClient) client).connect(StringCodec.UTF8)
          : ((RedisClient) client).connect(StringCodec.UTF8);
      install(c);
      CompletableFuture.allOf(loadAll()).get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return commands != null;
    } catch (Exception e) {
      if (commands != null) {
        return true; // connected; a script that did not load is sent whole on NOSCRIPT
      }
      lastConnectError = String.valueOf(e.getMessage());
      LOG.log(System.Logger.Level.WARNING, "cannot connect to Redis at " + uris + " (" + lastConnectError
          + "); decisions are answered by their failure policies, and connecting is tried again in the background");
      retry(FIRST_RETRY_MILLIS);
      return false;
    }
  }

  private void retry(long delayMillis) {
    if (closed) {
      return;
    }
    resources.eventExecutorGroup().schedule(() -> {
      if (closed) {
        return;
      }
      CompletionStage<? extends StatefulConnection<String, String>> attempt = cluster
          ? ((RedisClusterClient) client).connectAsync(StringCodec.UTF8)
          : ((RedisClient) client).connectAsync(StringCodec.UTF8, redisUris.get(0));
      attempt.whenComplete((c, error) -> {
        if (error != null) {
          lastConnectError = String.valueOf(error.getMessage());
          retry(Math.min(MAX_RETRY_MILLIS, delayMillis * 2));
        } else if (closed) {
          c.closeAsync();
        } else {
          install(c);
          loadAll();
          LOG.log(System.Logger.Level.INFO, "connected to Redis at " + uris);
        }
      });
    }, delayMillis, TimeUnit.MILLISECONDS);
  }

  private void install(StatefulConnection<String, String> c) {
    connection = c;
    commands = cluster
        ? ((StatefulRedisClusterConnection<String, String>) c).async()
        : ((StatefulRedisConnection<String, String>) c).async();
  }

  /** The cluster client (for slot-map reloads); only on a cluster. */
  RedisClusterClient clusterClient() {
    return (RedisClusterClient) client;
  }

  /**
   * The slot map the cluster connection routes by, or null before the first connection (unlike
   * the client's {@code getPartitions()}, never blocks to load one).
   */
  io.lettuce.core.cluster.models.partitions.Partitions slotMap() {
    return connection instanceof StatefulRedisClusterConnection<String, String> c ? c.getPartitions() : null;
  }

  /** The client's event executors: for timers that must not hold a thread. */
  java.util.concurrent.ScheduledExecutorService executor() {
    return resources.eventExecutorGroup();
  }

  /** Whether a connection has been made (Lettuce keeps it, reconnecting after a drop). */
  boolean connected() {
    return commands != null;
  }

  /**
   * Registers {@code script} to be loaded on every (re)connect, and loads it now if it is new and
   * the link is up (the load goes before any later command on the connection, so the script's
   * first EVALSHA finds it).
   */
  void register(Scripts.Script script) {
    if (scripts.add(script)) {
      load(script);
    }
  }

  /**
   * Registers what a policy's decisions run, before the first one: its single-request script if
   * it is a token bucket with fixed {@code params} (null: calendar periods), and the batch scripts
   * mixing its algorithm {@code code} with those of the policies registered so far.
   */
  void registerPolicy(int code, String[] params) {
    if (params != null && code == Protocol.TOKEN_BUCKET) {
      register(Scripts.tokenBucket(params));
    }
    int seen = codesSeen.getAndUpdate(m -> m | 1 << code);
    if ((seen & 1 << code) == 0) {
      for (Scripts.Script s : Scripts.batchesWith(code, seen)) {
        register(s);
      }
    }
  }

  private CompletableFuture<?>[] loadAll() {
    List<CompletableFuture<?>> loads = new ArrayList<>();
    for (Scripts.Script s : scripts) {
      loads.add(load(s));
    }
    return loads.toArray(new CompletableFuture<?>[0]);
  }

  @SuppressWarnings("unchecked")
  private CompletableFuture<?> load(Scripts.Script script) {
    BaseRedisAsyncCommands<String, String> c = commands;
    if (c == null) {
      return CompletableFuture.completedFuture(null);
    }
    // on a cluster connection SCRIPT LOAD goes to every node
    return ((RedisScriptingAsyncCommands<String, String>) c).scriptLoad(script.text()).toCompletableFuture();
  }

  /** Sends a command; fails at once while there is no connection. */
  <T> CompletableFuture<T> dispatch(CommandType type, io.lettuce.core.output.CommandOutput<String, String, T> output,
      CommandArgs<String, String> args) {
    BaseRedisAsyncCommands<String, String> c = commands;
    if (c == null) {
      return CompletableFuture.failedFuture(new RedisConnectionException(
          "not connected to Redis at " + uris + " yet: " + lastConnectError));
    }
    return c.dispatch(type, output, args).toCompletableFuture();
  }

  /**
   * One script call ({@link ScriptCall}): EVALSHA, EVAL when Redis does not know the script, again
   * after TRYAGAIN; ending it cancels its command.
   */
  ScriptCall exec(Request.Encoded e) {
    return ScriptCall.start(whole -> whole ? eval(e) : evalsha(e), executor(), tryAgainRetries);
  }

  private CompletableFuture<long[]> evalsha(Request.Encoded e) {
    return script(CommandType.EVALSHA, e.script().sha(), e);
  }

  private CompletableFuture<long[]> eval(Request.Encoded e) {
    return script(CommandType.EVAL, e.script().text(), e);
  }

  private CompletableFuture<long[]> script(CommandType type, String script, Request.Encoded e) {
    return dispatch(type, new Results(), e.args(script));
  }

  /** Script calls sent again after TRYAGAIN (a slot migration held some of the call's keys). */
  long tryAgainRetries() {
    return tryAgainRetries.sum();
  }

  /**
   * Runs {@code task} on the client's event executors, or on the calling thread once {@link
   * #close} has shut them down, so that work still pending at close (an asynchronous decision's
   * settle step) runs instead of failing with a RejectedExecutionException.
   */
  void runOnExecutor(Runnable task) {
    try {
      executor().execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      task.run();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      StatefulConnection<String, String> c = connection;
      if (c != null) {
        c.close();
      }
      // a short quiet period lets callbacks of the last replies run before the event loops stop
      client.shutdown(Duration.ofMillis(20), Duration.ofSeconds(2));
    } finally {
      resources.shutdown(20, 2000, TimeUnit.MILLISECONDS);
    }
  }
}
