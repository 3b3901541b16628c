package dev.sluice.server;

import dev.sluice.server.config.ConfigException;
import dev.sluice.server.config.ConfigFile;
import dev.sluice.server.config.ConfigLoader;
import dev.sluice.server.config.RateLimitConfig;
import dev.sluice.server.file.ServerFileException;
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
  private final Loader loader;
  private final ServerMetrics metrics;
  private final Health health;

  /** What a reload loads: a whole config, and the names of the files it came from. */
  @FunctionalInterface
  interface Loader {
    Loaded load() throws Exception;
  }

  /** A loaded config and its files' names. */
  record Loaded(RateLimitConfig config, List<String> files) {}

  /** A config from the runtime layout's files. */
  ConfigHolder(Callable<List<ConfigFile>> source, boolean merge, ServerMetrics metrics, Health health) {
    this(() -> {
      List<ConfigFile> read = source.call();
      return new Loaded(ConfigLoader.load(read, merge), read.stream().map(ConfigFile::name).toList());
    }, metrics, health);
  }

  /** A config from any loader (a server file's domains). */
  ConfigHolder(Loader loader, ServerMetrics metrics, Health health) {
    this.loader = loader;
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
    Loaded loaded;
    try {
      loaded = loader.load();
    } catch (ConfigException | ServerFileException e) {
      return failed(e.getMessage());
    } catch (IOException e) {
      return failed("cannot read the config: " + e.getMessage());
    } catch (Exception e) {
      LOG.log(Level.SEVERE, "config reload failed", e);
      return failed(e.toString());
    }
    RateLimitConfig next = loaded.config();
    current.set(next);
    files.set(loaded.files());
    metrics.count("config_load_success");
    if (next.isEmpty()) {
      health.fail(Health.CONFIG);
    } else {
      health.ok(Health.CONFIG);
    }
    LOG.info(() -> "loaded config: " + loaded.files().size() + " file(s), domains " + next.domains());
    return null;
  }

  private String failed(String message) {
    metrics.count("config_load_error");
    LOG.severe(() -> "config not loaded, keeping the last good one: " + message);
    return message;
  }
}
