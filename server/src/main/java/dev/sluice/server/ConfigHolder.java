package dev.sluice.server;

import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.metrics.ServerMetrics;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The config now: an immutable snapshot, replaced as a whole when a reload succeeds. A reload
 * that fails (unreadable file, invalid YAML, invalid rule) keeps the last good snapshot and says
 * so in the log and in the {@code config_load_error} counter, as envoyproxy/ratelimit does.
 */
final class ConfigHolder implements Supplier<RateLimitConfig> {

  private static final Logger LOG = Logger.getLogger(ConfigHolder.class.getName());

  private final AtomicReference<RateLimitConfig> current = new AtomicReference<>(RateLimitConfig.empty());
  private final AtomicReference<List<String>> files = new AtomicReference<>(List.of());
  private final Callable<List<ConfigFile>> source;
  private final boolean merge;
  private final ServerMetrics metrics;
  private final Health health;

  ConfigHolder(Callable<List<ConfigFile>> source, boolean merge, ServerMetrics metrics, Health health) {
    this.source = source;
    this.merge = merge;
    this.metrics = metrics;
    this.health = health;
  }

  @Override
  public RateLimitConfig get() {
    return current.get();
  }

  /** The names of the files of the config now. */
  List<String> files() {
    return files.get();
  }

  /**
   * Reads and loads the config files; on success swaps the snapshot.
   *
   * @return null on success, else what went wrong (also logged)
   */
  synchronized String reload() {
    List<ConfigFile> read;
    RateLimitConfig next;
    try {
      read = source.call();
      next = ConfigLoader.load(read, merge);
    } catch (ConfigException e) {
      return failed(e.getMessage());
    } catch (IOException e) {
      return failed("cannot read the config: " + e.getMessage());
    } catch (Exception e) {
      LOG.log(Level.SEVERE, "config reload failed", e);
      return failed(e.toString());
    }
    current.set(next);
    files.set(read.stream().map(ConfigFile::name).toList());
    metrics.count("config_load_success");
    if (next.isEmpty()) {
      health.fail(Health.CONFIG);
    } else {
      health.ok(Health.CONFIG);
    }
    LOG.info(() -> "loaded config: " + read.size() + " file(s), domains " + next.domains());
    return null;
  }

  private String failed(String message) {
    metrics.count("config_load_error");
    LOG.severe(() -> "config not loaded, keeping the last good one: " + message);
    return message;
  }
}
