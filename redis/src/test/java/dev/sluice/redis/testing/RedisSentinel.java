package dev.sluice.redis.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throwaway Redis deployment watched by Redis Sentinel: a master and one replica (each a {@link
 * RedisServer}) and one Sentinel process ({@code redis-server sentinel.conf --sentinel}) monitoring
 * the master as {@value #MASTER_NAME} with quorum 1 and {@code down-after-milliseconds}
 * {@value #DOWN_AFTER_MILLIS}. One Sentinel is a majority of one, so it fails over on its own: kill
 * the master ({@link RedisServer#kill()}, by PID) and the Sentinel promotes the replica within a
 * few seconds ({@link #awaitPromoted}).
 *
 * <p>Optionally the data nodes require a password (the master's {@code requirepass}, which the
 * replica also uses as {@code masterauth} and the Sentinel as {@code auth-pass}), and the Sentinel
 * requires another (its default user's password), so that a client must send each to the right
 * place. All three listen on free loopback ports only; {@link #close()} stops them by PID.
 */
public final class RedisSentinel implements AutoCloseable {

  /** The name the Sentinel monitors the master by. */
  public static final String MASTER_NAME = "mymaster";

  /** {@code down-after-milliseconds}: a master silent this long is down, and failed over. */
  public static final int DOWN_AFTER_MILLIS = 1000;

  private static final int FAILOVER_TIMEOUT_MILLIS = 10_000;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern MASTER_LINK = Pattern.compile("(?m)^master_link_status:(\\w+)\\r?$");
  private static final Pattern ROLE = Pattern.compile("(?m)^role:(\\w+)\\r?$");

  private final List<RedisServer> dataNodes;
  private final RedisServer sentinel;
  private final String masterPassword;
  private final String sentinelPassword;

  private RedisSentinel(List<RedisServer> dataNodes, RedisServer sentinel, String masterPassword,
      String sentinelPassword) {
    this.dataNodes = List.copyOf(dataNodes);
    this.sentinel = sentinel;
    this.masterPassword = masterPassword;
    this.sentinelPassword = sentinelPassword;
  }

  /** Starts a master, a replica and a Sentinel, none requiring a password. */
  public static RedisSentinel start() {
    return start(null, null);
  }

  /**
   * Starts a master and its replica, then a Sentinel monitoring them; returns once the replica is
   * in sync and the Sentinel knows both as healthy.
   *
   * @param masterPassword the data nodes' password, or null for none
   * @param sentinelPassword the Sentinel's password, or null for none
   */
  public static RedisSentinel start(String masterPassword, String sentinelPassword) {
    List<RedisServer> started = new ArrayList<>();
    try {
      RedisServer master = RedisServer.start();
      started.add(master);
      RedisServer replica = RedisServer.start();
      started.add(replica);
      for (RedisServer node : started) {
        // a full sync without the 5 s wait for more replicas (Redis 7's diskless default)
        call(node.port(), null, "CONFIG", "SET", "repl-diskless-sync-delay", "0");
        if (masterPassword != null) {
          call(node.port(), null, "CONFIG", "SET", "masterauth", masterPassword);
          call(node.port(), null, "CONFIG", "SET", "requirepass", masterPassword);
        }
      }
      call(replica.port(), masterPassword, "REPLICAOF", RedisServer.HOST, String.valueOf(master.port()));
      awaitLinkUp(replica, masterPassword);
      StringBuilder conf = new StringBuilder()
          .append("sentinel monitor ").append(MASTER_NAME).append(' ').append(RedisServer.HOST).append(' ')
          .append(master.port()).append(" 1\n")
          .append("sentinel down-after-milliseconds ").append(MASTER_NAME).append(' ').append(DOWN_AFTER_MILLIS)
          .append('\n')
          .append("sentinel failover-timeout ").append(MASTER_NAME).append(' ').append(FAILOVER_TIMEOUT_MILLIS)
          .append('\n');
      if (masterPassword != null) {
        conf.append("sentinel auth-pass ").append(MASTER_NAME).append(' ').append(masterPassword).append('\n');
      }
      RedisServer sentinel = RedisServer.startSentinel(RedisBinary.resolve(), conf.toString());
      started.add(sentinel);
      if (sentinelPassword != null) {
        call(sentinel.port(), null, "ACL", "SETUSER", "default", "resetpass", ">" + sentinelPassword);
      }
      RedisSentinel group = new RedisSentinel(started.subList(0, 2), sentinel, masterPassword, sentinelPassword);
      group.awaitWatched(master, replica);
      return group;
    } catch (RuntimeException | Error e) {
      try {
        ClusterNodes.closeAll(started);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The Sentinel's loopback port. */
  public int sentinelPort() {
    return sentinel.port();
  }

  /** The Sentinel process. */
  public RedisServer sentinel() {
    return sentinel;
  }

  /** The master and the replica, in start order (the roles move on a failover). */
  public List<RedisServer> dataNodes() {
    return dataNodes;
  }

  /** The data node the Sentinel names as master now ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}). */
  public RedisServer master() {
    Object reply = sentinel("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
    if (!(reply instanceof List<?> addr) || addr.size() != 2) {
      throw new IllegalStateException("the Sentinel names no master " + MASTER_NAME + ": " + reply);
    }
    return byPort(Integer.parseInt(String.valueOf(addr.get(1))));
  }

  /** The data node that is not {@link #master()}. */
  public RedisServer replica() {
    RedisServer master = master();
    return dataNodes.stream().filter(n -> n != master).findFirst().orElseThrow();
  }

  /** Sends a command to a data node (after AUTH when the data nodes have a password). */
  public Object command(RedisServer node, String... args) {
    return call(node.port(), masterPassword, args);
  }

  /** Sends a command to the Sentinel (after AUTH when it has a password). */
  public Object sentinel(String... args) {
    return call(sentinel.port(), sentinelPassword, args);
  }

  /**
   * Waits until the replica has processed every write the master has had, so that a failover now
   * loses nothing: the replica's {@code slave_repl_offset} reaches the master's
   * {@code master_repl_offset}. ({@code WAIT 1} on a connection of its own would not do: WAIT waits
   * for the writes of the connection that sends it, and this one has sent none — it answered at
   * once, and a failover right after could lose the last writes: SentinelStoreTest and SentinelTest
   * then saw one admission too many.)
   */
  public void awaitReplicated() {
    long target = offset(call(master().port(), masterPassword, "INFO", "replication"), "master_repl_offset");
    long deadline = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
    long seen = -1;
    while (true) {
      seen = offset(call(replica().port(), masterPassword, "INFO", "replication"), "slave_repl_offset");
      if (seen >= target) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the replica did not reach the master's replication offset " + target
            + " within " + COMMAND_TIMEOUT.toSeconds() + " s (it is at " + seen + ")");
      }
      RedisServer.sleep(10);
    }
  }

  private static long offset(Object info, String field) {
    Matcher m = Pattern.compile("(?m)^" + field + ":(\\d+)").matcher(String.valueOf(info));
    if (!m.find()) {
      throw new IllegalStateException("INFO replication has no " + field + ": " + info);
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * Waits until the Sentinel names {@code replica} as master and {@code replica} says it is one:
   * the failover is over (after the master was killed).
   *
   * @return how long it took
   */
  public Duration awaitPromoted(RedisServer replica, Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String last = "nothing asked yet";
    while (true) {
      try {
        RedisServer named = master();
        String role = role(replica);
        if (named == replica && role.equals("master")) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
        last = "the Sentinel names " + named + ", " + replica + " has role " + role;
      } catch (RuntimeException e) {
        last = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(replica + " was not promoted within " + timeout.toMillis() + " ms: " + last
            + "; Sentinel log:\n" + RedisServer.tail(sentinel.logFile(), 0));
      }
      RedisServer.sleep(20);
    }
  }

  /** {@code role:} of {@code INFO replication}: master or slave. */
  public String role(RedisServer node) {
    Matcher m = ROLE.matcher(String.valueOf(command(node, "INFO", "replication")));
    return m.find() ? m.group(1) : "unknown";
  }

  /** Stops the Sentinel and both data nodes (each by PID; see {@link RedisServer#close()}). */
  @Override
  public void close() {
    List<RedisServer> all = new ArrayList<>();
    all.add(sentinel);
    all.addAll(dataNodes);
    ClusterNodes.closeAll(all);
  }

  @Override
  public String toString() {
    return "RedisSentinel[sentinel " + sentinel + ", data " + dataNodes + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private RedisServer byPort(int port) {
    return dataNodes.stream().filter(n -> n.port() == port).findFirst()
        .orElseThrow(() -> new IllegalStateException("the Sentinel names port " + port + ", not one of " + dataNodes));
  }

  private static Object call(int port, String password, String... args) {
    try (Resp resp = Resp.connect(port, COMMAND_TIMEOUT)) {
      if (password != null) {
        resp.call("AUTH", password);
      }
      return resp.call(args);
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", args) + " on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
  }

  private static void awaitLinkUp(RedisServer replica, String password) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      Matcher m = MASTER_LINK.matcher(String.valueOf(call(replica.port(), password, "INFO", "replication")));
      if (m.find() && m.group(1).equals("up")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(replica + " did not sync with its master within " + READY_TIMEOUT.toSeconds()
            + " s; log:\n" + RedisServer.tail(replica.logFile(), 0));
      }
      RedisServer.sleep(20);
    }
  }

  /** Waits until the Sentinel sees the master up and the replica up and linked to it. */
  private void awaitWatched(RedisServer master, RedisServer replica) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "nothing asked yet";
    while (true) {
      Map<String, String> m = fields(sentinel("SENTINEL", "MASTER", MASTER_NAME));
      List<Map<String, String>> replicas = new ArrayList<>();
      if (sentinel("SENTINEL", "REPLICAS", MASTER_NAME) instanceof List<?> list) {
        for (Object r : list) {
          replicas.add(fields(r));
        }
      }
      boolean masterOk = "master".equals(m.get("flags")) && String.valueOf(master.port()).equals(m.get("port"));
      boolean replicaOk = replicas.stream().anyMatch(r -> "slave".equals(r.get("flags"))
          && String.valueOf(replica.port()).equals(r.get("port")) && "ok".equals(r.get("master-link-status")));
      if (masterOk && replicaOk) {
        return;
      }
      last = "master " + m + ", replicas " + replicas;
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Sentinel did not see the master and its replica healthy within "
            + READY_TIMEOUT.toSeconds() + " s: " + last + "; log:\n" + RedisServer.tail(sentinel.logFile(), 0));
      }
      RedisServer.sleep(20);
    }
  }

  /** A flat field/value reply ({@code SENTINEL MASTER}) as a map. */
  private static Map<String, String> fields(Object reply) {
    Map<String, String> m = new HashMap<>();
    if (reply instanceof List<?> list) {
      for (int i = 0; i + 1 < list.size(); i += 2) {
        m.put(String.valueOf(list.get(i)), String.valueOf(list.get(i + 1)));
      }
    }
    return m;
  }
}
