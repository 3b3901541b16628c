/**
 * Throwaway Redis processes for the store's tests: {@link dev.sluice.redis.testing.RedisServer}
 * (one standalone server), {@link dev.sluice.redis.testing.RedisCluster} (three masters, no
 * replicas) and {@link dev.sluice.redis.testing.RedisSentinel} (a master, its replica and a
 * Sentinel), all {@link java.lang.AutoCloseable}; {@link dev.sluice.redis.testing.RedisConnection} is
 * a server with one plain Lettuce connection, for tests that talk to Redis directly.
 *
 * <h2>What the fixtures guarantee</h2>
 *
 * <ul>
 *   <li><b>Isolation.</b> Each server listens only on 127.0.0.1, on a port that was free when
 *       probed (never 6379, the machine's own Redis; for a cluster node, its bus port, port +
 *       10000, was free too), with its own temporary directory as {@code --dir} holding its log. A
 *       port lost to another process between the probe and the bind is detected from the log and
 *       another one is picked.
 *   <li><b>Ready means ours.</b> {@code start()} returns only once the port answers PING and
 *       {@code INFO server} reports this fixture's own {@code process_id}; otherwise it fails
 *       within 10 s with the log's last lines ("redis-server did not answer PING on
 *       127.0.0.1:P within 10 s ..." or "... exited with code N before answering PING ...").
 *   <li><b>Nothing kept.</b> {@code --save "" --appendonly no}: {@code restart()} brings up a new,
 *       empty process on the same port (a cluster node keeps only its {@code nodes.conf}, so it
 *       rejoins with its identity and slots, as after a crash).
 *   <li><b>Faults by PID only.</b> {@code kill()} is SIGKILL, {@code pause()} / {@code resume()}
 *       are SIGSTOP / SIGCONT, each sent to the fixture's own PID, never by process name. A paused
 *       server keeps its connections open (and the kernel still accepts new ones) but answers
 *       nothing, so clients see timeouts, not refused connections.
 *   <li><b>Clean stop.</b> {@code close()} continues a paused process, sends SIGTERM, SIGKILLs it
 *       after 5 s, waits for it and deletes its directory; it is idempotent. A JVM shutdown hook
 *       SIGKILLs every process a test left running. (A JVM that is itself SIGKILLed cannot run it:
 *       its servers then live on, bound to loopback, until killed by PID.)
 *   <li><b>A converged cluster.</b> {@link dev.sluice.redis.testing.RedisCluster#start()} returns
 *       only when every node reports {@code cluster_state:ok}, knows exactly the three nodes by
 *       their 127.0.0.1 address, none in handshake or failure, and sees node {@code i} serving
 *       {@link dev.sluice.redis.testing.RedisCluster#SLOT_RANGES}{@code [i]} (0-5460, 5461-10922,
 *       10923-16383); otherwise it fails after 30 s with each node's view. A fresh master takes
 *       about 2 s to report ok (Redis's own writable delay), so share a cluster across a test
 *       class where tests allow.
 *   <li><b>A Redis the store's scripts run on.</b> {@link dev.sluice.redis.testing.RedisBinary}
 *       runs {@code -Dsluice.redis.server=PATH} when set, else {@code redis-server} from
 *       {@code PATH} when it is 6.2 or later, else the Redis 6.2.x binary shipped by the test
 *       dependency {@code com.github.codemonstur:embedded-redis} (Linux x86_64 and arm64, macOS),
 *       extracted to a temporary executable. The fixtures need no {@code redis-cli}: they speak
 *       RESP themselves.
 * </ul>
 */
package dev.sluice.redis.testing;
