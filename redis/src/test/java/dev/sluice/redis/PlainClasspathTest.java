package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.Decision;
import dev.sluice.FixedWindow;
import dev.sluice.Limiter;
import dev.sluice.Sluice;
import dev.sluice.Window;
import dev.sluice.redis.testing.RedisServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The module as an application gets it: a child JVM on exactly the runtime classpath Maven gives
 * the module's users (no test dependencies, no logging binding), deciding on a real Redis. It
 * prints no "SLF4J: ..." warning (Lettuce's slf4j-api 1.7 without a binding printed three lines
 * and dropped every log line), and its decision is Redis's.
 */
class PlainClasspathTest {

  @Test
  void aStoreOnThePlainRuntimeClasspathDecidesAndPrintsNoLoggingWarning() throws Exception {
    Path classpathFile = Path.of("target", "runtime-classpath.txt");
    assertThat(classpathFile).as("written by maven-dependency-plugin (redis/pom.xml)").exists();
    String runtime = Files.readString(classpathFile).trim();
    assertThat(runtime).as("the runtime classpath").contains("lettuce-core").doesNotContain("slf4j");
    String classpath = String.join(File.pathSeparator,
        Path.of("target", "classes").toAbsolutePath().toString(),
        Path.of("target", "test-classes").toAbsolutePath().toString(),
        runtime);
    try (RedisServer server = RedisServer.start()) {
      Path out = Files.createTempFile("plain-classpath", ".out");
      Path err = Files.createTempFile("plain-classpath", ".err");
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", classpath, Main.class.getName(), server.uri()));
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child JVM exits").isTrue();
      } finally {
        p.destroyForcibly();
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as("exit code; stderr: " + stderr).isZero();
      assertThat(stdout).contains("decided by Redis: ALLOWED remaining 2, then LIMITED");
      assertThat(stderr).doesNotContain("SLF4J");
      Files.delete(out);
      Files.delete(err);
    }
  }

  /** The child: builds a store with its defaults, decides, closes. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      try (RedisStore store = RedisStore.standalone(args[0]).build();
          Sluice sluice = Sluice.builder().store(store).build()) {
        Limiter l = sluice.limiter(FixedWindow.of("plain", 3, Window.of(Duration.ofHours(1))));
        Decision first = l.tryAcquire("k", 1);
        l.tryAcquire("k", 2);
        Decision last = l.tryAcquire("k", 1);
        if (!first.storeDecided() || !last.storeDecided()) {
          throw new IllegalStateException("not decided by Redis: " + first + ", " + last);
        }
        System.out.println("decided by Redis: " + first.reason() + " remaining " + first.remaining()
            + ", then " + last.reason());
      }
    }
  }
}
