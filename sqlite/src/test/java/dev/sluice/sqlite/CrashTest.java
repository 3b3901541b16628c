package dev.sluice.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 under load, many times. Each round starts {@link CrashChild} on the same database file,
 * lets its threads charge random costs for a random while, kills it with SIGKILL, and then checks
 * the file against the ledger the child wrote: {@code PRAGMA integrity_check} is ok,
 * and for every key what the round added to the persisted usage is at least what was acknowledged
 * as admitted, and at most that plus what was in flight at the kill (asked, not yet answered) or
 * answered by the failure choice.
 *
 * <p>Rounds: 50 in the normal test run; {@code -Dsluice.crash.rounds=1000} for the long mode.
 */
class CrashTest {
  @TempDir Path dir;

  @Test
  void killedUnderLoadTheFileHoldsEveryAcknowledgedDecisionAndNothingMoreThanWasAsked() throws Exception {
    int rounds = Integer.getInteger("sluice.crash.rounds", 50);
    Path file = dir.resolve("crash.db");
    Random random = new Random(20261124);
    long[] before = usage(file);
    long acknowledged = 0;
    long inFlight = 0;
    int killedWithWorkInFlight = 0;
    for (int round = 1; round <= rounds; round++) {
      Ledger ledger = runAndKill(file, 8, round, 20 + random.nextInt(300));
      assertThat(integrityCheck(file)).as("round %d: PRAGMA integrity_check", round).isEqualTo("ok");
      long[] after = usage(file);
      for (int k = 0; k < CrashChild.KEYS; k++) {
        long added = after[k] - before[k];
        assertThat(added)
            .as("round %d, key-%d: persisted usage added vs. acknowledged %d and in flight %d",
                round, k, ledger.acked[k], ledger.inFlight[k])
            .isBetween(ledger.acked[k], ledger.acked[k] + ledger.inFlight[k]);
        acknowledged += ledger.acked[k];
        inFlight += ledger.inFlight[k];
      }
      killedWithWorkInFlight += ledger.pending > 0 ? 1 : 0;
      before = after;
    }
    assertThat(acknowledged).as("decisions were acknowledged").isPositive();
    assertThat(killedWithWorkInFlight).as("rounds killed with decisions in flight").isGreaterThan(rounds / 2);
    System.out.printf("CrashTest: %d rounds, acknowledged cost %d, in flight at the kills %d, %d rounds killed mid-decision%n",
        rounds, acknowledged, inFlight, killedWithWorkInFlight);
  }

  /** What one child's ledger says. */
  static final class Ledger {
    final long[] acked = new long[CrashChild.KEYS];
    final long[] inFlight = new long[CrashChild.KEYS];
    int pending;
  }

  private static Ledger runAndKill(Path file, int threads, long seed, int runMillis) throws Exception {
    Path ledgerFile = file.resolveSibling("ledger-" + seed + ".txt");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", ""),
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
        file.toString(), String.valueOf(threads), String.valueOf(seed), ledgerFile.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    CountDownLatch ready = new CountDownLatch(1);
    Thread waiter = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.equals("READY")) {
            ready.countDown();
          }
        }
      } catch (IOException e) {
        // the pipe closed with the kill
      }
    });
    waiter.start();
    try {
      assertThat(ready.await(60, TimeUnit.SECONDS)).as("the child opened the store").isTrue();
      Thread.sleep(runMillis);
    } finally {
      child.destroyForcibly(); // SIGKILL
      child.waitFor(60, TimeUnit.SECONDS);
    }
    waiter.join(60_000);
    assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    Map<Long, String[]> asked = new HashMap<>();
    List<String[]> answered = new ArrayList<>();
    for (String line : Files.readAllLines(ledgerFile, StandardCharsets.US_ASCII)) {
      String[] f = line.split(" ");
      if (f[0].equals("S") && f.length == 4) {
        asked.put(Long.parseLong(f[1]), f);
      } else if (f.length == 2) {
        answered.add(f);
      } // else: a line cut by the kill, of a decision that was never answered
    }
    Files.delete(ledgerFile);
    Ledger ledger = new Ledger();
    for (String[] a : answered) {
      String[] s = asked.remove(Long.parseLong(a[1]));
      int key = Integer.parseInt(s[2].substring("key-".length()));
      long cost = Long.parseLong(s[3]);
      if (a[0].equals("A")) {
        ledger.acked[key] += cost;
      } else if (a[0].equals("F")) {
        ledger.inFlight[key] += cost; // not acknowledged; may or may not have committed
      }
    }
    for (String[] s : asked.values()) { // asked, never answered: in flight at the kill
      ledger.inFlight[Integer.parseInt(s[2].substring("key-".length()))] += Long.parseLong(s[3]);
      ledger.pending++;
    }
    return ledger;
  }

  private static long[] usage(Path file) {
    long[] used = new long[CrashChild.KEYS];
    try (SqliteStore store = SqliteStore.open(file).build()) {
      Partition p = store.partition(CrashChild.POLICY);
      for (int k = 0; k < CrashChild.KEYS; k++) {
        used[k] = p.apply("key-" + k, Command.peek(0)).used();
      }
    }
    return used;
  }

  private static String integrityCheck(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
      return r.getString(1);
    }
  }
}
