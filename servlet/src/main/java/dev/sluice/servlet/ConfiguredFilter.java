package dev.sluice.servlet;

import dev.sluice.Budget;
import dev.sluice.Clock;
import dev.sluice.Sluice;
import dev.sluice.http.HttpQuotas;
import dev.sluice.http.QuotaConfig;
import dev.sluice.spi.Store;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A {@link SluiceFilter} made from a configuration, with the store and engine it runs on, which it
 * owns: {@link #close()} closes them. For applications that register filters in code; with
 * {@code web.xml} or {@code ServletContext.addFilter(name, SluiceFilter.class)}, the filter's
 * init-param {@value SluiceFilter#CONFIG_PARAM} does the same with no code.
 *
 * <pre>{@code
 * ConfiguredFilter sluice = ConfiguredFilter.fromYaml(Path.of("/etc/myapp/quotas.yaml"));
 * context.addFilter("sluice", sluice.filter()).addMappingForUrlPatterns(null, false, "/*");
 * // on shutdown
 * sluice.close();
 * }</pre>
 *
 * <p>The file holds the {@code sluice:} tree of docs/http.md ({@link QuotaConfig}). The store is
 * built from {@code sluice.store}: {@code memory}; {@code sqlite}, which needs the artifact
 * {@code dev.sluice:sluice-sqlite} (its {@code path} is relative to the working directory, and
 * missing directories are created); or {@code redis}, which needs {@code dev.sluice:sluice-redis}.
 * With {@code enabled: false} no store is opened and the filter takes nothing.
 */
public final class ConfiguredFilter implements AutoCloseable {

  private final QuotaConfig config;
  private final Sluice sluice;
  private final SluiceFilter filter;

  private ConfiguredFilter(QuotaConfig config, Sluice sluice, SluiceFilter filter) {
    this.config = config;
    this.sluice = sluice;
    this.filter = filter;
  }

  /**
   * Reads a YAML file and builds its filter, on the system clock.
   *
   * @param file the YAML file, whose one top-level key is {@code sluice:}
   * @return the filter with its store and engine
   * @throws IllegalArgumentException naming the file and the line (a YAML error) or the file and
   *     the key's path ({@code sluice.rules[2].anonymous[0]}, a configuration error)
   * @throws IllegalStateException naming the missing artifact of the store type
   * @throws java.io.UncheckedIOException if the file cannot be read
   * @throws RuntimeException from opening the store (a SQLite file that cannot be opened)
   */
  public static ConfiguredFilter fromYaml(Path file) {
    return fromYaml(file, Clock.system());
  }

  /**
   * Reads a YAML file and builds its filter on {@code clock}.
   *
   * @param file the YAML file, whose one top-level key is {@code sluice:}
   * @param clock the clock of an in-memory or SQLite store (a Redis store reads the server's time)
   * @return the filter with its store and engine
   * @throws IllegalArgumentException naming the file and the line or the key's path
   * @throws IllegalStateException naming the missing artifact of the store type
   * @throws java.io.UncheckedIOException if the file cannot be read
   * @throws RuntimeException from opening the store
   */
  public static ConfiguredFilter fromYaml(Path file, Clock clock) {
    Objects.requireNonNull(file, "file");
    return of(QuotaConfig.read(YamlFile.sluiceTree(file), file.toString()), clock);
  }

  /**
   * Builds the filter of a configuration read elsewhere: opens its store, an engine on it, the
   * quotas, the concurrency lease and the budgets.
   *
   * @param config the configuration
   * @param clock the clock of an in-memory or SQLite store (a Redis store reads the server's time)
   * @return the filter with its store and engine
   * @throws IllegalStateException naming the missing artifact of the store type
   * @throws RuntimeException from opening the store
   */
  public static ConfiguredFilter of(QuotaConfig config, Clock clock) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(clock, "clock");
    if (!config.enabled()) {
      Sluice idle = Sluice.builder().clock(clock).build();
      return new ConfiguredFilter(config, idle, SluiceFilter.builder(HttpQuotas.builder(idle).build()).build());
    }
    Store store = Stores.open(config.store(), clock, config.origin());
    Sluice sluice;
    try {
      sluice = store == null ? Sluice.builder().clock(clock).build() : Sluice.builder().store(store).build();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    try {
      SluiceFilter.Builder b = SluiceFilter.builder(config.quotas(sluice)).headers(config.headers());
      config.concurrency().ifPresent(c -> b.concurrency(sluice.leases(c)));
      for (Budget budget : config.budgets()) {
        b.budget(sluice.budget(budget));
      }
      config.costAttribute().ifPresent(b::costAttribute);
      return new ConfiguredFilter(config, sluice, b.build());
    } catch (RuntimeException e) {
      sluice.close();
      throw e;
    }
  }

  /**
   * The filter to register.
   *
   * @return the filter
   */
  public SluiceFilter filter() {
    return filter;
  }

  /**
   * The configuration it was built from.
   *
   * @return the configuration
   */
  public QuotaConfig config() {
    return config;
  }

  /**
   * The engine the filter decides on, for the application's own limits on the same store.
   *
   * @return the engine; closed by {@link #close()}
   */
  public Sluice sluice() {
    return sluice;
  }

  /** Closes the engine and its store. */
  @Override
  public void close() {
    sluice.close();
  }
}
