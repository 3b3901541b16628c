package dev.sluice.server.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ServerFileSource}: reloads keep the last good file, settings wait for a restart, the watch sees changes. */
class ServerFileSourceTest {

  static final String FILE = """
      settings:
        BACKEND_TYPE: memory
        GRPC_PORT: 9001
      policies:
        api: token-bucket capacity=20 rate=100/1m
      domains:
        - domain: a
          descriptors: [{key: k, rate_limit: {unit: minute, requests_per_unit: 10}}]
      """;

  @TempDir
  Path dir;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      warnings.add(r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private final Logger logger = Logger.getLogger(ServerFileSource.class.getName());

  private Level level;

  @BeforeEach
  void listen() {
    level = logger.getLevel();
    logger.setLevel(Level.WARNING);
    logger.addHandler(handler);
  }

  @AfterEach
  void stop() {
    logger.removeHandler(handler);
    logger.setLevel(level);
  }

  private Path write(String yaml) throws Exception {
    Path p = dir.resolve("sluice.yaml");
    Path t = dir.resolve(".sluice.yaml.tmp");
    Files.writeString(t, yaml);
    Files.move(t, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return p;
  }

  @Test
  void aReloadReplacesDomainsAndPoliciesAndKeepsTheSettings() throws Exception {
    Path p = write(FILE);
    try (ServerFileSource s = ServerFileSource.open(p, Map.of())) {
      assertThat(s.settings().listen().grpcPort()).isEqualTo(9001);
      write(FILE.replace("api:", "web:").replace("domain: a", "domain: b"));
      ServerFile next = s.reload();
      assertThat(next.config().domains()).containsExactly("b");
      assertThat(s.policies().keySet()).containsExactly("web");
      assertThat(s.current()).isSameAs(next);
      assertThat(warnings).isEmpty();
      assertThat(s.describe()).containsExactly("settings from " + p + ": GRPC_PORT, BACKEND_TYPE",
          "settings from the environment: none", "policies: web");
    }
  }

  @Test
  void aFileThatDoesNotLoadKeepsTheLastGoodOne() throws Exception {
    Path p = write(FILE);
    try (ServerFileSource s = ServerFileSource.open(p, Map.of())) {
      ServerFile good = s.current();
      write(FILE.replace("rate=100/1m", "rate=100/0s"));
      assertThatThrownBy(s::reload).isInstanceOf(ServerFileException.class)
          .hasMessage(p + ":5: policies > api: rate '100/0s' must have a positive period");
      assertThat(s.current()).isSameAs(good);
      // a setting that would not start the server is refused as well
      write(FILE.replace("GRPC_PORT: 9001", "GRPC_PORT: 90001"));
      assertThatThrownBy(s::reload).hasMessageContaining(p + ":3: settings > GRPC_PORT: GRPC_PORT=90001 is out of range");
      assertThat(s.policies()).isEqualTo(good.policies());
    }
  }

  @Test
  void changedSettingsAreLoggedAndWaitForARestart() throws Exception {
    Path p = write(FILE);
    try (ServerFileSource s = ServerFileSource.open(p, Map.of("GRPC_PORT", "9005"))) {
      write(FILE.replace("GRPC_PORT: 9001", "GRPC_PORT: 9002\n  LOG_LEVEL: debug\n  REDIS_AUTH: secret1"));
      s.reload();
      assertThat(s.settings().listen().grpcPort()).isEqualTo(9005);
      assertThat(warnings).containsExactly(p + ": settings differ from those the server started with: GRPC_PORT (the"
          + " environment's value wins anyway), LOG_LEVEL, REDIS_AUTH; settings take effect at the next start (the"
          + " domains and policies were reloaded)");
      assertThat(String.join("\n", warnings)).doesNotContain("secret1");
    }
  }

  @Test
  void reloadsKeepTheMergeFlagTheServerStartedWith() throws Exception {
    String two = """
          - domain: a
            descriptors: [{key: j, rate_limit: {unit: minute, requests_per_unit: 1}}]
        """;
    Path p = write(FILE);
    try (ServerFileSource s = ServerFileSource.open(p, Map.of())) {
      write(FILE.replace("GRPC_PORT: 9001", "GRPC_PORT: 9001\n  MERGE_DOMAIN_CONFIG: true") + two);
      assertThatThrownBy(s::reload).hasMessageContaining("duplicate domain 'a'");
    }
  }

  @Test
  void theWatchCallsOnceAChangeHasSettled() throws Exception {
    Path p = write(FILE);
    AtomicInteger calls = new AtomicInteger();
    try (ServerFileSource s = ServerFileSource.open(p, Map.of(), Duration.ofMillis(100))) {
      s.watch(() -> {
        calls.incrementAndGet();
        try {
          s.reload();
        } catch (Exception e) {
          // kept: the last good one
        }
      });
      Thread.sleep(400);
      assertThat(calls).hasValue(0); // nothing changed since the open
      write(FILE.replace("api:", "web:"));
      await().atMost(Duration.ofSeconds(5)).until(() -> s.policies().containsKey("web"));
      assertThat(calls).hasValue(1);
      write(FILE.replace("api:", "web:")); // the same contents again: no call
      Thread.sleep(600);
      assertThat(calls).hasValue(1);
      Files.delete(p); // missing: one call, the reload fails, the last good stays
      await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 2);
      Thread.sleep(500);
      assertThat(calls).hasValue(2);
      assertThat(s.policies()).containsKey("web");
      write(FILE);
      await().atMost(Duration.ofSeconds(5)).until(() -> s.policies().containsKey("api"));
    }
  }

  @Test
  void aSymbolicLinkSwapIsSeen() throws Exception {
    // a Kubernetes ConfigMap: sluice.yaml -> ..data/sluice.yaml, ..data -> a versioned directory, swapped
    Path v1 = Files.createDirectories(dir.resolve("..v1"));
    Path v2 = Files.createDirectories(dir.resolve("..v2"));
    Files.writeString(v1.resolve("sluice.yaml"), FILE);
    Files.writeString(v2.resolve("sluice.yaml"), FILE.replace("api:", "web:"));
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path p = Files.createSymbolicLink(dir.resolve("sluice.yaml"), Path.of("..data", "sluice.yaml"));
    try (ServerFileSource s = ServerFileSource.open(p, Map.of(), Duration.ofSeconds(30))) {
      s.watch(() -> {
        try {
          s.reload();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
      Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      await().atMost(Duration.ofSeconds(10)).until(() -> s.policies().containsKey("web"));
    }
  }
}
