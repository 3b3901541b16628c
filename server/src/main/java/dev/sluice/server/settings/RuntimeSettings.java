package dev.sluice.server.settings;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the rate limit config files are and how they are loaded (envoyproxy/ratelimit's
 * "runtime"): every file under {@link #configDirectory()}, watched for changes.
 *
 * @param root {@code RUNTIME_ROOT}, default {@code /srv/runtime_data/current}
 * @param subdirectory {@code RUNTIME_SUBDIRECTORY}, default empty
 * @param appDirectory {@code RUNTIME_APPDIRECTORY}, default {@code config}
 * @param ignoreDotFiles {@code RUNTIME_IGNOREDOTFILES}, default false: skip files and directories
 *     whose name starts with a dot (set it for Kubernetes ConfigMaps, whose {@code ..data}
 *     directories otherwise load every file twice, as they do in envoyproxy/ratelimit)
 * @param watchRoot {@code RUNTIME_WATCH_ROOT}, default true: also watch {@code root} being swapped
 *     (a symlink pointed elsewhere); the config directory itself is always watched
 * @param mergeDomainConfig {@code MERGE_DOMAIN_CONFIG}, default false: files naming the same
 *     domain are merged instead of refused
 * @param forceStartWithoutInitialConfig {@code FORCE_START_WITHOUT_INITIAL_CONFIG}, default false:
 *     serve before a config has loaded
 */
public record RuntimeSettings(Path root, String subdirectory, String appDirectory, boolean ignoreDotFiles,
    boolean watchRoot, boolean mergeDomainConfig, boolean forceStartWithoutInitialConfig) {

  /**
   * Checks the components.
   *
   * @throws NullPointerException if a component is null
   */
  public RuntimeSettings {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(subdirectory, "subdirectory");
    Objects.requireNonNull(appDirectory, "appDirectory");
  }

  /**
   * The directory the config files are read from: {@code root/subdirectory/appDirectory}, joined
   * as Go's {@code filepath.Join} does (a leading slash does not restart the path; {@code ..}
   * is resolved lexically).
   *
   * @return the config directory
   */
  public Path configDirectory() {
    return root.resolve(relative(subdirectory)).resolve(relative(appDirectory)).normalize();
  }

  /**
   * The root to watch for a swap, when {@link #watchRoot()} is set.
   *
   * @return {@link #root()}, or empty
   */
  public Optional<Path> watchedRoot() {
    return watchRoot ? Optional.of(root) : Optional.empty();
  }

  private static String relative(String part) {
    int i = 0;
    while (i < part.length() && part.charAt(i) == '/') {
      i++;
    }
    return part.substring(i);
  }
}
