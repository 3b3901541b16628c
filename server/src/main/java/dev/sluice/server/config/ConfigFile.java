package dev.sluice.server.config;

import java.util.Objects;

/**
 * One config file to load: its name, as errors show it, and its YAML text.
 *
 * @param name the file's path or name as messages should show it
 * @param content the file's text
 */
public record ConfigFile(String name, String content) {

  /**
   * A config file.
   *
   * @param name the file's path or name as messages should show it; not null
   * @param content the file's text; not null
   */
  public ConfigFile {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(content, "content");
  }
}
