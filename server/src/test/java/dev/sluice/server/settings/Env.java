package dev.sluice.server.settings;

import java.util.HashMap;
import java.util.Map;

/** Test environments: envoyproxy/ratelimit's defaults but a TCP Redis (the unix-socket default is refused). */
final class Env {

  private Env() {}

  /** The base environment with {@code kv} (name, value, name, value, ...) added; a null value removes the name. */
  static Map<String, String> of(String... kv) {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_SOCKET_TYPE", "tcp");
    env.put("REDIS_URL", "localhost:6379");
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        env.remove(kv[i]);
      } else {
        env.put(kv[i], kv[i + 1]);
      }
    }
    return env;
  }

  static Settings read(String... kv) {
    try {
      return Settings.fromEnvironment(of(kv));
    } catch (SettingsException e) {
      throw new AssertionError("refused: " + e.getMessage(), e);
    }
  }

  static SettingsException refused(String... kv) {
    Settings s;
    try {
      s = Settings.fromEnvironment(of(kv));
    } catch (SettingsException e) {
      return e;
    }
    throw new AssertionError("accepted:\n" + s.describe());
  }
}
