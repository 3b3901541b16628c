package dev.sluice.server.settings;

import java.util.Objects;

/**
 * Logging, as envoyproxy/ratelimit's logrus takes it.
 *
 * @param level {@code LOG_LEVEL}, default {@code WARN}
 * @param json {@code LOG_FORMAT=json} (any case); any other value is text, the default
 */
public record LogSettings(Level level, boolean json) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if {@code level} is null
   */
  public LogSettings {
    Objects.requireNonNull(level, "level");
  }

  /** logrus's levels, most severe first. */
  public enum Level {
    /** {@code panic}. */
    PANIC,
    /** {@code fatal}. */
    FATAL,
    /** {@code error}. */
    ERROR,
    /** {@code warn} or {@code warning}. */
    WARN,
    /** {@code info}. */
    INFO,
    /** {@code debug}. */
    DEBUG,
    /** {@code trace}. */
    TRACE
  }
}
