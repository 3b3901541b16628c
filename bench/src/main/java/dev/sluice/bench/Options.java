package dev.sluice.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The command line of the reports (Report, RedisReport, SqliteReport): one parser, so every report
 * takes its options the same way and a bad one is refused naming the option and the value.
 *
 * <pre>{@code
 * new Options(RedisReport.class)
 *     .integer("--rounds", "N", "every row N times, interleaved", n -> c.rounds = n)
 *     .flag("--hot-only", "only the one-key set", () -> c.many = false)
 *     .out(p -> c.out = p).notes(c.notes)
 *     .parse(args);
 * }</pre>
 */
public final class Options {

  private record Option(String name, String arg, String help, Consumer<String> set) {}

  private final String program;
  private final Map<String, Option> options = new LinkedHashMap<>();

  /** The options of {@code report}'s main method. */
  public Options(Class<?> report) {
    this.program = report.getName();
  }

  /** An option with a value. */
  public Options value(String name, String arg, String help, Consumer<String> set) {
    options.put(name, new Option(name, arg, help, set));
    return this;
  }

  /** An option with a non-negative whole number. */
  public Options integer(String name, String arg, String help, IntConsumer set) {
    return value(name, arg, help, v -> {
      int n;
      try {
        n = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " '" + v + "' must be a whole number");
      }
      if (n < 0) {
        throw new IllegalArgumentException(name + " '" + v + "' must not be negative");
      }
      set.accept(n);
    });
  }

  /** An option without a value. */
  public Options flag(String name, String help, Runnable set) {
    options.put(name, new Option(name, null, help, v -> set.run()));
    return this;
  }

  /** {@code --out FILE}: where the report is also written. */
  public Options out(Consumer<Path> set) {
    return value("--out", "FILE", "also write the report to FILE", v -> set.accept(Path.of(v)));
  }

  /** {@code --note TEXT}, repeatable: a line added to the report's header. */
  public Options notes(List<String> notes) {
    return value("--note", "TEXT", "a line for the report's header (repeatable)", notes::add);
  }

  /**
   * Applies {@code args}. {@code -h} / {@code --help} prints the options and exits.
   *
   * @throws IllegalArgumentException for an unknown option, a missing or bad value
   */
  public void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        System.out.println(usage());
        System.exit(0);
      }
      Option o = options.get(a);
      if (o == null) {
        throw new IllegalArgumentException("unknown option " + a + "; " + usage());
      }
      if (o.arg() == null) {
        o.set().accept(null);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value (" + o.arg() + ")");
        }
        o.set().accept(args[++i]);
      }
    }
  }

  /** The options, one per line. */
  public String usage() {
    List<String> lines = new ArrayList<>();
    lines.add("options of " + program + ":");
    for (Option o : options.values()) {
      lines.add(String.format("  %-28s %s", o.name() + (o.arg() == null ? "" : " " + o.arg()), o.help()));
    }
    return String.join("\n", lines);
  }
}
