package dev.sluice.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The pieces of text every report (Report, RedisReport, SqliteReport) prints alike: the header's
 * title, JDK, machine and load lines, numbers of µs, and writing the report out.
 */
public final class ReportText {
  private ReportText() {}

  /** {@code ## title: <start, UTC>} and a blank line. */
  public static void title(StringBuilder b, String title, Instant start) {
    b.append("## ").append(title).append(": ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME
        .format(start.atOffset(ZoneOffset.UTC).withNano(0))).append(" UTC\n\n");
  }

  /** {@code - JDK: <vm> <version>}, without the line's end. */
  public static StringBuilder jdk(StringBuilder b) {
    return b.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version"));
  }

  /** {@code - JDK: <vm> <version>; heap <max> MiB, <collectors>} and the line's end. */
  public static void jdkHeapGc(StringBuilder b) {
    jdk(b).append("; heap ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB, ")
        .append(gcName()).append('\n');
  }

  /** {@code - Machine: <n> cores, <cpu>, <os> <version>}, without the line's end. */
  public static StringBuilder machine(StringBuilder b) {
    return b.append("- Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(Machine.cpuModel()).append(", ").append(System.getProperty("os.name")).append(' ')
        .append(System.getProperty("os.version"));
  }

  /**
   * The load averages before and after and how long the run took (from {@code start} until now),
   * a line per {@code --note}, then a blank line.
   */
  public static void load(StringBuilder b, Instant start, String loadBefore, String loadAfter,
      List<String> notes) {
    Duration took = Duration.between(start, Instant.now());
    b.append("- Load average (1/5/15 min) before: ").append(loadBefore).append("; after: ")
        .append(loadAfter).append("; run took ").append(took.toMinutes()).append(" min ")
        .append(took.toSecondsPart()).append(" s\n");
    for (String n : notes) {
      b.append("- ").append(n).append('\n');
    }
    b.append('\n');
  }

  /** Microseconds: whole from 100 on, else one decimal. */
  public static String us(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  /** The collectors of this JVM, e.g. "G1 Young Generation + G1 Old Generation". */
  public static String gcName() {
    List<String> names = new ArrayList<>();
    ManagementFactory.getGarbageCollectorMXBeans().forEach(g -> names.add(g.getName()));
    return String.join(" + ", names);
  }

  /** The version of a jar on the class path, from its Maven pom.properties, or "?". */
  public static String version(String group, String artifact) {
    String res = "/META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = ReportText.class.getResourceAsStream(res)) {
      if (in == null) {
        return "?";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "?");
    } catch (IOException e) {
      return "?";
    }
  }

  /** Writes {@code md} to {@code out} and prints it. */
  public static void write(Path out, String md) throws IOException {
    Files.writeString(out, md, StandardCharsets.UTF_8);
    System.out.println();
    System.out.println(md);
    System.out.println("(written to " + out + ")");
  }
}
