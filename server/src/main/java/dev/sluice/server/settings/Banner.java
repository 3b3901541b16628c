package dev.sluice.server.settings;

import static dev.sluice.server.settings.Variable.*;

import java.util.ArrayList;
import java.util.List;

/** The texts made from the {@link Variable} table: {@link Settings#describe()}, notices and the reference. */
final class Banner {

  private Banner() {}

  static List<String> describe(Reader r, Settings s) {
    List<String> lines = new ArrayList<>();
    for (Variable v : Variable.values()) {
      boolean relevant = relevant(v, s);
      if (!r.isSet(v) && !(relevant && v.use != Use.NO_EFFECT)) {
        continue;
      }
      StringBuilder line = new StringBuilder(v.name()).append('=').append(r.shown(v));
      if (v == USE_STATSD && !r.isSet(v)) {
        line.append(" (default in Sluice; envoyproxy/ratelimit's is true)");
      } else if (!r.isSet(v)) {
        line.append(" (default)");
      }
      if (v.use == Use.NO_EFFECT) {
        line.append(" (no effect: ").append(v.text).append(')');
      } else if (!relevant) {
        line.append(" (not used with these settings)");
      }
      lines.add(line.toString());
    }
    lines.addAll(s.derived());
    return lines;
  }

  /** Whether {@code v} matters with these settings; others are shown only when set. */
  private static boolean relevant(Variable v, Settings s) {
    StoreSettings.Backend backend = s.store().backend();
    if (v == REDIS_SENTINEL_AUTH || v == REDIS_PERSECOND_SENTINEL_AUTH) {
      return (v == REDIS_SENTINEL_AUTH ? s.store().redis() : s.store().redisPerSecond())
          .map(r -> r.type() == RedisSettings.Type.SENTINEL).orElse(false);
    }
    switch (v.group) {
      case REDIS:
        return backend == StoreSettings.Backend.REDIS;
      case REDIS_PERSECOND:
        return s.store().redisPerSecond().isPresent();
      case SQLITE:
        return backend == StoreSettings.Backend.SQLITE;
      case XDS:
      case MEMCACHE:
      case TRACING:
        return false;
      default:
        return true;
    }
  }

  static List<String> notices(Reader r, Settings s) {
    List<String> notices = new ArrayList<>();
    for (Variable v : Variable.values()) {
      boolean storeGroup = v.group == Group.REDIS || v.group == Group.REDIS_PERSECOND || v.group == Group.SQLITE;
      if (r.isSet(v) && v.use == Use.NO_EFFECT && !r.isDefault(v) && (!storeGroup || relevant(v, s))) {
        notices.add(v.name() + "=" + r.shown(v) + " has no effect in Sluice: " + v.text);
      }
    }
    String format = r.string(LOG_FORMAT);
    if (!format.equalsIgnoreCase("json") && !format.equalsIgnoreCase("text")) {
      notices.add("LOG_FORMAT='" + format + "' is neither text nor json: text is used, as envoyproxy/ratelimit does");
    }
    if (!r.isSet(USE_STATSD) && s.stats().enabled() && !s.stats().prometheus()) {
      notices.add("USE_STATSD is unset: envoyproxy/ratelimit would send statsd metrics to " + r.shown(STATSD_HOST)
          + ":" + r.shown(STATSD_PORT) + "; Sluice has no statsd: its metrics are on the debug listener's " + s.stats().prometheusPath()
          + " for Prometheus (USE_PROMETHEUS=true serves them on PROMETHEUS_ADDR too; USE_STATSD=false silences"
          + " this notice)");
    }
    RuntimeSettings rt = s.runtime();
    if (rt.watchRoot() && rt.subdirectory().isEmpty()) {
      notices.add("RUNTIME_SUBDIRECTORY is empty with RUNTIME_WATCH_ROOT=true: envoyproxy/ratelimit loads no config"
          + " file then; Sluice reads " + rt.configDirectory());
    }
    return notices;
  }

  static String reference() {
    StringBuilder b = new StringBuilder("Environment variables: NAME=default, what Sluice does with it. An unset"
        + " variable takes its default; a set one, even to the empty string, is read as envoyproxy/ratelimit reads"
        + " it (Go syntax for booleans, numbers and durations). Unknown variables are ignored.\n");
    for (Variable v : Variable.values()) {
      b.append(v.name()).append('=').append(v.defaultText).append("  [").append(label(v.use)).append("] ")
          .append(v.text).append('\n');
    }
    return b.toString();
  }

  private static String label(Use use) {
    switch (use) {
      case SUPPORTED:
        return "supported";
      case PARTLY:
        return "partly";
      case NO_EFFECT:
        return "no effect";
      default:
        return "sluice";
    }
  }
}
