package dev.sluice.redis.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The backstop: servers a JVM never closed, one of them paused, die when that JVM exits. */
class ShutdownHookTest {

  /** Run in a child JVM: starts two servers, pauses one, prints their PIDs and exits unclosed. */
  static final class Leaker {
    public static void main(String[] args) {
      RedisServer running = RedisServer.start();
      RedisServer paused = RedisServer.start();
      paused.pause();
      System.out.println(running.pid() + " " + paused.pid() + " " + running.directory() + " "
          + paused.directory());
      System.out.flush();
      System.exit(0);
    }
  }

  @Test
  void serversLeftRunningDieWithTheJvm() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-D" + RedisBinary.PROPERTY + "=" + RedisBinary.resolve(),
                Leaker.class.getName())
            .redirectErrorStream(true)
            .start();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        output.add(line);
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child JVM exited").isTrue();
    assertThat(child.exitValue()).as("child JVM exit code; output %s", output).isZero();

    String[] fields = output.get(output.size() - 1).split(" ");
    List<Long> pids = List.of(Long.parseLong(fields[0]), Long.parseLong(fields[1]));
    try {
      for (long pid : pids) {
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive))
            .as("redis-server pid %d after its JVM exited", pid)
            .isEmpty();
      }
      assertThat(Path.of(fields[2])).doesNotExist();
      assertThat(Path.of(fields[3])).doesNotExist();
    } finally {
      // Should the hook have failed, do not leak: SIGKILL by PID.
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
