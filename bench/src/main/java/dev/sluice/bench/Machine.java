package dev.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** What the reports say about the machine they ran on, and where they write. */
public final class Machine {
  private Machine() {}

  /** The directory of the jar (or classes directory) holding {@code type}. */
  public static Path jarDirectory(Class<?> type) {
    try {
      Path p = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isDirectory(p) ? p : p.getParent();
    } catch (Exception e) {
      return Path.of(".");
    }
  }

  /** The CPU's model name from /proc/cpuinfo, or the architecture where there is none. */
  public static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }

  /** The 1, 5 and 15 minute load averages, or "n/a". */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  /**
   * Waits up to {@code seconds} for a second in which the whole machine is under 20% of one core
   * busy (nothing of ours runs between measurements, so that is everything else), and says so.
   * The reports' {@code --quiet-wait S}.
   */
  public static void waitQuiet(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    double busy = Double.NaN;
    while (System.nanoTime() < deadline) {
      long[] a = busyTicks();
      Thread.sleep(1000);
      long[] b = busyTicks();
      if (a == null || b == null) {
        return;
      }
      busy = (b[0] - a[0]) / (double) b[2];
      if (busy < 0.2) {
        return;
      }
    }
    System.out.printf(Locale.ROOT, "  (machine still %.0f%% busy after %d s; measuring anyway)%n",
        100 * busy, seconds);
  }

  /** This JVM's CPU time (every thread), in ns; 0 where the JVM does not tell. */
  public static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  /**
   * The machine's busy and steal time from the first line of {@code /proc/stat}, in clock ticks,
   * and the ticks per second (USER_HZ, 100 on Linux); null where there is no /proc.
   */
  public static long[] busyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...: all but idle, iowait and steal.
      // Interrupt time counts: loopback packets are processed in softirq, mostly inside this
      // run's own send calls, where the kernel charges it to the calling process's CPU time too
      // (leaving it out made "other" read -5 to -20% on an idle machine).
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(f[i]);
      }
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new long[] {busy, steal, 100};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A process's CPU time (user + system, all its threads) in clock ticks (USER_HZ, 100 on Linux),
   * from {@code /proc/PID/stat}; -1 where there is none (not Linux, or the process is gone).
   */
  public static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // pid (comm) state ppid ...: comm may hold spaces; fields from state on follow the last ')'
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
