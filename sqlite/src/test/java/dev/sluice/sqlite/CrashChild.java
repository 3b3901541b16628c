package dev.sluice.sqlite;

import dev.sluice.Budget;
import dev.sluice.Decision;
import dev.sluice.Window;
import dev.sluice.spi.Command;
import dev.sluice.spi.Partition;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The process {@link CrashTest} kills: opens the store and charges random costs to random keys
 * from several threads until it is killed, writing its ledger to stdout, unbuffered, one line per
 * event: {@code S id key cost} before a decision is asked, then {@code A id} once it is
 * acknowledged as admitted, {@code D id} if denied by the policy, {@code F id} if answered by the
 * failure choice (which may or may not have committed).
 *
 * <p>The ledger goes to a file, one {@code write} per line: what a write put in the page cache
 * survives the kill of the process, so the ledger holds every line written before the kill (read
 * from a pipe, a killed child's last lines could be lost on the reading side). {@code READY} goes
 * to stdout once the store is open.
 */
public final class CrashChild {

  /** The policy: a budget so large and a period so long that every charge is admitted. */
  static final Budget POLICY = Budget.of("crash", 1L << 50, Window.of(Duration.ofDays(3650)));

  static final int KEYS = 16;

  private static FileOutputStream out;

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    out = new FileOutputStream(args[3], true);
    SqliteStore store = SqliteStore.open(file).build();
    Partition p = store.partition(POLICY);
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    stdout.write("READY\n".getBytes(StandardCharsets.US_ASCII));
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(seed * 1000 + t);
      long base = (long) t << 40;
      Thread worker = new Thread(() -> {
        for (long n = 1; ; n++) {
          long id = base + n;
          String key = "key-" + random.nextInt(KEYS);
          long cost = 1 + random.nextInt(9);
          line("S " + id + " " + key + " " + cost);
          Decision d = p.apply(key, Command.acquire(cost));
          line((d.allowed() ? "A " : d.reason() == Decision.Reason.STORE_UNAVAILABLE ? "F " : "D ") + id);
        }
      });
      worker.start();
    }
    Thread.sleep(Long.MAX_VALUE); // until killed
  }

  private static void line(String s) {
    byte[] b = (s + "\n").getBytes(StandardCharsets.US_ASCII);
    synchronized (CrashChild.class) {
      try {
        out.write(b);
      } catch (IOException e) {
        System.exit(3);
      }
    }
  }
}
