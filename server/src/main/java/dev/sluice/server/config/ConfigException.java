package dev.sluice.server.config;

import java.util.Objects;

/**
 * A config that is refused: names the file, the path in the file's tree and the reason, as
 * {@code <file>: <path>: <reason>}, e.g. {@code limits.yaml: domain 'api' > descriptor key 'user'
 * > rate_limit > unit: invalid rate limit unit 'foo'}. The path is empty when the reason concerns
 * the whole file ({@code limits.yaml: config file cannot have empty domain}). Where
 * envoyproxy/ratelimit has a message for the same fault, the reason is theirs, word for word.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String path;
  private final String reason;

  /**
   * A refused config.
   *
   * @param file the file's name
   * @param path the path in the file's tree, or empty for the whole file
   * @param reason what is wrong
   */
  public ConfigException(String file, String path, String reason) {
    this(file, 0, path, reason);
  }

  /**
   * A refused config whose fault is at a known line, as {@code <file>:<line>: <path>: <reason>}
   * (for domains inside a larger file, where the file alone does not say where to look).
   *
   * @param file the file's name
   * @param line the 1-based line where the node at fault starts, or 0 if unknown
   * @param path the path in the file's tree, or empty for the whole file
   * @param reason what is wrong
   */
  public ConfigException(String file, int line, String path, String reason) {
    super(message(file, line, path, reason));
    this.file = Objects.requireNonNull(file, "file");
    this.line = Math.max(0, line);
    this.path = Objects.requireNonNull(path, "path");
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  private static String message(String file, int line, String path, String reason) {
    String where = line > 0 ? file + ":" + line : file;
    return path == null || path.isEmpty() ? where + ": " + reason : where + ": " + path + ": " + reason;
  }

  /**
   * The file at fault.
   *
   * @return the file's name as given in its {@link ConfigFile}
   */
  public String file() {
    return file;
  }

  /**
   * The line at fault.
   *
   * @return the 1-based line where the node at fault starts, or 0 when the message does not name
   *     one (the path then says where)
   */
  public int line() {
    return line;
  }

  /**
   * Where in the file.
   *
   * @return the path, e.g. {@code domain 'api' > descriptor key 'user' > rate_limit}, or empty
   *     when the reason concerns the whole file
   */
  public String path() {
    return path;
  }

  /**
   * What is wrong.
   *
   * @return the reason, e.g. {@code invalid rate limit unit 'foo'}
   */
  public String reason() {
    return reason;
  }
}
