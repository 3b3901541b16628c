package dev.sluice.server;

import dev.sluice.server.settings.LogSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logging from {@code LOG_LEVEL} and {@code LOG_FORMAT}: java.util.logging on stderr, one line
 * per record, as text or as JSON ({@code {"level":"info","msg":"...","time":"..."}}, the fields
 * of envoyproxy/ratelimit's logrus JSON lines, plus {@code logger} and {@code error}).
 */
final class Logs {

  private Logs() {}

  static void configure(LogSettings settings) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    Level level = switch (settings.level()) {
      case PANIC, FATAL, ERROR -> Level.SEVERE;
      case WARN -> Level.WARNING;
      case INFO -> Level.INFO;
      case DEBUG -> Level.FINE;
      case TRACE -> Level.FINEST;
    };
    ConsoleHandler h = new ConsoleHandler();
    h.setLevel(level);
    h.setFormatter(settings.json() ? new Json() : new Text());
    root.addHandler(h);
    root.setLevel(level);
    // the libraries' chatter stays at INFO and above unless asked for
    if (level.intValue() < Level.INFO.intValue()) {
      Logger.getLogger("io.netty").setLevel(Level.INFO);
      Logger.getLogger("io.grpc").setLevel(Level.INFO);
      Logger.getLogger("io.lettuce").setLevel(Level.INFO);
    }
  }

  static String levelName(Level l) {
    int v = l.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return "error";
    }
    if (v >= Level.WARNING.intValue()) {
      return "warning";
    }
    if (v >= Level.INFO.intValue()) {
      return "info";
    }
    if (v >= Level.FINE.intValue()) {
      return "debug";
    }
    return "trace";
  }

  private static String thrown(LogRecord r) {
    if (r.getThrown() == null) {
      return null;
    }
    StringWriter w = new StringWriter();
    r.getThrown().printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  static final class Text extends Formatter {
    @Override
    public String format(LogRecord r) {
      String t = thrown(r);
      return Instant.ofEpochMilli(r.getMillis()) + " " + levelName(r.getLevel()) + " " + formatMessage(r)
          + (t == null ? "" : "\n" + t) + "\n";
    }
  }

  static final class Json extends Formatter {
    @Override
    public String format(LogRecord r) {
      StringBuilder b = new StringBuilder(160);
      b.append("{\"level\":\"").append(levelName(r.getLevel())).append("\",\"msg\":");
      quote(b, formatMessage(r));
      b.append(",\"time\":\"").append(Instant.ofEpochMilli(r.getMillis())).append("\",\"logger\":");
      quote(b, r.getLoggerName() == null ? "" : r.getLoggerName());
      String t = thrown(r);
      if (t != null) {
        b.append(",\"error\":");
        quote(b, t);
      }
      return b.append("}\n").toString();
    }

    static void quote(StringBuilder b, String s) {
      b.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> {
            if (c < 0x20 || c == 0x2028 || c == 0x2029) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      b.append('"');
    }
  }
}
