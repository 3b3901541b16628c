package dev.sluice.server.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One row of the table of every environment variable the server knows, read-only, for what is
 * generated from that table outside this package: the JSON Schema of the server file and the
 * configuration reference page. {@link #all()} lists the rows in the table's order; the table
 * itself (and its parsing) stays in this package.
 *
 * @param name the variable's name, e.g. {@code GRPC_PORT}
 * @param group which part of the server it belongs to
 * @param kind how its value is read
 * @param defaultText the default as text, parsed like a value; empty for the type's zero value
 * @param use what Sluice does with it
 * @param text what it does, or why it changes nothing
 * @param secret whether its value (or part of it: a URL's password, a map's values) is masked
 *     wherever it is shown
 */
public record VariableInfo(String name, Group group, Kind kind, String defaultText, Use use, String text,
    boolean secret) {

  /** Which part of the server a variable belongs to, in the table's order. */
  public enum Group {
    /** The gRPC, HTTP and debug listeners. */
    LISTEN,
    /** Logging. */
    LOG,
    /** Where the rate limit configs come from. */
    CONFIG,
    /** envoyproxy/ratelimit's xDS config source. */
    XDS,
    /** Metrics. */
    STATS,
    /** Every store. */
    STORE,
    /** How the service answers. */
    SERVICE,
    /** The Redis store. */
    REDIS,
    /** The Redis store for per-second limits. */
    REDIS_PERSECOND,
    /** envoyproxy/ratelimit's memcache store. */
    MEMCACHE,
    /** Tracing. */
    TRACING,
    /** Sluice's SQLite store. */
    SQLITE
  }

  /** How a value is read (as envconfig reads it, Go's syntax). */
  public enum Kind {
    /** Text, as given. */
    STRING,
    /** Go's {@code strconv.ParseBool}. */
    BOOL,
    /** Go's {@code strconv.ParseInt(s, 0, 64)}. */
    INT,
    /** Go's {@code strconv.ParseFloat(s, 32)}. */
    FLOAT32,
    /** Go's {@code strconv.ParseFloat(s, 64)}. */
    FLOAT64,
    /** Go's {@code time.ParseDuration}. */
    DURATION,
    /** Comma-separated text. */
    LIST,
    /** {@code k1:v1,k2:v2}. */
    MAP
  }

  /** What Sluice does with a variable. */
  public enum Use {
    /** Honoured. */
    SUPPORTED,
    /** Some values are honoured; the others stop the start (the text says which). */
    PARTLY,
    /** Read (a malformed value still stops the start) but changes nothing. */
    NO_EFFECT,
    /** Sluice's own variable. */
    SLUICE
  }

  /**
   * A row.
   *
   * @param name the variable's name
   * @param group its group
   * @param kind its kind
   * @param defaultText its default as text
   * @param use what Sluice does with it
   * @param text what it does
   * @param secret whether its value is masked
   */
  public VariableInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(defaultText, "defaultText");
    Objects.requireNonNull(use, "use");
    Objects.requireNonNull(text, "text");
  }

  /**
   * Every variable, in the table's order (envoyproxy/ratelimit's, then Sluice's own).
   *
   * @return the rows
   */
  public static List<VariableInfo> all() {
    List<VariableInfo> rows = new ArrayList<>();
    for (Variable v : Variable.values()) {
      rows.add(new VariableInfo(v.name(), Group.valueOf(v.group.name()), Kind.valueOf(v.kind.name()), v.defaultText,
          Use.valueOf(v.use.name()), v.text, v.mask != Variable.Mask.NONE));
    }
    return List.copyOf(rows);
  }
}
